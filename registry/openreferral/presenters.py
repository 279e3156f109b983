"""Registry rows as HSDS 3.0 (Open Referral UK) objects, as plain dicts.

Fields the registry has no value for are left out rather than sent as null:
the UK profile's schemas type them as plain strings and numbers.

How checks are published: every current check the provider passed becomes
an HSDS ``attribute`` of the service, whose ``taxonomy_term`` is the check's
kind in the registry's "checks" taxonomy, whose ``label`` says what was
checked, how and when (the profile page's badge text) and whose ``value`` is
the date an officer verified it. The service's free-text ``accreditations``
lists the same sentences and ``assured_date`` is the newest verification.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from flask import url_for

from registry.checks.badges import Badge, badges
from registry.checks.kinds import KIND_NAMES, CheckKind
from registry.formatting import long_date
from registry.money import to_pounds
from registry.openreferral import ids
from registry.openreferral.services import changed_at_of, check_kind_key, last_change, listed_services_of
from registry.providers.models import Provider, ProviderService, ServiceType
from registry.providers.prices import PriceLine, price_lines
from registry.providers.vocabulary import DAY_LABELS, DAYS, HUMAN_LANGUAGES, LANGUAGES, PART_LABELS, PARTS, ProviderKind
from searchindex.geo import outcode_centroids

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferraluk.org/"
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

TAXONOMIES = {
    ids.SERVICE_TYPES_TAXONOMY: (
        "Trusted Care Registry service types",
        "The kinds of help people buy with personal budgets, as the registry lists providers for them. "
        "Each service type names the checks a provider must pass to be listed for it.",
    ),
    ids.CHECKS_TAXONOMY: (
        "Trusted Care Registry checks",
        "The background checks safeguarding officers verify. A service carries one attribute per current, "
        "approved check: the label says what was checked, how and when; the value is the date it was verified.",
    ),
}

CHECK_DESCRIPTIONS = {
    CheckKind.IDENTITY: "Identity document checked by a safeguarding officer.",
    CheckKind.DBS: "Disclosure and Barring Service certificate: level, barred lists checked, and how it was verified "
    "(original seen, or a DBS Update Service status check).",
    CheckKind.PVG: "Membership of the Protecting Vulnerable Groups scheme (Disclosure Scotland), Scotland's "
    "background check: the workforce it covers (adults, children or both), verified on the scheme record.",
    CheckKind.ACCESSNI: "AccessNI certificate, Northern Ireland's background check: level, barred lists checked, "
    "original seen.",
    CheckKind.RIGHT_TO_WORK: "Right to work in the UK checked.",
    CheckKind.INSURANCE: "Public liability insurance: insurer, cover and policy end date checked.",
    CheckKind.QUALIFICATION: "A care qualification checked against the certificate.",
    CheckKind.CQC: "Registration with the Care Quality Commission (England) confirmed.",
    CheckKind.CARE_INSPECTORATE: "Registration with the Care Inspectorate (Scotland) confirmed.",
    CheckKind.CIW: "Registration with Care Inspectorate Wales confirmed.",
    CheckKind.RQIA: "Registration with the Regulation and Quality Improvement Authority (Northern Ireland) confirmed.",
    CheckKind.FOOD_HYGIENE: "Food hygiene rating from the local authority checked.",
    CheckKind.FIRST_AID: "First aid certificate checked.",
    CheckKind.REFERENCE: "A reference checked.",
}


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def profile_url(provider: Provider) -> str:
    return url_for("providers.public_profile", slug=provider.slug, _external=True)


# Taxonomies and their terms.


def taxonomy(number: int) -> dict:
    name, description = TAXONOMIES[number]
    return {
        "id": ids.taxonomy_id(number),
        "name": name,
        "description": description,
        "uri": url_for("openreferral.taxonomy_detail", taxonomy_id=ids.taxonomy_id(number), _external=True),
        "version": "1",
    }


def service_type_term(service_type: ServiceType) -> dict:
    return {
        "id": ids.taxonomy_term_id(ids.SERVICE_TYPES_TAXONOMY, service_type.id),
        "name": service_type.name,
        "description": service_type.description or service_type.name,
        "taxonomy": TAXONOMIES[ids.SERVICE_TYPES_TAXONOMY][0],
        "taxonomy_id": ids.taxonomy_id(ids.SERVICE_TYPES_TAXONOMY),
        "term": service_type.slug,
        "code": service_type.slug,
    }


def check_term(kind: str) -> dict:
    return {
        "id": ids.taxonomy_term_id(ids.CHECKS_TAXONOMY, check_kind_key(kind)),
        "name": KIND_NAMES.get(kind, kind),
        "description": CHECK_DESCRIPTIONS.get(kind, KIND_NAMES.get(kind, kind)),
        "taxonomy": TAXONOMIES[ids.CHECKS_TAXONOMY][0],
        "taxonomy_id": ids.taxonomy_id(ids.CHECKS_TAXONOMY),
        "term": str(kind),
        "code": str(kind),
    }


# Organizations.


def organization_summary(provider: Provider, url: str | None = None) -> dict:
    """The one-to-one fields of an organization (``organization_list.json``); ``url``: its profile's, if known."""
    website = (
        provider.website
        if provider.kind == ProviderKind.ORGANISATION and (provider.website or "").startswith(("http://", "https://"))
        else None
    )
    return _compact(
        {
            "id": ids.organization_id(provider.id),
            "name": provider.display_name,
            "description": provider.about or "",
            "website": website,
            "uri": url or profile_url(provider),
        }
    )


