"""Rules for the people an account arranges care for, and its shortlist. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask.signals import Namespace
from flask_babel import gettext
from sqlalchemy import select
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
    if not 0 < person_id < 2**31:  # beyond any id (and beyond what SQLite or PostgreSQL take as one)
        return None
    person = db.session.get(CaredForPerson, person_id)
    return person if person is not None and person.account_id == account.id else None


# Sent just before a person is deleted. Enquiries (registry/reviews, above this
# package) subscribe and keep their past enquiries without the person.
person_removed = Namespace().signal("person-removed")


def delete_person(account: User, person: CaredForPerson) -> None:
    """Remove the person and their details; past enquiries stay, saying only that they were for someone else,
    and the providers saved for them stay on the account's unsorted list."""
    if person.account_id != account.id:
        raise FamilyError("This person is not on your account.")
    person_removed.send(person)
    keep_shortlist_unsorted(person)
    db.session.delete(person)
    db.session.flush()


# -- shortlist -------------------------------------------------------------


def shortlist_person(account: User, person_id: int | str | None) -> CaredForPerson | None:
    """Whose list a shortlist form names: "" or None is the account holder's own (unsorted) list."""
    if person_id in (None, ""):
        return None
    person = person_of(account, int(person_id)) if str(person_id).isdigit() else None
    if person is None:
        raise FamilyError("Choose yourself or someone you arrange care for.")
    return person


def shortlist_filter(account: User, value: str) -> CaredForPerson | None | bool:
    """Which lists ``?for=`` asks for: "" every list (False), "me" the unsorted one (None), or a person's id."""
    if value == "":
        return False
    return None if value == "me" else shortlist_person(account, value)


def _entry(account: User, provider: Provider, person: CaredForPerson | None) -> ShortlistEntry | None:
    return db.session.scalar(
        select(ShortlistEntry).where(
            ShortlistEntry.account_id == account.id,
            ShortlistEntry.provider_id == provider.id,
            ShortlistEntry.person_id.is_(None) if person is None else ShortlistEntry.person_id == person.id,
        )
    )


def shortlist(account: User, provider: Provider, person: CaredForPerson | None = None) -> None:
    """Save a listed provider to the account's own list or to one of its people's; saving twice keeps one entry."""
    if account.role != Role.RECIPIENT:
        raise FamilyError("Only accounts looking for care have a shortlist.")
    if person is not None and person.account_id != account.id:
        raise FamilyError("Choose yourself or someone you arrange care for.")
    if not is_listed_now(provider, today()):
        raise FamilyError("Only providers listed on the registry can be saved.")
    if _entry(account, provider, person) is None:
        db.session.add(ShortlistEntry(account_id=account.id, provider_id=provider.id, person=person))
        db.session.flush()


def unshortlist(account: User, provider: Provider, person: CaredForPerson | None = None) -> None:
    """Take a provider off one list: the account holder's own, or ``person``'s."""
    if (entry := _entry(account, provider, person)) is not None:
        db.session.delete(entry)
        db.session.flush()


def shortlist_entry_of(account: User, entry_id: int) -> ShortlistEntry | None:
    """The account's own entry, or None (another account's is as unknown as a missing one)."""
    if not 0 < entry_id < 2**31:
        return None
    entry = db.session.get(ShortlistEntry, entry_id)
    return entry if entry is not None and entry.account_id == account.id else None


def move_entry(account: User, entry: ShortlistEntry, person: CaredForPerson | None) -> ShortlistEntry:
    """Move a saved provider to another person's list (or the unsorted one); returns the entry it is now.

    If it is already on that list, the two become one (the older keeps its date).
    """
    if entry.account_id != account.id or (person is not None and person.account_id != account.id):
        raise FamilyError("Choose yourself or someone you arrange care for.")
    if entry.person_id == (person.id if person else None):
        return entry  # moved to where it is: nothing changes
    there = _entry(account, entry.provider, person)
    if there is not None:
        db.session.delete(entry)
        db.session.flush()
        return there
    entry.person = person
    db.session.flush()
    return entry


def keep_shortlist_unsorted(person: CaredForPerson) -> None:
    """Before a person is deleted, their saved providers move to the account's unsorted list (once each)."""
    for entry in list(db.session.scalars(select(ShortlistEntry).where(ShortlistEntry.person_id == person.id))):
        account = db.session.get(User, entry.account_id)
        if _entry(account, entry.provider, None) is None:
            entry.person_id = None
        else:
            db.session.delete(entry)
    db.session.flush()


def shortlisted_slugs(account: User) -> set[str]:
    """The slugs on any of the account's lists."""
    return set(shortlisted_for(account))


