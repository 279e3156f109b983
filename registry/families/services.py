"""Rules for the people an account arranges care for, and its shortlist. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask.signals import Namespace
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from registry.accounts.models import Role, User
from registry.checks.listing import is_listed_now, listed_now_among
from registry.extensions import db
from registry.families.models import (
    AUTHORITY_LABELS,
    CONSENT_HOW,
    RELATIONSHIP_LABELS,
    Authority,
    CaredForPerson,
    ShortlistEntry,
)
from registry.models import today
from registry.providers.models import Provider, ServiceType
from registry.providers.vocabulary import LANGUAGES
from registry.unitofwork import Refusal
from searchindex.geo import PostcodeError, locate

MAX_NAME = 80
MAX_GIVEN_BY = 120


class FamilyError(Refusal):
    """A rule was broken; the message is safe to show."""


@dataclass
class PersonInput:
    name: str
    district: str
    relationship: str
    authority: str
    authority_date: date | None
    needs: list[str] = field(default_factory=list)  # service type slugs
    communication: list[str] = field(default_factory=list)  # LANGUAGES codes
    consent_given_by: str = ""
    consent_how: str = ""


def _check(data: PersonInput) -> tuple[str, list[ServiceType]]:
    """Validate; returns the district and the needs' service types."""
    if not data.name.strip() or len(data.name.strip()) > MAX_NAME:
        raise FamilyError(f"Enter their name or initials, at most {MAX_NAME} characters.")
    try:
        district = locate(data.district).outcode
    except PostcodeError:
        raise FamilyError("Enter the postcode district where they live, like LS6.") from None
    if data.relationship not in RELATIONSHIP_LABELS:
        raise FamilyError("Say how you know them.")
    needs = (
        list(
            db.session.scalars(
                select(ServiceType).where(ServiceType.slug.in_(data.needs)).order_by(ServiceType.position)
            )
        )
        if data.needs
        else []
    )
    if not needs:
        raise FamilyError("Choose at least one kind of help they need.")
    if len(needs) != len(set(data.needs)):
        raise FamilyError("Choose kinds of help from the list.")
    if any(code not in LANGUAGES for code in data.communication):
        raise FamilyError("Choose communication needs from the list.")
    if data.authority not in AUTHORITY_LABELS:
        raise FamilyError("Say whether they agreed or you hold legal authority to arrange their care.")
    if data.authority_date is None:
        raise FamilyError("Enter the date they agreed, or the date the power or order was made.")
    if data.authority_date > today():
        raise FamilyError("The date cannot be in the future.")
    if data.authority == Authority.CONSENT:
        if not data.consent_given_by.strip() or len(data.consent_given_by.strip()) > MAX_GIVEN_BY:
            raise FamilyError(
                f"Say who gave consent, for example “Dad, himself”, in at most {MAX_GIVEN_BY} characters."
            )
        if data.consent_how not in CONSENT_HOW:
            raise FamilyError("Say how they gave consent.")
    return district, needs


def save_person(account: User, data: PersonInput, person: CaredForPerson | None = None) -> CaredForPerson:
    """Add someone the account arranges care for, or change them; saving unchanged changes nothing."""
    if account.role != Role.RECIPIENT:
        raise FamilyError("Only accounts looking for care can arrange care for other people.")
    if person is not None and person.account_id != account.id:
        raise FamilyError("This person is not on your account.")
    district, needs = _check(data)
    consent = data.authority == Authority.CONSENT
    values = {
        "name": data.name.strip(),
        "district": district,
        "relationship": data.relationship,
        "communication": sorted(set(data.communication)),
        "authority": data.authority,
        "authority_date": data.authority_date,
        # Who and how belong to consent; legal authority is its own record.
        "consent_given_by": data.consent_given_by.strip() if consent else None,
        "consent_how": data.consent_how if consent else None,
    }
    if person is None:
        person = CaredForPerson(account_id=account.id)
        db.session.add(person)
    for key, value in values.items():
        if getattr(person, key) != value:
            setattr(person, key, value)
    if {t.id for t in person.needs} != {t.id for t in needs}:
        person.needs = needs
    db.session.flush()
    return person


