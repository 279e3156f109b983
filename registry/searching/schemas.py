"""Search parameters (one load schema for the web page and the JSON API) and results (dump schemas)."""

from __future__ import annotations

from functools import lru_cache

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates

from registry.checks.badges import SEARCH_BADGES
from registry.money import to_pounds
from registry.providers.vocabulary import DAYS, GENDERS, LANGUAGES, PARTS, ProviderKind
from searchindex.geo import POSTCODE_PATTERN, PostcodeError, locate

MAX_RADIUS_MILES = 50
DEFAULT_RADIUS_MILES = 10
MAX_TEXT_LENGTH = 200
MAX_PAGE = 500
SORTS = ("best", "distance", "rating", "price")
BADGES = tuple(SEARCH_BADGES)


@lru_cache(maxsize=4)
def search_args_schema(service_slugs: frozenset[str]) -> SearchArgsSchema:
    """The parameters schema for one taxonomy, built once: construction deep-copies every field,
    a tenth of a search's time. Loading with it keeps no state, so requests share it."""
    return SearchArgsSchema(service_slugs=set(service_slugs))


class SearchArgsSchema(Schema):
    """The search's query string, for ``use_args``/``parse_query`` (registry/api/query.py): repeat a list field
    (``?service=a&service=b``) to give several values."""

    class Meta:
        unknown = EXCLUDE  # links from elsewhere may carry tracking parameters

    postcode = fields.String(
        required=True,
        validate=validate.Length(max=10),
        metadata={
            "description": "Full postcode or district, in any case and spacing, whose district the registry knows "
            "(an unknown one is a 400 naming it).",
            "pattern": POSTCODE_PATTERN,
            "x-known-values": "postcode districts in the registry's table (searchindex/data/uk-outcodes.csv)",
        },
    )
    radius = fields.Float(
        load_default=DEFAULT_RADIUS_MILES,
        validate=validate.Range(
            min=0,
            min_inclusive=False,
            max=MAX_RADIUS_MILES,
            error=f"Choose a radius above 0 and up to {MAX_RADIUS_MILES} miles.",
        ),
        metadata={"description": "Miles from the postcode's district centre."},
    )
    service = fields.List(fields.String(), load_default=list)
    q = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_TEXT_LENGTH, error=f"Use at most {MAX_TEXT_LENGTH} characters."),
        metadata={"description": "Free text over name, about text and service names: every word must appear."},
    )
    kind = fields.List(
        fields.String(validate=validate.OneOf(tuple(ProviderKind))),
        load_default=list,
        metadata={"description": "`pa` (personal assistant) or `organisation` (repeatable)."},
    )
    language = fields.List(
        fields.String(validate=validate.OneOf(tuple(LANGUAGES))),
        load_default=list,
        metadata={"description": "A language or communication code the provider uses (repeatable; all must match)."},
    )
    max_rate = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        validate=validate.Range(min=0, max=1000, error="Enter an hourly rate from £0 to £1,000."),
        metadata={"description": "Highest hourly rate, in pounds."},
    )
    min_rating = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=10, error="Choose a rating from 0 to 10."),
        metadata={"description": "Lowest score out of 10."},
    )
    day = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(DAYS),
        metadata={"description": "Available on this day."},
    )
    part = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(PARTS),
        metadata={"description": "Available at this part of the day."},
    )
    gender = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(tuple(GENDERS)),
        metadata={"description": "The personal assistant's gender."},
    )
    badge = fields.List(
        fields.String(validate=validate.OneOf(BADGES)),
        load_default=list,
        metadata={"description": "A trust badge the provider must hold (repeatable)."},
    )
    council_list = fields.Boolean(
        load_default=False,
        metadata={"description": "Only providers on the approved list of the council covering the postcode."},
    )
    sort = fields.String(
        load_default="best",
        validate=validate.OneOf(SORTS),
        metadata={"description": "`best` (the documented blend), `distance`, `rating` or `price`."},
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error=f"Choose a page from 1 to {MAX_PAGE}."),
        metadata={"description": "Page of 20 results, from 1."},
    )

    def __init__(self, *args, service_slugs: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.service_slugs = service_slugs

    @pre_load
    def drop_blanks(self, data, **kwargs):
        # A form submitted with an empty select sends "field=": treat it as absent.
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, list):
                value = [item for item in value if item not in ("", None)]
            if value not in ("", [], None):
                cleaned[key] = value
        return cleaned

    @validates("postcode")
    def validate_postcode(self, value, **kwargs):
        try:
            locate(value)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None

    @validates("service")
    def validate_services(self, value, **kwargs):
        unknown = sorted(set(value) - self.service_slugs)
        if unknown:
            raise ValidationError(f"Unknown service: {', '.join(unknown)}.")

    @post_load
    def resolve(self, data, **kwargs):
        data["place"] = locate(data["postcode"])
        return data


class RatingSchema(Schema):
    score = fields.Float(allow_none=True)
    count = fields.Integer()


class RateSchema(Schema):
    min_pounds = fields.Decimal(as_string=True, allow_none=True)
    max_pounds = fields.Decimal(as_string=True, allow_none=True)


