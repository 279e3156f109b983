"""What the registry holds about one person (export), and closing their account with their data (erasure).

The same services serve the account pages and ``flask users export|erase``,
so a request made by email is handled exactly like one made on the site.
Services flush, never commit: the caller owns the transaction.

Export never hands out other people's details beyond what the person already
sees: the other side of an enquiry is named as the pages name it, officers
are never named, and a check's document stays behind its owner-only link.

Erasure anonymises what must stay for others (safeguarding, the audit log,
reviews a person chose to leave as "a former user") and deletes the rest. What
stays, for how long and why is in :data:`KEPT_AFTER_ERASURE`, shown on the
confirmation page and in the README's retention table.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, or_, select

from registry import audit
from registry.accounts.models import (
    SELF_SERVICE_ROLES,
    AccountDevice,
    Passkey,
    RecoveryCode,
    Role,
    TotpFactor,
    User,
)
from registry.accounts.services import AccountError, deactivate_account, end_all_sessions
from registry.aftercommit import after_commit
from registry.checks.models import Check
from registry.checks.status_checks import withdraw_consent
from registry.councils.calloffs import export_orders, forget_recipient
from registry.councils.models import FrameworkEntry
from registry.extensions import db
from registry.families.models import AUTHORITY_LABELS, CONSENT_HOW, RELATIONSHIP_LABELS, CaredForPerson, ShortlistEntry
from registry.families.services import delete_person
from registry.links import public_url_for
from registry.mail import OutgoingEmail, forget_mail
from registry.models import utcnow
from registry.providers.models import Provider
from registry.providers.prices import PRICE_FIELDS
from registry.providers.vocabulary import LANGUAGES, availability_slots
from registry.reviews.models import (
    DIMENSIONS,
    ENQUIRY_STATUS_LABELS,
    Engagement,
    Enquiry,
    EnquiryMessage,
    Invitation,
    Review,
    ReviewStatus,
)
from registry.reviews.scoring import recompute_rating
from registry.safeguarding.models import Concern, Suspension
from registry.safeguarding.services import CLOSING_OUTCOMES
from registry.storage import document_store
from registry.unitofwork import Refusal
from registry.visits.services import export_engagement, forget_words_of

FORMER_USER = "A former user"
FORMER_PROVIDER = "A former provider"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never deliver, so no mail leaves for an erased account


class DataRightsError(Refusal):
    """The request cannot be carried out; the message is safe to show."""


class ReviewChoice(StrEnum):
    """What happens to the reviews a person wrote when they erase their account."""

    KEEP = "keep"  # stay published, by "a former user"
    REMOVE = "remove"  # removed from the provider's page and the score; their text deleted


# What stays after an erasure, for how long and why: the confirmation page and the README say the same.
KEPT_AFTER_ERASURE = [
    (
        "An empty account record: no name, email, password or postcode, only its number, role and when it was "
        "opened and closed",
        "Permanently",
        "The audit log and the records below point at it; without it they would point at nothing.",
    ),
    (
        "Concerns you raised (their text and outcome), under no name",
        "As long as the safeguarding record about that provider is kept",
        "Safeguarding: an officer may need to act on, or show, what was reported (UK GDPR Article 17(3)(b) and (e)).",
    ),
    (
        "Reviews you chose to leave, by \u201ca former user\u201d, and reviews held for a safeguarding officer",
        "Until the provider's listing closes",
        "Your choice; a held review is part of a safeguarding concern.",
    ),
    (
        "Providers: the decision on each check and its structured fields (kind, certificate or policy number, dates, "
        "how it was verified); the scan itself is deleted at once",
        "The check retention period, as for every provider",
        "A decision must be explainable later, and someone barred must not return unnoticed (safeguarding).",
    ),
    (
        "Providers: suspensions, appeals and approved-list applications, under the anonymised profile",
        "As for the records of every provider",
        "Safeguarding and the councils' commissioning records.",
    ),
    (
        "The audit log of what officers and the system did, including that the account was erased (without your "
        "details)",
        "Permanently; it cannot be edited or deleted",
        "Safeguarding decisions must be accountable; the log is append-only and hash-chained.",
    ),
    (
        "Messages the other person wrote to you in an enquiry, and enquiries providers received (without your details)",
        "As long as the other person's account",
        "They are the other person's own record of their conversation.",
    ),
]


# -- export ---------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _provider_name(provider: Provider | None) -> str | None:
    return None if provider is None else provider.display_name


def _other_party(enquiry: Enquiry, user: User) -> str:
    """How the pages name the other side of an enquiry: the provider's display name, or the recipient's name."""
    return enquiry.provider.display_name if enquiry.recipient_id == user.id else enquiry.recipient.name


def _enquiry(enquiry: Enquiry, user: User) -> dict[str, Any]:
    person = enquiry.person
    return {
        "with": _other_party(enquiry, user),
        "service": enquiry.service_type.name,
        "status": ENQUIRY_STATUS_LABELS.get(enquiry.status, str(enquiry.status)),
        "sent_at": _when(enquiry.created_at),
        "for": None if person is None else person.name,
        "arranged_by": None if enquiry.arranged_by is None else RELATIONSHIP_LABELS[enquiry.arranged_by],
        "district": enquiry.district,
        "start_date": _when(enquiry.start_date),
        "days_and_times": availability_slots(enquiry.times or 0),
        "hours_per_week": enquiry.hours_per_week,
        "when_needed": enquiry.when_needed,
        "messages": [
            {
                "from": "you" if m.author_id == user.id else _other_party(enquiry, user),
                "sent_at": _when(m.created_at),
                "text": m.body,
            }
            for m in enquiry.messages
        ],
    }


def _review(review: Review, own: bool) -> dict[str, Any]:
    data = {
        "provider": review.provider.display_name,
        "status": str(review.status),
        "written_at": _when(review.written_at),
        "title": review.title,
        "text": review.body,
        "ratings": {label: getattr(review, key) for key, label in DIMENSIONS.items()},
        "supported_for": review.supported_for,
        "provider_response": review.response,
    }
    if not own:
        data.pop("provider")
    return data


def _check(check: Check) -> dict[str, Any]:
    return {
        "kind": check.kind_name,
        "status": check.status_label,
        "details": dict(check.details or {}),
        "submitted_at": _when(check.submitted_at),
        "decided_at": _when(check.decided_at),
        "decision_reason": check.decision_reason,
        "verification_method": check.verification_method,
        "update_service_result": check.update_service_result,
        "valid_until": _when(check.valid_until),
        "revoked_at": _when(check.revoked_at),
        "revocation_reason": check.revocation_reason,
        "appeal": check.appeal_note,
        "status_check_consent": _consent(check.status_consent),
        "document": {
            "name": check.document_name,
            "type": check.document_type,
            "size_bytes": check.document_size,
            # The scan itself is never in the export: it stays behind the owner-only link.
            "download": public_url_for("checks.document", check_id=check.id) if check.document_key else None,
            "deleted_at": _when(check.document_deleted_at),
        },
    }


def _consent(consent) -> dict[str, Any] | None:
    """Consent to DBS Update Service status checks: what was agreed, when, and what it keeps while it stands."""
    if consent is None:
        return None
    return {
        "wording": consent.wording,
        "given_at": _when(consent.given_at),
        "withdrawn_at": _when(consent.withdrawn_at),
        "surname": consent.surname,
        "date_of_birth": _when(consent.date_of_birth),
    }


def _profile(provider: Provider) -> dict[str, Any]:
    return {
        "kind": str(provider.kind),
        "display_name": provider.display_name,
        "address_of_profile": public_url_for("providers.public_profile", slug=provider.slug),
        "about": provider.about,
        "base_postcode": provider.base_postcode,
        "district": provider.outcode,
        "travel_radius_miles": provider.travel_radius_miles,
        **{name: getattr(provider, name) for name in PRICE_FIELDS},
        "availability": provider.availability_slots,
        "gender": provider.gender,
        "years_experience": provider.years_experience,
        "cqc_provider_id": provider.cqc_provider_id,
        "website": provider.website,
        "phone": provider.phone,
        "contact_email": provider.contact_email,
        "languages": provider.language_names,
        "services": [t.name for t in provider.service_types],
        "status": str(provider.status),
        "created_at": _when(provider.created_at),
        "submitted_at": _when(provider.submitted_at),
    }


def export_data(user: User) -> dict[str, Any]:
    """Everything the registry holds about ``user``, as plain JSON-ready data, section by section."""
    session = db.session
    data: dict[str, Any] = {
        "about_this_file": (
            "Everything the Trusted Care Registry holds about you, as of the time below (UK GDPR articles 15 and 20). "
            "Other people appear only as you see them on the site."
        ),
        "exported_at": _when(utcnow()),
        "account": {
            "email": user.email,
            "name": user.name,
            "role": str(user.role),
            "home_postcode": user.home_postcode,
            "created_at": _when(user.created_at),
            "email_confirmed_at": _when(user.email_verified_at),
            "active": user.active,
            "browsers_signed_in_from": [
                {"first_seen": _when(d.first_seen_at), "last_seen": _when(d.last_seen_at)}
                for d in session.scalars(select(AccountDevice).where(AccountDevice.user_id == user.id))
            ],
        },
    }
    provider = user.provider
    if provider is not None:
        data["profile"] = _profile(provider)
        data["checks"] = [_check(c) for c in provider.checks]
        data["approved_list_applications"] = [
            {
                "council": e.framework.council.name,
                "list": e.framework.name,
                "service": e.service_type.name,
                "rate_pence": e.rate_pence,
                "status": e.status_label,
                "applied_at": _when(e.applied_at),
                "decided_at": _when(e.decided_at),
                "reason": e.reason,
            }
            for e in session.scalars(
                select(FrameworkEntry).where(FrameworkEntry.provider_id == provider.id).order_by(FrameworkEntry.id)
            )
        ]
        data["suspensions"] = [
            {
                "reason": s.reason,
                "started_at": _when(s.started_at),
                "ended_at": _when(s.ended_at),
                "appeal": s.appeal_reasons,
                "appealed_at": _when(s.appealed_at),
                "appeal_outcome": None if s.appeal_status is None else str(s.appeal_status),
                "appeal_decision_reason": s.appeal_decision_reason,
            }
            for s in session.scalars(
                select(Suspension).where(Suspension.provider_id == provider.id).order_by(Suspension.id)
            )
        ]
        data["enquiries_received"] = [
            _enquiry(e, user)
            for e in session.scalars(select(Enquiry).where(Enquiry.provider_id == provider.id).order_by(Enquiry.id))
        ]
        data["engagements"] = [
            {"with": e.recipient.name, "confirmed_at": _when(e.confirmed_at), **export_engagement(e)}
            for e in session.scalars(
                select(Engagement).where(Engagement.provider_id == provider.id).order_by(Engagement.id)
            )
        ]
        data["reviews_received"] = [
            _review(r, own=False)
            for r in session.scalars(
                select(Review)
                .where(Review.provider_id == provider.id, Review.status == ReviewStatus.PUBLISHED)
                .order_by(Review.id)
            )
        ]
        data["invitations_sent"] = [
            {"email": i.email, "sent_at": _when(i.created_at), "used_at": _when(i.used_at)}
            for i in session.scalars(
                select(Invitation).where(Invitation.provider_id == provider.id).order_by(Invitation.id)
            )
        ]
    if user.role == Role.RECIPIENT:
        data["people_you_arrange_care_for"] = [
            {
                "name": p.name,
                "district": p.district,
                "you_are": RELATIONSHIP_LABELS[p.relationship],
                "help_needed": [t.name for t in p.needs],
                "communication": [LANGUAGES.get(c, c) for c in p.communication or []],
                "authority": AUTHORITY_LABELS[p.authority],
                "consent_given_by": p.consent_given_by,
                "consent_how": None if p.consent_how is None else CONSENT_HOW[p.consent_how],
                "authority_date": _when(p.authority_date),
                "added_at": _when(p.created_at),
            }
            for p in session.scalars(
                select(CaredForPerson).where(CaredForPerson.account_id == user.id).order_by(CaredForPerson.id)
            )
        ]
        data["shortlist"] = [
            {
                "provider": e.provider.display_name,
                "for": "yourself (not sorted)" if e.person is None else e.person.name,
                "saved_at": _when(e.created_at),
            }
            for e in session.scalars(
                select(ShortlistEntry)
                .where(ShortlistEntry.account_id == user.id)
                .order_by(ShortlistEntry.created_at, ShortlistEntry.id)
            )
        ]
        data["enquiries_sent"] = [
            _enquiry(e, user)
            for e in session.scalars(select(Enquiry).where(Enquiry.recipient_id == user.id).order_by(Enquiry.id))
        ]
        data["engagements"] = [
            {"with": e.provider.display_name, "confirmed_at": _when(e.confirmed_at), **export_engagement(e)}
            for e in session.scalars(
                select(Engagement).where(Engagement.recipient_id == user.id).order_by(Engagement.id)
            )
        ]
        data["reviews_written"] = [
            _review(r, own=True)
            for r in session.scalars(select(Review).where(Review.author_id == user.id).order_by(Review.id))
        ]
        data["orders_from_approved_lists"] = export_orders(user)
        data["invitations_accepted"] = [
            {"from": i.provider.display_name, "used_at": _when(i.used_at)}
            for i in session.scalars(select(Invitation).where(Invitation.used_by_id == user.id).order_by(Invitation.id))
        ]
    data["concerns_raised"] = [
        {
            "about": c.provider.display_name,
            "raised_at": _when(c.created_at),
            "text": c.body,
            "status": str(c.status),
            "outcome": CLOSING_OUTCOMES.get(c.closed_outcome) if c.closed_outcome else None,
        }
        for c in session.scalars(select(Concern).where(Concern.raised_by_id == user.id).order_by(Concern.id))
    ]
    data["emails_sent_to_you"] = [
        {"subject": m.subject, "written_at": _when(m.created_at), "sent_at": _when(m.sent_at)}
        for m in session.scalars(
            select(OutgoingEmail)
            .where(func.lower(OutgoingEmail.recipient) == user.email.lower())
            .order_by(OutgoingEmail.id)
        )
    ]
    return data


# -- erasure --------------------------------------------------------------------


@dataclass
class ErasureReport:
    role: str
    people: int = 0
    enquiries: int = 0
    messages: int = 0
    reviews_kept: int = 0
    reviews_removed: int = 0
    emails: int = 0
    email_files: int = 0
    documents: int = 0


def _terms(user: User, people: list[CaredForPerson]) -> tuple[list[str], list[str]]:
    """The addresses and the words (names, phone, postcodes) an erasure removes from stored email."""
    addresses = [user.email]
    terms = [user.name, *(p.name for p in people)]
    if user.home_postcode:
        terms.append(user.home_postcode)
    provider = user.provider
    if provider is not None:
        addresses += [a for a in (provider.contact_email,) if a]
        terms += [t for t in (provider.display_name, provider.phone, provider.base_postcode) if t]
    return addresses, terms


def erase_account(
    user: User, actor: User | None, reviews: ReviewChoice | str = ReviewChoice.KEEP, how: str = "web"
) -> ErasureReport:
    """Close ``user``'s account and erase or anonymise everything about them that need not stay.

    ``actor`` is the account itself (on the site) or None (``flask users erase``).
    Stored check documents are deleted from the document store after the commit.
    """
    if user.role not in SELF_SERVICE_ROLES:
        raise DataRightsError("Staff accounts are deactivated, not erased: their actions stay attributed to them.")
    if user.email.endswith("@" + ERASED_DOMAIN):
        raise DataRightsError("This account has already been erased.")
    reviews = ReviewChoice(reviews)
    session = db.session
    report = ErasureReport(role=str(user.role))
    now = utcnow()
    people = list(session.scalars(select(CaredForPerson).where(CaredForPerson.account_id == user.id)))
    addresses, terms = _terms(user, people)

    # The address goes first, so nothing recorded from here on (the deactivation's audit event) carries it.
    user.email = f"erased-{user.id}-{secrets.token_hex(4)}@{ERASED_DOMAIN}"
    user.name = FORMER_USER
    user.home_postcode = None
    user.password_hash = "!erased"  # no password verifies against it
    user.email_verified_at = None
    if user.active:
        try:
            deactivate_account(user, actor, how=f"erasure ({how})", own_request=actor is not None)
        except AccountError as error:
            raise DataRightsError(str(error)) from None
    else:
        end_all_sessions(user)
    for model in (AccountDevice, TotpFactor, Passkey, RecoveryCode):
        session.execute(delete(model).where(model.user_id == user.id))

    forget_recipient(user)  # their orders stay in the council's figures, unlinked from them
    for person in people:
        delete_person(user, person)  # person_removed: their enquiries keep nothing of them
    report.people = len(people)
    session.execute(delete(ShortlistEntry).where(ShortlistEntry.account_id == user.id))

    # Their own messages go; what the other person wrote stays in that person's history.
    report.messages = (
        session.execute(
            delete(EnquiryMessage)
            .where(EnquiryMessage.author_id == user.id)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        or 0
    )
    # Their notes on visits and their reasons for ending go; the visits and what was agreed stay (timesheets).
    forget_words_of(user)
    for enquiry in session.scalars(select(Enquiry).where(Enquiry.recipient_id == user.id)):
        enquiry.district = enquiry.start_date = enquiry.times = enquiry.hours_per_week = enquiry.when_needed = None
        report.enquiries += 1

    touched: set[int] = set()
    for review in session.scalars(select(Review).where(Review.author_id == user.id)):
        if reviews == ReviewChoice.REMOVE and review.status != ReviewStatus.HELD:
            review.status = ReviewStatus.REMOVED
            review.title, review.body, review.supported_for, review.flag_reasons = "", "", None, None
            review.moderation_reason = "Removed when its author closed their account."
            report.reviews_removed += 1
        else:
            report.reviews_kept += 1
        touched.add(review.provider_id)
    session.execute(
        Invitation.__table__.update()
        .where(or_(Invitation.used_by_id == user.id, func.lower(Invitation.email).in_([a.lower() for a in addresses])))
        .values(email=f"erased@{ERASED_DOMAIN}")
    )

    provider = user.provider
    if provider is not None:
        report.documents = _erase_provider(provider, now)
        touched.add(provider.id)
    session.flush()
    for provider_id in touched:
        recompute_rating(session.get(Provider, provider_id))

    report.emails, report.email_files = forget_mail(current_app._get_current_object(), addresses, terms)
    audit.record(
        "account.erased",
        user,
        actor_id=actor.id if actor is not None else None,
        provider_id=provider.id if provider is not None else None,
        details={
            "role": str(user.role),
            "via": how,
            "reviews": str(reviews),
            "people": report.people,
            "reviews_kept": report.reviews_kept,
            "reviews_removed": report.reviews_removed,
            "emails_deleted": report.emails,
            "documents_deleted": report.documents,
        },
    )
    session.flush()
    return report


def _erase_provider(provider: Provider, now: datetime) -> int:
    """Blank the profile and delete the stored scans (after the commit); decisions and structured fields stay."""
    provider.display_name = FORMER_PROVIDER
    provider.slug = f"former-provider-{provider.id}"
    provider.about = ""
    provider.base_postcode = provider.outcode = None
    provider.travel_radius_miles = provider.years_experience = None
    provider.gender = provider.cqc_provider_id = provider.website = provider.phone = provider.contact_email = None
    keys = []
    for check in provider.checks:
        if check.status_consent is not None:  # the surname and date of birth kept for DBS status checks go
            withdraw_consent(check.status_consent, None, now, why="the provider's account was erased")
        if check.document_key:
            keys.append(check.document_key)
            check.document_key = None
            check.document_deleted_at = now
        check.document_name = ""
    for review in db.session.scalars(select(Review).where(Review.provider_id == provider.id)):
        review.response, review.responded_at = None, None
    db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.provider_id == provider.id)
        .values(email=f"erased@{ERASED_DOMAIN}")
    )
    db.session.flush()
    if keys:
        store = document_store()
        after_commit(db.session, lambda: [store.delete(key) for key in keys])
    return len(keys)


def record_export(user: User, actor: User | None, how: str) -> None:
    """Note on the audit log that staff exported someone's data for them (no personal data in the event)."""
    audit.record("account.exported", user, actor_id=actor.id if actor is not None else None, details={"via": how})
