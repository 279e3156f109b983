"""GET /api/v1/providers/<slug>: a provider's public profile as JSON."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.api import api_error
from registry.checks.badges import badges
from registry.checks.claims import service_claims
from registry.checks.listing import listed_services_now
from registry.models import today
from registry.money import to_pounds
from registry.providers import services
from registry.providers.prices import price_lines
from registry.providers.vocabulary import LANGUAGES
from registry.reviews.responsiveness import reply_time_of
from registry.visits.reliability import reliability_of


class ApprovedCheckSchema(Schema):
    """What was checked, how and when; never certificate numbers or documents."""

    kind = fields.String()
    level = fields.String(allow_none=True)
    barred_lists = fields.String(allow_none=True)
    how_verified = fields.String(allow_none=True)
    update_service_result = fields.String(allow_none=True)
    verified_on = fields.Date(allow_none=True)
    valid_until = fields.Date()
    summary = fields.String()


class MetRequirementSchema(Schema):
    requirement = fields.String(metadata={"description": "The requirement code, e.g. dbs_enhanced_adults."})
    name = fields.String(metadata={"description": "The requirement in words."})
    value = fields.String(
        allow_none=True, metadata={"description": "What the check shows where a figure is required, e.g. rating 5."}
    )
    whose = fields.String(
        allow_none=True,
        metadata={
            "description": "Whose check it is, for a check about a person: the named person's own, or an "
            "organisation's own (one person's, never a check of each worker it sends)."
        },
    )


class ServiceClaimSchema(Schema):
    """What was verified for one listed service, in the words the profile and the search card use."""

    service = fields.String(metadata={"description": "The service's slug."})
    name = fields.String()
    text = fields.String(metadata={"description": "The whole claim in words, as the profile shows it."})
    short = fields.String(metadata={"description": "The search card's sentence."})
    checked = fields.List(fields.Nested(MetRequirementSchema))
    not_needed = fields.List(
        fields.String(), metadata={"description": "What this service does not ask for, e.g. background check."}
    )
    ask = fields.String(
        allow_none=True, metadata={"description": "What to ask an organisation whose background check is its own."}
    )


class ServiceSchema(Schema):
    slug = fields.String()
    name = fields.String()


class VisitFigureSchema(Schema):
    kept = fields.Integer(metadata={"description": "Confirmed visits kept (on time or late) in the last 12 months."})
    late = fields.Integer(metadata={"description": "Of the kept visits, those the person's side said were late."})
    confirmed = fields.Integer(metadata={"description": "Confirmed visits in the last 12 months."})
    percent = fields.Integer(metadata={"description": "kept / confirmed, as a whole per cent rounded down."})
    text = fields.String()


class ReplyFigureSchema(Schema):
    enquiries = fields.Integer(metadata={"description": "Enquiries counted in the last 12 months."})
    replied = fields.Integer(metadata={"description": "Of those, how many had a reply from the provider."})
    median_minutes = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Time to the first reply within which at least half were answered (rounded up); "
            "null when fewer than half were replied to."
        },
    )
    text = fields.String()


class ReliabilitySchema(Schema):
    visits = fields.Nested(VisitFigureSchema, allow_none=True, metadata={"description": "null below the minimum."})
    replies = fields.Nested(ReplyFigureSchema, allow_none=True, metadata={"description": "null below the minimum."})


class PriceSchema(Schema):
    kind = fields.String(
        metadata={
            "description": "`hourly`, `visit`, `minimum`, `travel`, `sleeping-night`, `waking-night`, `weekend` or "
            "`bank-holiday`, in this order; a price not given is left out."
        }
    )
    text = fields.String(metadata={"description": 'As people read it, e.g. "£25 a visit (30 minutes)".'})
    option = fields.String(metadata={"description": "What the amount is for (the feed's cost option)."})
    amount_pounds = fields.String(
        allow_none=True,
        metadata={"description": "The amount, when the price has one (not a minimum or a weekend percentage)."},
    )


class ProviderSchema(Schema):
    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    about = fields.String()
    district = fields.String(allow_none=True)
    travel_radius_miles = fields.Integer(allow_none=True)
    hourly_rate = fields.Dict()
    prices = fields.List(
        fields.Nested(PriceSchema),
        metadata={"description": "Every price the provider gives, in the words the profile shows."},
    )
    languages = fields.List(fields.Dict())
    availability = fields.List(fields.String())
    services = fields.List(fields.Nested(ServiceSchema))
    listed_services = fields.List(fields.String())
    approved_checks = fields.List(fields.Nested(ApprovedCheckSchema))
    service_claims = fields.List(
        fields.Nested(ServiceClaimSchema),
        metadata={
            "description": "For each listed service: what was verified, whose the checks are, what is not needed."
        },
    )
    reliability = fields.Nested(
        ReliabilitySchema,
        metadata={"description": "Computed from the records: visits kept and time to reply (see /how-it-works)."},
    )


def provider_payload(provider, listed: list) -> dict:
    """The public profile of a provider listed today for the services ``listed``."""
    approved = []
    for badge in badges(provider, today()):
        check, details = badge.check, badge.check.details or {}
        approved.append(
            {
                "kind": check.kind,
                "level": details.get("level"),
                "barred_lists": details.get("barred_lists"),
                "how_verified": check.verification_method,
                "update_service_result": check.update_service_result,
                "verified_on": check.decided_at.date() if check.decided_at else None,
                "valid_until": check.valid_until,
                "summary": badge.text,
            }
        )
    return {
        "slug": provider.slug,
        "name": provider.display_name,
        "kind": provider.kind,
        "status": provider.status,
        "about": provider.about,
        "district": provider.outcode,
        "travel_radius_miles": provider.travel_radius_miles,
        "hourly_rate": {
            "min_pounds": str(to_pounds(provider.rate_min_pence)) if provider.rate_min_pence is not None else None,
            "max_pounds": str(to_pounds(provider.rate_max_pence)) if provider.rate_max_pence is not None else None,
        },
        "prices": [
            {
                "kind": line.kind,
                "text": line.text,
                "option": line.option,
                "amount_pounds": None if line.amount_pence is None else str(to_pounds(line.amount_pence)),
            }
            for line in price_lines(provider.prices)
        ],
        "languages": [{"code": code, "name": LANGUAGES.get(code, code)} for code in provider.languages],
        "availability": provider.availability_slots,
        "services": [{"slug": t.slug, "name": t.name} for t in provider.service_types],
        "listed_services": [t.slug for t in listed],
        "approved_checks": approved,
        "service_claims": [
            {
                "service": claim.service_slug,
                "name": claim.service_name,
                "text": claim.text,
                "short": claim.short,
                "checked": [
                    {"requirement": m.code, "name": m.name, "value": m.value, "whose": m.whose} for m in claim.met
                ],
                "not_needed": list(claim.not_needed),
                "ask": claim.ask,
            }
            for claim in service_claims(provider, today(), listed)
        ],
        "reliability": reliability_payload(provider.id),
    }


def reliability_payload(provider_id: int) -> dict:
    """The two figures from the records, each None below its minimum (the same functions the profile uses)."""
    visits, replies = reliability_of(provider_id), reply_time_of(provider_id)
    return {
        "visits": None if not visits.shown else {**visits.summary(), "late": visits.late},
        "replies": None
        if not replies.shown
        else {
            "enquiries": replies.enquiries,
            "replied": replies.replied,
            "median_minutes": None if replies.median_seconds is None else -int(-replies.median_seconds // 60),
            "text": replies.text,
        },
    }


def provider_detail(slug: str):
    provider = services.get_by_slug(slug, whole_profile=True)  # a bounded number of queries, whatever it has
    if provider is None or not services.is_publicly_visible(provider):
        return api_error(404, "provider_not_found", f"No provider has the slug “{slug}”.")
    listed = listed_services_now(provider, today())
    if not listed:
        return api_error(404, "provider_not_listed", "This provider is not currently listed.")
    return ProviderSchema().dump(provider_payload(provider, listed))