class CqcRatingSchema(Schema):
    location_id = fields.String(metadata={"description": "The CQC location id, e.g. 1-101234567."})
    rating = fields.String(
        allow_none=True,
        metadata={
            "description": "The current overall rating: Outstanding, Good, Requires improvement or Inadequate; "
            "null when the CQC has not rated the location yet."
        },
    )
    rating_date = fields.Date(allow_none=True, metadata={"description": "The date of the rating's report."})
    url = fields.String(metadata={"description": "The location's page on the CQC website."})


class CouncilApprovalSchema(Schema):
    council = fields.String()
    service = fields.String(attribute="service_slug")
    agreed_rate_pounds = fields.Method("_pounds")
    badge = fields.String()

    def _pounds(self, approval):
        return str(to_pounds(approval.rate_pence))


class CardClaimSchema(Schema):
    service = fields.String(metadata={"description": "The service's slug."})
    text = fields.String(
        metadata={
            "description": "What was checked for this service, whose a background check is, and what the service "
            'does not need, e.g. "Meal delivery: proof of identity, food hygiene rating of 3 or more (rating 5) and '
            'public liability insurance checked; no background check is needed for meal delivery."'
        }
    )


class VisitReliabilitySchema(Schema):
    kept = fields.Integer(metadata={"description": "Confirmed visits kept (on time or late) in the last 12 months."})
    confirmed = fields.Integer(metadata={"description": "Confirmed visits in the last 12 months."})
    percent = fields.Integer(metadata={"description": "kept / confirmed, as a whole per cent rounded down."})
    text = fields.String(metadata={"description": 'e.g. "Kept 97 % of 412 confirmed visits in the last 12 months".'})


class SearchResultSchema(Schema):
    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    district = fields.String()
    distance_miles = fields.Float()
    services = fields.List(fields.String())
    hourly_rate = fields.Nested(RateSchema)
    rating = fields.Nested(RatingSchema)
    badges = fields.List(fields.String())
    service_claims = fields.List(fields.Nested(CardClaimSchema))
    languages = fields.List(fields.String())
    visits = fields.Nested(
        VisitReliabilitySchema,
        allow_none=True,
        metadata={
            "description": "Visit reliability from the records (see /how-it-works#reliability); null below the "
            "registry's minimum number of confirmed visits."
        },
    )
    cqc = fields.Nested(
        CqcRatingSchema,
        allow_none=True,
        metadata={
            "description": "The CQC registration and current overall rating as the registry's nightly sync read them "
            "(null without a live CQC record). Contains public sector information licensed under the Open "
            "Government Licence v3.0."
        },
    )
    council_approvals = fields.List(
        fields.Nested(CouncilApprovalSchema),
        metadata={"description": "Present with council_list: the lists the provider is on, with the agreed rate."},
    )


class SearchResponseSchema(Schema):
    results = fields.List(fields.Nested(SearchResultSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))


def search_response(page: dict) -> dict:
    """What ``SearchResponseSchema().dump(page)`` gives, written out.

    marshmallow's field-by-field dump was a sixth of a search request's
    time. The schema stays the documented contract (OpenAPI), and
    tests/searching/test_search_response.py keeps the two equal.
    """
    return {
        "results": [_result(row) for row in page["results"]],
        "total": int(page["total"]),
        "page": int(page["page"]),
        "pages": int(page["pages"]),
        "facets": {str(name): {str(k): int(n) for k, n in counts.items()} for name, counts in page["facets"].items()},
    }


_VISIT_FIELDS = ("kept", "confirmed", "percent", "text")


def _pounds(value) -> str | None:
    return None if value is None else format(value, "f")


def _result(row: dict) -> dict:
    rate, rating = row["hourly_rate"], row["rating"]
    result = {
        "slug": row["slug"],
        "name": row["name"],
        "kind": str(row["kind"]),
        "district": row["district"],
        "distance_miles": float(row["distance_miles"]),
        "services": [str(s) for s in row["services"]],
        "hourly_rate": {"min_pounds": _pounds(rate["min_pounds"]), "max_pounds": _pounds(rate["max_pounds"])},
        "rating": {"score": None if rating["score"] is None else float(rating["score"]), "count": int(rating["count"])},
        "badges": [str(b) for b in row["badges"]],
        "service_claims": [{"service": str(c["service"]), "text": str(c["text"])} for c in row["service_claims"]],
        "languages": [str(code) for code in row["languages"]],
        "visits": None if row.get("visits") is None else {k: row["visits"][k] for k in _VISIT_FIELDS},
        "cqc": None
        if row.get("cqc") is None
        else {
            "location_id": row["cqc"]["location_id"],
            "rating": row["cqc"]["rating"],
            "rating_date": row["cqc"]["rating_date"].isoformat() if row["cqc"]["rating_date"] else None,
            "url": row["cqc"]["url"],
        },
    }
    if "council_approvals" in row:
        result["council_approvals"] = [
            {
                "council": a.council,
                "service": a.service_slug,
                "agreed_rate_pounds": str(to_pounds(a.rate_pence)),
                "badge": a.badge,
            }
            for a in row["council_approvals"]
        ]
    return result