def shortlisted_for(account: User) -> dict[str, set[int | None]]:
    """Each saved provider's slug, with whose lists it is on (None: the account holder's own)."""
    found: dict[str, set[int | None]] = {}
    for slug, person_id in db.session.execute(
        select(Provider.slug, ShortlistEntry.person_id)
        .join(ShortlistEntry, ShortlistEntry.provider_id == Provider.id)
        .where(ShortlistEntry.account_id == account.id)
    ):
        found.setdefault(slug, set()).add(person_id)
    return found


@dataclass(frozen=True)
class SavedProvider:
    """A shortlist entry, and whether its provider is listed today (only then is it shown and linked)."""

    entry: ShortlistEntry
    listed: bool


@dataclass(frozen=True)
class PersonList:
    """One person's shortlist (``person`` None: the account holder's own, unsorted)."""

    person: CaredForPerson | None
    saved: list[SavedProvider]


def shortlist_entries(account: User, person: CaredForPerson | None | bool = False) -> list[SavedProvider]:
    """The account's shortlist, newest first, each asked again whether it is listed today.

    ``person`` False: every list; None: only the unsorted one; a person: only theirs.
    """
    query = (
        select(ShortlistEntry)
        .where(ShortlistEntry.account_id == account.id)
        .options(joinedload(ShortlistEntry.provider), joinedload(ShortlistEntry.person))
        .order_by(ShortlistEntry.created_at.desc(), ShortlistEntry.id.desc())
    )
    if person is None:
        query = query.where(ShortlistEntry.person_id.is_(None))
    elif person is not False:
        query = query.where(ShortlistEntry.person_id == person.id)
    entries = list(db.session.scalars(query))
    listed = listed_now_among([e.provider_id for e in entries], today())
    return [SavedProvider(entry, entry.provider_id in listed) for entry in entries]


def shortlist_by_person(account: User, person: CaredForPerson | None | bool = False) -> list[PersonList]:
    """The shortlist grouped by person: each of the account's people by name, then the unsorted list.

    ``person`` as for :func:`shortlist_entries`; a group with nothing in it is
    left out, unless it is the one asked for.
    """
    saved = shortlist_entries(account, person)
    people = people_of(account) if person is False else [] if person is None else [person]
    groups = [PersonList(p, [s for s in saved if s.entry.person_id == (p.id if p else None)]) for p in [*people, None]]
    if person is not False and person is not None:
        groups = groups[:1]
    return [g for g in groups if g.saved or person is not False]


COMPARE_MIN, COMPARE_MAX = 2, 4
ENQUIRE_MAX = 4  # one enquiry to at most this many providers at once


def enquiry_selection(account: User, slugs: list[str]) -> list[Provider]:
    """The shortlisted providers ``slugs`` names, once each in the order given, to send one enquiry to.

    One to four, each on one of the account's own lists. Whether each is
    listed is asked when the enquiry is sent (registry.reviews.enquiries).
    Refuses otherwise, saying what to tick.
    """
    chosen = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    if not chosen:
        raise FamilyError(
            gettext("Tick the providers on your shortlist you would like to ask, then “Ask these providers”.")
        )
    if len(chosen) > ENQUIRE_MAX:
        raise FamilyError(
            gettext("You can ask up to %(num)s providers at once. Untick some and try again.", num=ENQUIRE_MAX)
        )
    providers = {
        provider.slug: provider
        for provider in db.session.scalars(
            select(Provider)
            .join(ShortlistEntry, ShortlistEntry.provider_id == Provider.id)
            .where(ShortlistEntry.account_id == account.id, Provider.slug.in_(chosen))
        )
    }
    if len(providers) < len(chosen):
        raise FamilyError(
            gettext("Only providers on your shortlist can be asked together. Tick them on your shortlist.")
        )
    return [providers[slug] for slug in chosen]


def compare_selection(account: User, slugs: list[str]) -> list[SavedProvider]:
    """The shortlisted providers ``slugs`` names, in the order given, to compare side by side.

    Two to four, each on the account's own shortlist; each asked again
    whether it is listed today, since only a listed provider's details may be
    shown (one that is not stays in its place, as "no longer listed").
    Refuses otherwise, saying what to tick.
    """
    chosen = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))  # in order, once each
    if len(chosen) < COMPARE_MIN:
        raise FamilyError(
            gettext("Tick at least %(num)s providers on your shortlist to compare them.", num=COMPARE_MIN)
        )
    if len(chosen) > COMPARE_MAX:
        raise FamilyError(
            gettext("You can compare up to %(num)s providers at once. Untick some and try again.", num=COMPARE_MAX)
        )
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
        raise FamilyError(gettext("Only providers on your shortlist can be compared. Tick them on your shortlist."))
    listed = listed_now_among([e.provider_id for e in entries.values()], today())
    return [SavedProvider(entries[slug], entries[slug].provider_id in listed) for slug in chosen]