def organization_full(provider: Provider, today: date) -> dict:
    """An organization with its identifiers and its listed services (``organization.json``)."""
    data = organization_summary(provider)
    current = badges(provider, today)
    data["organization_identifiers"] = [
        {
            "id": ids.named("organization_identifier", provider.id, badge.check.id),
            "organization_id": data["id"],
            "identifier_type": "CQC registration (verified by the registry)",
            "identifier": str(badge.check.details["registration_id"]),
        }
        for badge in current
        if badge.kind == CheckKind.CQC and (badge.check.details or {}).get("registration_id")
    ]
    data["attributes"] = []
    memo: dict = {}
    data["services"] = [
        service_full(row, today, with_organization=False, memo=memo) for row in listed_services_of(provider, today)
    ]
    return data


# Services.
#
# Most of what a service says is about its provider (badges, location, area,
# languages, rates, schedules), the same for each of the provider's services:
# it is worked out once per provider (``_Facts``), and a ``memo`` dict shared
# by the services of one page or export batch keeps it, with the service
# type terms. Only the ids differ from one service of a provider to the next.


class _Facts:
    """What the feed publishes about one provider, whichever of its services it is shown with."""

    def __init__(self, provider: Provider, today: date):
        current = badges(provider, today)
        self.url = profile_url(provider)
        self.organization = organization_summary(provider, self.url)
        self.accreditations = "; ".join(b.text for b in current) or None
        verified = [b.check.decided_at for b in current if b.check.decided_at]
        self.assured_date = max(verified).date().isoformat() if verified else None
        self.last_change = last_change(provider, None, today)
        self.checks = [_check_attribute_fields(badge) for badge in current]
        self.place = location(provider)
        self.schedules = _schedule_fields(provider)
        self.area = (
            None
            if self.place is None or not provider.travel_radius_miles
            else (
                f"Up to {provider.travel_radius_miles} miles from the centre of {provider.outcode}",
                f"{provider.display_name} travels to people's homes up to {provider.travel_radius_miles} miles "
                f"from the centre of the {provider.outcode} postcode district.",
            )
        )
        self.languages = [
            (code, LANGUAGES.get(code, code))
            for code in provider.languages
            if code in HUMAN_LANGUAGES  # Easy Read and the like are not languages
        ]
        # One cost option per price, in the words of the one presenter every page uses.
        self.prices = price_lines(provider.prices)


def _cost_option(service_id: str, line: PriceLine) -> dict:
    """A price as an ORUK cost option: what it is for, the amount (when it has one, in pounds) and its words."""
    option = {
        # The hourly rate keeps the id it had when it was the only cost option.
        "id": ids.named("cost_option", service_id)
        if line.kind == "hourly"
        else ids.named("cost_option", service_id, line.kind),
        "service_id": service_id,
        "option": line.option,
    }
    if line.amount_pence is not None:
        option |= {"amount": float(to_pounds(line.amount_pence)), "currency": "GBP"}
    option["amount_description"] = line.text
    return option


def _facts(provider: Provider, today: date, memo: dict | None) -> _Facts:
    if memo is None:
        return _Facts(provider, today)
    key = ("provider", provider.id)
    if key not in memo:
        memo[key] = _Facts(provider, today)
    return memo[key]


def _type_term(service_type: ServiceType, memo: dict | None) -> dict:
    if memo is None:
        return service_type_term(service_type)
    key = ("service_type", service_type.id)
    if key not in memo:
        memo[key] = service_type_term(service_type)
    return memo[key]


def _check_attribute_fields(badge: Badge) -> tuple[int, dict]:
    """A current check as an attribute, but for the ids that name the service: ``(check id, fields)``."""
    check = badge.check
    label = badge.text
    if check.kind != CheckKind.INSURANCE and check.valid_until is not None:
        label += f"; current until {long_date(check.valid_until)}"
    return check.id, {
        "link_type": "accreditation",
        "link_entity": "service",
        "taxonomy_term_id": ids.taxonomy_term_id(ids.CHECKS_TAXONOMY, check_kind_key(check.kind)),
        "taxonomy_term": check_term(check.kind),
        "label": label,
        "value": check.decided_at.date().isoformat() if check.decided_at else None,
    }


def _check_attribute(link_id: str, check_id: int, fields: dict) -> dict:
    return {"id": ids.named("attribute", link_id, check_id), "link_id": link_id, **fields}


