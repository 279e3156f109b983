"""The demo family: a daughter in Leeds arranging care for her father and her mother.

Called by ``registry.demo.seed`` after the providers exist. Skipped when the
account already has people, so a second seed adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.accounts.models import User
from registry.extensions import db
from registry.families import services
from registry.families.models import ShortlistEntry
from registry.models import today, utcnow
from registry.providers.models import Provider, ProviderService, ServiceType
from registry.providers.vocabulary import ProfileStatus, availability_mask
from registry.reviews.models import Enquiry, EnquiryMessage, EnquiryStatus
from searchindex.geo import distance_miles, outcode_centroids

DAD = dict(
    name="Dad (Tariq)",
    district="LS6",
    relationship="family",
    needs=["personal-care", "companionship"],
    communication=["ur"],
    authority="consent",
    consent_given_by="Dad himself",
    consent_how="in-person",
)
MUM = dict(
    name="Mum (Amina)",
    district="LS8",
    relationship="family",
    needs=["dementia-support", "meal-preparation"],
    communication=["ur", "easy-read"],
    authority="lpa",
)


def _nearest_listed(district: str, service_slug: str, exclude: set[int]) -> Provider | None:
    """The nearest provider listed for the service (the demo's Leeds core is close by)."""
    rows = db.session.scalars(
        select(Provider)
        .join(ProviderService)
        .join(ServiceType)
        .where(
            Provider.status == ProfileStatus.LISTED,
            ServiceType.slug == service_slug,
            ProviderService.listed.is_(True),
            Provider.outcode.is_not(None),
        )
        .options(selectinload(Provider.services))
    ).unique()
    centres = outcode_centroids()
    here = centres[district]
    candidates = [p for p in rows if p.id not in exclude and p.outcode in centres]
    return min(candidates, key=lambda p: (distance_miles(*here, *centres[p.outcode]), p.id), default=None)


def seed_family(account: User) -> None:
    """Two people with their consent or authority, an enquiry for each (one accepted, one waiting) and a shortlist."""
    if services.people_of(account):
        return
    account.home_postcode = account.home_postcode or "LS7 3AA"
    dad = services.save_person(account, services.PersonInput(**DAD, authority_date=today() - timedelta(days=20)))
    mum = services.save_person(account, services.PersonInput(**MUM, authority_date=date(2024, 3, 14)))
    used: set[int] = set()
    for person, service, status, times, hours, message, answer in (
        (
            dad,
            "personal-care",
            EnquiryStatus.ACCEPTED,
            ["mon-morning", "tue-morning", "wed-morning", "thu-morning", "fri-morning"],
            7,
            "Dad needs help getting up and washed most mornings, and he would love someone to chat with in Urdu.",
            "Hello Sara, we can help with your dad's mornings. Could we visit next week to meet him?",
        ),
        (
            mum,
            "dementia-support",
            EnquiryStatus.OPEN,
            ["tue-afternoon", "thu-afternoon"],
            6,
            "Mum has Alzheimer's and is calmest in the afternoons. Easy Read information helps her.",
            None,
        ),
    ):
        provider = _nearest_listed(person.district, service, used)
        if provider is None:
            continue
        used.add(provider.id)
        service_type = db.session.scalar(select(ServiceType).where(ServiceType.slug == service))
        enquiry = Enquiry(
            recipient_id=account.id,
            provider_id=provider.id,
            service_type_id=service_type.id,
            district=person.district,
            start_date=today() + timedelta(days=14),
            times=availability_mask(times),
            hours_per_week=hours,
            person_id=person.id,
            arranged_by=person.relationship,
            status=status,
            created_at=utcnow() - timedelta(days=2),
        )
        enquiry.messages.append(EnquiryMessage(author_id=account.id, body=message))
        if answer:
            enquiry.messages.append(EnquiryMessage(author_id=provider.user_id, body=answer))
        db.session.add(enquiry)
        db.session.add(ShortlistEntry(account_id=account.id, provider_id=provider.id, person_id=person.id))
    db.session.flush()
