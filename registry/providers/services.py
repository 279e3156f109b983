"""Provider profile rules. Services flush but never commit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask.signals import Namespace
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from registry.accounts.models import User
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import Provider, ProviderLanguage, ProviderService, ServiceType
from registry.providers.prices import Prices, has_a_price, price_errors
from registry.providers.vocabulary import ProfileStatus, ProviderKind
from registry.unitofwork import Refusal
from searchindex.geo import locate

MIN_ABOUT_LENGTH = 40


class ProfileError(Refusal):
    """A profile rule was broken; the message is safe to show."""


class ProfileIncomplete(ProfileError):
    pass


@dataclass
class ProfileData:
    """Validated profile fields, as the form or API hands them over."""

    display_name: str
    about: str
    services: list[str]  # service type slugs
    base_postcode: str | None
    travel_radius_miles: int | None
    rate_min_pence: int | None
    rate_max_pence: int | None
    languages: list[str]
    availability: int
    phone: str | None = None
    contact_email: str | None = None
    gender: str | None = None
    years_experience: int | None = None
    cqc_provider_id: str | None = None
    website: str | None = None
    about_cy: str = ""  # "About you" in Welsh, optional
    # The richer prices beside the hourly range (registry/providers/prices.py); every one optional.
    visit_price_pence: int | None = None
    visit_minutes: int | None = None
    minimum_hours: int | None = None
    minimum_per: str | None = None
    travel: str | None = None
    travel_pence: int | None = None
    sleeping_night_pence: int | None = None
    waking_night_pence: int | None = None
    weekend_uplift_percent: int | None = None
    bank_holiday_uplift_percent: int | None = None


def all_service_types() -> list[ServiceType]:
    return list(db.session.scalars(select(ServiceType).order_by(ServiceType.position, ServiceType.name)))


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "provider"


def unique_slug(name: str) -> str:
    """A readable slug for a new provider, made unique with a number if needed."""
    base = slugify(name)
    taken = set(db.session.scalars(select(Provider.slug).where(Provider.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_draft_profile(user: User, kind: str, display_name: str) -> Provider:
    if kind not in tuple(ProviderKind):
        raise ProfileError("Choose organisation or personal assistant.")
    provider = Provider(
        user=user,
        kind=kind,
        display_name=display_name.strip(),
        slug=unique_slug(display_name),
        contact_email=user.email,
        status=ProfileStatus.DRAFT,
    )
    db.session.add(provider)
    db.session.flush()
    return provider


def get_by_slug(slug: str, *, whole_profile: bool = False) -> Provider | None:
    """The provider at ``slug``; ``whole_profile`` loads with it its account, services with their
    requirements, languages and checks (three queries, not one per service: the public profile
    shows them all and asks the listing rule of them)."""
    query = select(Provider).where(Provider.slug == slug)
    if whole_profile:
        query = query.options(
            joinedload(Provider.user),
            joinedload(Provider.services)
            .joinedload(ProviderService.service_type)
            .selectinload(ServiceType.requirements),
            joinedload(Provider.language_rows),
            selectinload(Provider.checks),
        )
    return db.session.scalars(query).unique().first()


def update_profile(provider: Provider, data: ProfileData) -> Provider:
    """Replace the editable profile fields with ``data``; prices that break a rule are refused, nothing changed."""
    prices = Prices.of(data)
    errors = price_errors(prices)
    if errors:
        raise ProfileError(next(iter(errors.values())))
    provider.display_name = data.display_name
    provider.about = data.about
    provider.about_cy = data.about_cy
    if data.base_postcode:
        place = locate(data.base_postcode)
        provider.base_postcode, provider.outcode = place.postcode, place.outcode
    else:
        provider.base_postcode = provider.outcode = None
    provider.travel_radius_miles = data.travel_radius_miles
    prices.apply_to(provider)
    provider.availability = data.availability
    provider.phone = data.phone or None
    provider.contact_email = data.contact_email or None
    if provider.is_pa:
        provider.gender = data.gender or None
        provider.years_experience = data.years_experience
    else:
        provider.cqc_provider_id = data.cqc_provider_id or None
        provider.website = data.website or None
    _set_services(provider, data.services)
    _set_languages(provider, data.languages)
    db.session.flush()
    on_profile_changed(provider)
    return provider


def _set_services(provider: Provider, slugs: list[str]) -> None:
    wanted = {t.slug: t for t in all_service_types() if t.slug in set(slugs)}
    for row in list(provider.services):
        if row.service_type.slug not in wanted:
            provider.services.remove(row)
    have = {row.service_type.slug for row in provider.services}
    for slug, service_type in wanted.items():
        if slug not in have:
            provider.services.append(ProviderService(service_type=service_type))


def _set_languages(provider: Provider, codes: list[str]) -> None:
    wanted = set(codes)
    for row in list(provider.language_rows):
        if row.language not in wanted:
            provider.language_rows.remove(row)
    have = {row.language for row in provider.language_rows}
    for code in sorted(wanted - have):
        provider.language_rows.append(ProviderLanguage(language=code))


# Sent after a profile's services, area or status change. The listing rule
# (registry/checks/listing.py) subscribes: it lives above providers, since it
# reads checks, and this keeps every caller of these services from having to
# remember to re-list.
profile_changed = Namespace().signal("profile-changed")


def on_profile_changed(provider: Provider) -> None:
    """Keep what is derived from a profile (its listing, and through it the search index) in step with it."""
    profile_changed.send(provider, today=today())


def missing_items(provider: Provider) -> list[str]:
    """What the provider still has to fill in before the profile is complete."""
    missing = []
    if len(provider.about.strip()) < MIN_ABOUT_LENGTH:
        missing.append(gettext("Tell people about yourself in at least %(num)s characters.", num=MIN_ABOUT_LENGTH))
    if not provider.services:
        missing.append(gettext("Choose at least one service you offer."))
    if not provider.base_postcode:
        missing.append(gettext("Add your base postcode (only its district is shown)."))
    if not provider.travel_radius_miles:
        missing.append(gettext("Say how far you travel."))
    if not has_a_price(provider.prices):
        missing.append(gettext("Add your hourly rate or your price a visit."))
    if not provider.language_rows:
        missing.append(gettext("Add the languages you speak."))
    if not provider.availability:
        missing.append(gettext("Tick when you are available."))
    if not (provider.phone or provider.contact_email):
        missing.append(gettext("Add a phone number or email address for enquiries."))
    return missing


def submit_profile(provider: Provider) -> Provider:
    """Move a complete draft to submitted, ready for its checks to be reviewed."""
    missing = missing_items(provider)
    if missing:
        raise ProfileIncomplete(gettext("Your profile is not complete yet. See the list below."))
    if provider.status == ProfileStatus.DRAFT:
        provider.status = ProfileStatus.SUBMITTED
        provider.submitted_at = utcnow()
        db.session.flush()
        on_profile_changed(provider)
    return provider


def is_publicly_visible(provider: Provider) -> bool:
    """Drafts are private; every other profile has a public page."""
    return provider.status != ProfileStatus.DRAFT