def service_summary(row: ProviderService, today: date, memo: dict | None = None) -> dict:
    """The one-to-one fields of a service and its organization (``service_list.json``)."""
    provider, service_type = row.provider, row.service_type
    facts = _facts(provider, today, memo)
    changed_at = changed_at_of(row)
    return _compact(
        {
            "id": ids.service_id(provider.id, service_type.id),
            "organization_id": facts.organization["id"],
            "name": f"{service_type.name}: {provider.display_name}",
            "description": provider.about or "",
            "url": facts.url,
            "status": "active",
            "accreditations": facts.accreditations,
            "assured_date": facts.assured_date,
            "last_modified": _iso(facts.last_change if changed_at is None else max(facts.last_change, changed_at)),
            "organization": facts.organization,
        }
    )


def _schedule_fields(provider: Provider) -> list[tuple[int, str, str]]:
    """``(part of the day, iCal days, description)`` for each part of the day the provider works."""
    slots = set(provider.availability_slots)
    schedules = []
    for part, part_label in zip(PARTS, PART_LABELS):
        days = [(ical, label) for day, ical, label in zip(DAYS, ICAL_DAYS, DAY_LABELS) if f"{day}-{part}" in slots]
        if days:
            schedules.append(
                (part, ",".join(ical for ical, _ in days), f"{part_label}s: {', '.join(label for _, label in days)}")
            )
    return schedules


def location(provider: Provider) -> dict | None:
    """The centre of the provider's postcode district: never an address."""
    centre = outcode_centroids().get(provider.outcode or "")
    if centre is None:
        return None
    return {
        "id": ids.location_id(provider.id),
        "location_type": "physical",
        "name": f"{provider.outcode} postcode district",
        "description": f"The centre of the {provider.outcode} postcode district, where this provider is based. "
        "The registry never publishes a provider's address.",
        "latitude": round(centre[0], 5),
        "longitude": round(centre[1], 5),
    }


def service_at_location_summary(row: ProviderService, today: date, memo: dict | None = None) -> dict | None:
    """``service_at_location_list.json``: the link, the location and the service's one-to-one fields."""
    place = _facts(row.provider, today, memo).place
    if place is None:
        return None
    return {
        "id": ids.service_at_location_id(row.provider_id, row.service_type_id),
        "service_id": ids.service_id(row.provider_id, row.service_type_id),
        "location_id": place["id"],
        "location": place,
        "service": service_summary(row, today, memo),
    }


def service_at_location_full(row: ProviderService, today: date) -> dict | None:
    """``service_at_location.json``: as the summary, with the full service."""
    data = service_at_location_summary(row, today)
    if data is None:
        return None
    data["location"] = {**data["location"], "addresses": [], "accessibility": [], "attributes": []}
    service = service_full(row, today)
    service.pop("service_at_locations", None)
    data["service"] = service
    return data


def service_full(row: ProviderService, today: date, with_organization: bool = True, memo: dict | None = None) -> dict:
    """A service with everything the registry publishes about it (``service.json``)."""
    provider, service_type = row.provider, row.service_type
    facts = _facts(provider, today, memo)
    data = service_summary(row, today, memo)
    if not with_organization:
        data.pop("organization")
    service_id = data["id"]
    place = facts.place
    data["schedules"] = [
        {
            "id": ids.named("schedule", service_id, part),
            "service_id": service_id,
            "freq": "WEEKLY",
            "interval": 1,
            "byday": byday,
            "description": description,
        }
        for part, byday, description in facts.schedules
    ]
    data["service_areas"] = []
    if facts.area is not None:
        area, description = facts.area
        data["service_areas"].append(
            {
                "id": ids.named("service_area", service_id),
                "service_id": service_id,
                "name": area,
                "service_area": area,
                "description": description,
            }
        )
    data["service_at_locations"] = (
        []
        if place is None
        else [
            {
                "id": ids.service_at_location_id(provider.id, service_type.id),
                "service_id": service_id,
                "location_id": place["id"],
                "location": {**place, "addresses": [], "accessibility": [], "attributes": []},
            }
        ]
    )
    data["languages"] = [
        {"id": ids.named("language", service_id, code), "service_id": service_id, "name": name, "code": code}
        for code, name in facts.languages
    ]
    data["funding"] = []
    data["cost_options"] = [_cost_option(service_id, line) for line in facts.prices]
    data["contacts"] = []
    data["attributes"] = [
        {
            "id": ids.named("attribute", service_id, "service_type"),
            "link_id": service_id,
            "link_type": "service_type",
            "link_entity": "service",
            "taxonomy_term_id": ids.taxonomy_term_id(ids.SERVICE_TYPES_TAXONOMY, service_type.id),
            "taxonomy_term": _type_term(service_type, memo),
        }
    ] + [_check_attribute(service_id, check_id, fields) for check_id, fields in facts.checks]
    return data
