"""Query parameters of the feed, and its responses as marshmallow schemas.

The response schemas describe the feed in /api/v1/openapi.json; the tests
also validate every response against the official Open Referral UK JSON
schemas, which stay the authority on the shape.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates

from searchindex.geo import POSTCODE_PATTERN, PostcodeError, locate

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
MAX_PAGE = 1_000_000
MAX_PROXIMITY_METRES = 1_000_000
UUID_EXAMPLE = "7c6e0002-0000-8001-8000-000000000001"


MAX_WORDS = 20
DAY_NAMES = {
    **{code: i for i, code in enumerate(("MO", "TU", "WE", "TH", "FR", "SA", "SU"))},
    **{day.upper(): i for i, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        day.upper(): i
        for i, day in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
}

# The day names above, in any case, as one JSON Schema (ECMA-262) pattern for the OpenAPI document.
DAY_PATTERN = r"^\s*(?:" + "|".join("".join(f"[{c.upper()}{c.lower()}]" for c in name) for name in DAY_NAMES) + r")\s*$"
# Values a harvester can only take from this feed (ids of its own records, districts in its table): the
# document names them so that a client, or a contract test, knows a well-formed stranger is a 400.
KNOWN_IDS = "ids this feed gives out (an unknown one is a 400 naming the parameter)"

# Open Referral UK parameters the registry's data cannot answer: refused with the reason, never ignored.
UNSUPPORTED = {
    "start_time": "Not supported: a provider's schedule gives the days and parts of the day (morning, afternoon, "
    "evening, overnight) it works, not times. Use `day`.",
    "end_time": "Not supported: a provider's schedule gives the days and parts of the day it works, not times. Use `day`.",
    "minimum_age": "Not supported: the registry does not record the ages a service is for.",
    "maximum_age": "Not supported: the registry does not record the ages a service is for.",
    "minimal": "Not supported: page through the list (with `modified_after` to get only what changed) instead.",
    "full_service": "Not supported here: /organizations/{id} gives an organization with its full services.",
    "top_only": "Not supported: the registry's taxonomies are flat (no term has a parent).",
    "parent_id": "Not supported: the registry's taxonomies are flat (no term has a parent).",
}


def _moment(value: str) -> datetime:
    """An ISO 8601 date-time (a date alone is its midnight; no offset means UTC)."""
    text = value.strip()
    if len(text) < 10 or not text[:4].isdigit():
        raise ValueError
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except (
        OverflowError
    ):  # 0001-01-01T00:00+01:00 is before the first moment Python can hold in UTC; 9999 after the last
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=timezone.utc)


class Moment(fields.Field):
    """An ISO 8601 moment: documented as RFC 3339 ``date-time`` or a ``date``."""

    default_error_messages = {
        "invalid": "Give a date and time in ISO 8601, such as 2026-03-12T09:30:00Z (a date alone means its midnight, UTC)."
    }

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return _moment(str(value))
        except (ValueError, TypeError, OverflowError):
            raise self.make_error("invalid") from None


class WholeNumber(fields.Integer):
    """An integer as JSON Schema counts one: ``10``, ``10.0`` and ``1e1`` are all ten; ``10.5`` is not."""

    def _validated(self, value):
        if isinstance(value, str):
            text = value.strip()
            try:
                number = Decimal(text) if len(text) <= 20 else None
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or number != number.to_integral_value():
                raise self.make_error("invalid")
            value = int(number)
        return super()._validated(value)


class PageArgs(Schema):
    error_messages = {"unknown": "This feed has no such parameter."}

    class Meta:
        unknown = RAISE  # a filter the feed does not know is refused, never silently ignored

    page = WholeNumber(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error=f"Choose a page from 1 to {MAX_PAGE:,}."),
        metadata={"description": 'Page number, from 1. Follow the `Link: rel="next"` header instead to page by key.'},
    )
    per_page = WholeNumber(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE, error=f"Choose from 1 to {MAX_PER_PAGE} per page."),
        metadata={"description": f"Items per page (default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE})."},
    )
    cursor = fields.String(
        validate=validate.Length(max=400, error="Not a cursor this feed gave out."),
        metadata={
            "description": "Where the next page starts: the opaque value in the previous response's "
            '`Link: <...>; rel="next"` header (only such values work: anything else is a 400). Pages by key, so '
            "nothing is skipped or repeated while the data changes. Not with `page`.",
            "pattern": r"^[A-Za-z0-9_-]+$",
            # Machine-readable for clients and the contract test: values come from the server, and what excludes what.
            "x-issued-by": 'Link rel="next"',
            "x-excludes": {"*": ["page"]},
        },
    )
    format = fields.String(
        validate=validate.OneOf(["json"], error="Only `json` is offered here (`ndjson`: on /services)."),
        metadata={"description": "Only `json`."},
    )

    @pre_load
    def tidy(self, data, **kwargs):
        # "?page=&search=" from a form means "not given"; " LS6 2AA " means "LS6 2AA".
        data = {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}
        data = {key: value for key, value in data.items() if value not in ("", None)}
        refused = {key: [UNSUPPORTED[key]] for key in data if key in UNSUPPORTED}
        if refused:
            raise ValidationError(refused)
        return data


def _refuse(message: str):
    raise ValidationError(message)


def _at_most_twenty_words(value: str) -> None:
    if len(value.split()) > MAX_WORDS:
        raise ValidationError(f"Use at most {MAX_WORDS} words.")


class _Modified(Schema):
    modified_after = Moment(
        metadata={
            "description": "Only what changed at or after this moment (ISO 8601 date-time; no offset means UTC; "
            "a date alone is its midnight). Pair it with /openreferral/deletions to keep a copy in sync.",
            "example": "2026-03-12T09:30:00Z",
            "type": "string",
            "anyOf": [{"format": "date-time"}, {"format": "date"}],
        }
    )


class OrganizationArgs(PageArgs, _Modified):
    pass


class TaxonomyArgs(PageArgs):
    pass


class TaxonomyTermArgs(PageArgs):
    taxonomy_id = fields.String(
        metadata={
            "description": "Only the terms of this taxonomy.",
            "example": "7c6e0005-0000-8000-8000-000000000001",
            "format": "uuid",
            "x-known-values": KNOWN_IDS,
        }
    )
    search = fields.String(
        validate=[validate.Length(max=200, error="Use at most 200 characters."), _at_most_twenty_words],
        metadata={"description": "Free text: every word must appear in the term's name, description or code."},
    )


class DeletionArgs(PageArgs, _Modified):
    modified_after = Moment(
        metadata={
            **_Modified._declared_fields["modified_after"].metadata,
            "description": "Only what left the feed at or after this moment (ISO 8601; no offset means UTC). It must "
            "be within the retention period (OPENREFERRAL_DELETIONS_RETENTION_DAYS, 90 days): an older one is a 410 "
            "`full_harvest_needed`.",
            "x-known-values": "moments within the retention period (older: 410 full_harvest_needed)",
        }
    )


# With format=ndjson the whole feed comes in one response, in key order: paging and distance do not apply.
NOT_WITH_NDJSON = ("page", "per_page", "cursor", "postcode", "proximity")


class ServiceArgs(PageArgs, _Modified):
    format = fields.String(
        validate=validate.OneOf(["json", "ndjson"], error="Choose `json` or `ndjson`."),
        metadata={
            "description": "`json` (the default): one page in the profile's envelope. `ndjson`: every matching service "
            "in one streamed response (`application/x-ndjson`), one full service (as /services/{id} gives it) per line, "
            "in id order, read at one consistent moment; with the other filters and `modified_after`, but without "
            "`page`, `per_page`, `cursor`, `postcode` or `proximity`.",
            "example": "ndjson",
            "x-excludes": {"ndjson": list(NOT_WITH_NDJSON)},
        },
    )
    search = fields.String(
        validate=[validate.Length(max=200, error="Use at most 200 characters."), _at_most_twenty_words],
        metadata={
            "description": "Free text, at most 20 words: every word must appear in the provider's name or description or the service's name."
        },
    )
    text = fields.String(
        validate=[validate.Length(max=200, error="Use at most 200 characters."), _at_most_twenty_words],
        metadata={"description": "The same as `search` (the name earlier Open Referral UK versions used)."},
    )
    day = fields.String(
        validate=lambda value: (
            (value.isascii() and value.upper() in DAY_NAMES)
            or _refuse("Give a day: MO, TU, WE, TH, FR, SA or SU (or its name in English).")
        ),
        metadata={
            "description": "Only services whose provider works some part of this day: MO to SU, or the day's "
            "English name or first three letters, in any case.",
            "example": "MO",
            "pattern": DAY_PATTERN,
        },
    )
    full = fields.Boolean(
        metadata={
            "description": "`true`: each service with everything /services/{id} gives (schedules, languages, checks...)."
        }
    )
    taxonomy_term_id = fields.String(
        metadata={
            "description": "Only services carrying this term: a service type, or a check kind (the provider holds a current check of it).",
            "example": "7c6e0006-0000-8001-8000-000000000001",
            "format": "uuid",
            "x-known-values": KNOWN_IDS,
        },
    )
    taxonomy_id = fields.String(
        metadata={
            "description": "Only services carrying a term of this taxonomy.",
            "example": "7c6e0005-0000-8000-8000-000000000001",
            "format": "uuid",
            "x-known-values": KNOWN_IDS,
        },
    )
    organization_id = fields.String(
        metadata={
            "description": "Only this organization's services.",
            "example": "7c6e0001-0000-8000-8000-000000000001",
            "format": "uuid",
            "x-known-values": KNOWN_IDS,
        }
    )
    postcode = fields.String(
        metadata={
            "description": "A full UK postcode or district, in any case and spacing, whose district the registry knows "
            "(an unknown one is a 400 naming it). Alone: services whose provider travels that far. "
            "With `proximity`: also within that many metres of the district's centre. Sorted nearest first.",
            "example": "LS6 2AA",
            "pattern": POSTCODE_PATTERN,
            "x-known-values": "postcode districts in the registry's table (searchindex/data/uk-outcodes.csv)",
        },
    )
    proximity = fields.Float(
        validate=validate.Range(
            min=0,
            min_inclusive=False,
            max=MAX_PROXIMITY_METRES,
            error=f"Choose a distance above 0 and up to {MAX_PROXIMITY_METRES:,} metres.",
        ),
        metadata={
            "description": "Metres from the centre of `postcode`'s district (needs `postcode`).",
            "x-requires": ["postcode"],
        },
    )

    @validates("postcode")
    def validate_postcode(self, value, **kwargs):
        try:
            locate(value)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None


class ServiceAtLocationArgs(ServiceArgs):
    """As ``ServiceArgs``, but one page of json only: /service_at_locations/{id} gives one in full."""

    format = PageArgs._declared_fields["format"]

    class Meta:
        exclude = ("full",)


# Responses. Field names and meanings are HSDS 3.0's; see presenters.py.


class _Strict(Schema):
    class Meta:
        ordered = True


class PageSchema(_Strict):
    total_items = fields.Integer(metadata={"description": "How many items match, over every page."})
    total_pages = fields.Integer()
    page_number = fields.Integer()
    size = fields.Integer(metadata={"description": "Items on this page."})
    first_page = fields.Boolean()
    last_page = fields.Boolean()
    empty = fields.Boolean()


class TaxonomyTermSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    description = fields.String()
    taxonomy = fields.String()
    taxonomy_id = fields.String(metadata={"format": "uuid"})
    term = fields.String()
    code = fields.String()


class TaxonomySchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    description = fields.String()
    uri = fields.String()
    version = fields.String()


class AttributeSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    link_id = fields.String(metadata={"format": "uuid"})
    link_type = fields.String(metadata={"description": "`service_type` or `accreditation` (a current check)."})
    link_entity = fields.String()
    taxonomy_term_id = fields.String(metadata={"format": "uuid"})
    taxonomy_term = fields.Nested(TaxonomyTermSchema)
    label = fields.String(
        metadata={
            "description": "For a check: what was checked, how and when.",
            "example": "Enhanced DBS with adults' barred list, Update Service status checked on 12 March 2026",
        }
    )
    value = fields.String(
        metadata={"description": "For a check: the date an officer verified it.", "example": "2026-03-12"}
    )


class OrganizationIdentifierSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    organization_id = fields.String(metadata={"format": "uuid"})
    identifier_type = fields.String()
    identifier = fields.String()


class OrganizationSummarySchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    description = fields.String()
    website = fields.String()
    uri = fields.String(metadata={"description": "The provider's public profile."})


class LocationSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    location_type = fields.String()
    name = fields.String()
    description = fields.String()
    latitude = fields.Float(metadata={"description": "The postcode district's centre, never an address."})
    longitude = fields.Float()
    addresses = fields.List(fields.Dict(), metadata={"description": "Always empty: no addresses are published."})
    accessibility = fields.List(fields.Dict())
    attributes = fields.List(fields.Dict())


class ScheduleSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    freq = fields.String()
    interval = fields.Integer()
    byday = fields.String()
    description = fields.String()


class ServiceAreaSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    service_area = fields.String()
    description = fields.String()


class LanguageSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    code = fields.String()


class CostOptionSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    option = fields.String()
    amount = fields.Float()
    currency = fields.String()
    amount_description = fields.String()


class ServiceAtLocationLinkSchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    location_id = fields.String(metadata={"format": "uuid"})
    location = fields.Nested(LocationSchema)


class ServiceSummarySchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    organization_id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    description = fields.String()
    url = fields.String()
    status = fields.String()
    accreditations = fields.String(metadata={"description": "Every current check, in words."})
    assured_date = fields.String(metadata={"description": "The date of the newest check verification."})
    last_modified = fields.String(metadata={"format": "date-time"})
    organization = fields.Nested(OrganizationSummarySchema)


class ServiceSchema(ServiceSummarySchema):
    schedules = fields.List(fields.Nested(ScheduleSchema))
    service_areas = fields.List(fields.Nested(ServiceAreaSchema))
    service_at_locations = fields.List(fields.Nested(ServiceAtLocationLinkSchema))
    languages = fields.List(fields.Nested(LanguageSchema))
    funding = fields.List(fields.Dict())
    cost_options = fields.List(fields.Nested(CostOptionSchema))
    contacts = fields.List(fields.Dict())
    attributes = fields.List(fields.Nested(AttributeSchema))


class OrganizationSchema(OrganizationSummarySchema):
    organization_identifiers = fields.List(fields.Nested(OrganizationIdentifierSchema))
    attributes = fields.List(fields.Nested(AttributeSchema))
    services = fields.List(fields.Nested(ServiceSchema))


class ServiceAtLocationSummarySchema(_Strict):
    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    location_id = fields.String(metadata={"format": "uuid"})
    location = fields.Nested(LocationSchema)
    service = fields.Nested(ServiceSummarySchema)


class ServiceAtLocationSchema(ServiceAtLocationSummarySchema):
    service = fields.Nested(ServiceSchema)


class ServicePageSchema(PageSchema):
    contents = fields.List(fields.Nested(ServiceSummarySchema))


class ServiceAtLocationPageSchema(PageSchema):
    contents = fields.List(fields.Nested(ServiceAtLocationSummarySchema))


class OrganizationPageSchema(PageSchema):
    contents = fields.List(fields.Nested(OrganizationSummarySchema))


class TaxonomyPageSchema(PageSchema):
    contents = fields.List(fields.Nested(TaxonomySchema))


class TaxonomyTermPageSchema(PageSchema):
    contents = fields.List(fields.Nested(TaxonomyTermSchema))


class FeedInfoSchema(_Strict):
    version = fields.String(metadata={"description": "HSDS version of this API.", "example": "3.0"})
    profile = fields.String(metadata={"description": "The HSDS profile this feed follows."})
    openapi_url = fields.String(metadata={"description": "The OpenAPI document describing this feed."})


class ServiceFullPageSchema(PageSchema):
    contents = fields.List(fields.Nested(ServiceSchema))


class DeletionSchema(_Strict):
    id = fields.String(metadata={"format": "uuid", "description": "The id the item had in the feed."})
    type = fields.String(
        metadata={
            "description": "`service`, `service_at_location` or `organization`: which list the id was in.",
            "example": "service",
        }
    )
    deleted_at = fields.String(
        metadata={
            "format": "date-time",
            "description": "When it left the feed (or the latest change we know of since then).",
        }
    )


class DeletionPageSchema(PageSchema):
    contents = fields.List(fields.Nested(DeletionSchema))