def people_of(account: User) -> list[CaredForPerson]:
    return list(
        db.session.scalars(
            select(CaredForPerson)
            .where(CaredForPerson.account_id == account.id)
            .order_by(CaredForPerson.name, CaredForPerson.id)
        )
    )


def person_of(account: User, person_id: int) -> CaredForPerson | None:
    """The account's own person, or None (someone else's is as unknown as a missing one)."""
    person = db.session.get(CaredForPerson, person_id)
    return person if person is not None and person.account_id == account.id else None


# Sent just before a person is deleted. Enquiries (registry/reviews, above this
# package) subscribe and keep their past enquiries without the person.
person_removed = Namespace().signal("person-removed")


def delete_person(account: User, person: CaredForPerson) -> None:
    """Remove the person and their details; past enquiries stay, saying only that they were for someone else."""
    if person.account_id != account.id:
        raise FamilyError("This person is not on your account.")
    person_removed.send(person)
    db.session.delete(person)
    db.session.flush()


# -- shortlist -------------------------------------------------------------


def shortlist(account: User, provider: Provider) -> None:
    """Save a listed provider; saving twice keeps one entry."""
    if account.role != Role.RECIPIENT:
        raise FamilyError("Only accounts looking for care have a shortlist.")
    if not is_listed_now(provider, today()):
        raise FamilyError("Only providers listed on the registry can be saved.")
    if db.session.get(ShortlistEntry, (account.id, provider.id)) is None:
        db.session.add(ShortlistEntry(account_id=account.id, provider_id=provider.id))
        db.session.flush()


def unshortlist(account: User, provider: Provider) -> None:
    db.session.execute(
        delete(ShortlistEntry).where(ShortlistEntry.account_id == account.id, ShortlistEntry.provider_id == provider.id)
    )
    db.session.flush()


def shortlisted_slugs(account: User) -> set[str]:
    return set(
        db.session.scalars(
            select(Provider.slug)
            .join(ShortlistEntry, ShortlistEntry.provider_id == Provider.id)
            .where(ShortlistEntry.account_id == account.id)
        )
    )


@dataclass(frozen=True)
class SavedProvider:
    """A shortlist entry, and whether its provider is listed today (only then is it shown and linked)."""

    entry: ShortlistEntry
    listed: bool


def shortlist_entries(account: User) -> list[SavedProvider]:
    """The account's shortlist, newest first, each asked again whether it is listed today."""
    entries = list(
        db.session.scalars(
            select(ShortlistEntry)
            .where(ShortlistEntry.account_id == account.id)
            .options(joinedload(ShortlistEntry.provider))
            .order_by(ShortlistEntry.created_at.desc())
        )
    )
    listed = listed_now_among([e.provider_id for e in entries], today())
    return [SavedProvider(entry, entry.provider_id in listed) for entry in entries]


COMPARE_MIN, COMPARE_MAX = 2, 4


def compare_selection(account: User, slugs: list[str]) -> list[SavedProvider]:
    """The shortlisted providers ``slugs`` names, in the order given, to compare side by side.

    Two to four, each on the account's own shortlist; each asked again
    whether it is listed today, since only a listed provider's details may be
    shown (one that is not stays in its place, as "no longer listed").
    Refuses otherwise, saying what to tick.
    """
    chosen = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))  # in order, once each
    if len(chosen) < COMPARE_MIN:
        raise FamilyError(f"Tick at least {COMPARE_MIN} providers on your shortlist to compare them.")
    if len(chosen) > COMPARE_MAX:
        raise FamilyError(f"You can compare up to {COMPARE_MAX} providers at once. Untick some and try again.")
    entries = {
        entry.provider.slug: entry
        for entry in db.session.scalars(
            select(ShortlistEntry)
            .join(Provider, Provider.id == ShortlistEntry.provider_id)
            .where(ShortlistEntry.account_id == account.id, Provider.slug.in_(chosen))
            .options(joinedload(ShortlistEntry.provider))
        )
    }
    if len(entries) < len(chosen):
        raise FamilyError("Only providers on your shortlist can be compared. Tick them on your shortlist.")
    listed = listed_now_among([e.provider_id for e in entries.values()], today())
    return [SavedProvider(entries[slug], entries[slug].provider_id in listed) for slug in chosen]
