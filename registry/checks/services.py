"""Check rules: submitting evidence, officers' decisions, expiry, retention.

Services flush but never commit. Every officer action writes its audit event
in the same transaction; file deletions run only after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from registry import audit
from registry.accounts.models import User
from registry.aftercommit import after_commit, after_rollback
from registry.audit.models import AuditEvent
from registry.checks.kinds import (
    APPROVABLE_UPDATE_SERVICE_RESULTS,
    DBS_VERIFICATION_METHODS,
    KIND_PHRASES,
    NO_EXPIRY,
    UPDATE_SERVICE_RESULTS,
    VERIFICATION_METHODS,
    CheckKind,
    CheckStatus,
    how_long_it_lasts,
    kind_offered,
    latest_valid_until,
    verification_methods_for,
    wrong_nation_message,
)
from registry.checks.listing import recompute_listing
from registry.checks.models import Check, StatusCheckConsent
from registry.checks.notices import tell_provider
from registry.extensions import db
from registry.formatting import long_date
from registry.mail import send_email
from registry.models import utcnow
from registry.paging import PER_PAGE, Page, paginate
from registry.providers.models import Provider
from registry.storage import document_store, new_key
from registry.unitofwork import Refusal
from registry.uploads import CheckedUpload

REPLACEABLE = (CheckStatus.PENDING, CheckStatus.INFO_REQUESTED)


class CheckError(Refusal):
    """A check rule was broken; the message is safe to show."""


class AlreadyDecided(CheckError):
    pass


def proposed_valid_until(kind: str, details: dict, decided_on: date, status_checked: bool = False) -> date | None:
    """What the officer's form proposes: the latest the kind allows (registry/checks/kinds.py).

    ``status_checked``: a DBS Update Service status check said "no new
    information", so a certificate of any age may be approved until the
    status check's own validity (``DBS_STATUS_CHECK_VALID_DAYS``), or its
    issue date plus the re-check interval if that is later.
    """
    config = current_app.config
    latest = latest_valid_until(kind, details, decided_on, config["DBS_RECHECK_DAYS"], config["CHECK_VALIDITY_DAYS"])
    if kind == CheckKind.DBS and status_checked:
        by_status_check = decided_on + timedelta(days=config["DBS_STATUS_CHECK_VALID_DAYS"])
        latest = max(latest, by_status_check) if latest else by_status_check
    return latest


def valid_until_too_late(kind: str, latest: date, today: date | None = None) -> str:
    """Why a valid-until date is refused, in the officer's words."""
    if kind == CheckKind.INSURANCE:
        return f"Insurance cannot be valid after the policy ends on {long_date(latest)}."
    if kind == CheckKind.DBS:
        if latest <= (today or utcnow().date()):
            return (
                f"This certificate needed re-checking by {long_date(latest)}: approve it on a DBS Update Service "
                "status check that says no new information, or ask the provider for a new certificate."
            )
        return f"A DBS check must be re-checked by {long_date(latest)} (its issue date plus the registry's re-check interval): choose that date or an earlier one."
    return f"A {KIND_PHRASES[kind]} can be approved until {long_date(latest)} at the latest: choose that date or an earlier one."


def lasts_once_approved(kind: str, details: dict | None = None) -> str:
    """How long a check of ``kind`` (with these details, if known) counts once approved, in words."""
    config = current_app.config
    return how_long_it_lasts(kind, details, config["DBS_RECHECK_DAYS"], config["CHECK_VALIDITY_DAYS"])


@dataclass(frozen=True)
class Acknowledgement:
    """What happens next after a check is sent: said on screen and in the acknowledgement email."""

    phrase: str
    target_days: int
    review_by: date
    lasts: str

    @property
    def sentence(self) -> str:
        return (
            f"We aim to review it within {self.target_days} days, by {long_date(self.review_by)}. "
            f"Once approved, it lasts {self.lasts}."
        )


@dataclass(frozen=True)
class MissingCheck:
    """A check not added yet, once however many services need it (the dashboard's "Checks to add")."""

    code: str
    name: str
    kind: str | None
    services: tuple[str, ...]
    lasts: str

    @property
    def needed_for(self) -> str:
        """The services in a sentence: "Companionship", "Companionship and Personal care", "A, B and C"."""
        *rest, last = self.services
        return f"{', '.join(rest)} and {last}" if rest else last


def checks_to_add(service_states) -> list[MissingCheck]:
    """From the dashboard's ``(service row, requirement states)`` pairs: each missing check once, with the
    services that need it, in the order they first appear."""
    needed: dict[str, list[str]] = {}
    first: dict[str, object] = {}
    for row, states in service_states:
        for state in states:
            if state.state == "missing" and state.kind:
                needed.setdefault(state.code, []).append(row.service_type.name)
                first.setdefault(state.code, state)
    return [
        MissingCheck(code, first[code].name, first[code].kind, tuple(names), lasts_once_approved(first[code].kind))
        for code, names in needed.items()
    ]


def acknowledgement(check: Check) -> Acknowledgement:
    target = current_app.config["REVIEW_TARGET_DAYS"]
    return Acknowledgement(
        check.kind_phrase, target, check.review_by(target), lasts_once_approved(check.kind, check.details or {})
    )


def submit_check(
    provider: Provider, kind: str, details: dict, upload: CheckedUpload, replaces: Check | None = None
) -> Check:
    """Store the document, then record the check (waiting for review).

    The file goes first: if the store fails nothing is recorded. If the
    transaction later rolls back, the file is deleted again (and ``flask
    documents purge`` removes any orphan a crash leaves behind).
    """
    if not kind_offered(kind, provider.nation):
        raise CheckError(wrong_nation_message(kind, provider.nation))
    if replaces is not None and replaces.provider_id != provider.id:
        raise CheckError("That check belongs to someone else.")
    if replaces is not None and replaces.kind != kind:
        raise CheckError(f"A {replaces.kind_phrase} can only be replaced by another {replaces.kind_phrase}.")
    key, store = new_key(), document_store()
    store.put(key, upload.data, upload.content_type)
    after_rollback(db.session, lambda: store.delete(key))
    check = Check(
        provider=provider,
        kind=kind,
        details=details,
        document_key=key,
        document_name=upload.display_name,
        document_type=upload.content_type,
        document_size=upload.size,
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(check)
    if replaces is not None and replaces.status in REPLACEABLE:
        replaces.status = CheckStatus.SUPERSEDED
    try:
        db.session.flush()
    except StaleDataError:
        # An officer decided the replaced check between our read and this write.
        raise CheckError(
            "An officer has just decided the check you are replacing. Look at your dashboard, then try again."
        ) from None
    ack = acknowledgement(check)
    send_email(
        provider.user.email,
        "checks/received",
        name=provider.display_name,
        phrase=ack.phrase,
        target_days=ack.target_days,
        review_by=long_date(ack.review_by),
        lasts=ack.lasts,
    )
    return check


def _lock_for_decision(check: Check, officer: User) -> None:
    if not check.awaits_decision:
        raise AlreadyDecided("This check was already decided by another officer.")
    if check.excluded_officer_id == officer.id:
        raise CheckError("This is an appeal against your own decision: another officer must decide it.")


def _flush_decision() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise AlreadyDecided("This check was already decided by another officer.") from None


def approve(
    check: Check,
    officer: User,
    method: str,
    valid_until: date,
    update_service_result: str | None = None,
    today: date | None = None,
    certificate_assessed: bool = False,
) -> Check:
    """Approve a check, recording how it was verified.

    ``certificate_assessed``: the officer assessed the original DBS
    certificate (a non-blank certificate's status checks count only then).
    """
    today = today or utcnow().date()
    _lock_for_decision(check, officer)
    if method not in VERIFICATION_METHODS:
        raise CheckError("Say how you verified the check.")
    if check.kind != CheckKind.DBS and method not in verification_methods_for(check.kind):
        allowed = "; ".join(VERIFICATION_METHODS[m] for m in verification_methods_for(check.kind))
        raise CheckError(f"How a {check.kind_phrase} may be verified: {allowed}.")
    if (
        check.kind in (CheckKind.PVG, CheckKind.ACCESSNI)
        and check.document_key
        and not _document_viewed_by(check, officer)
    ):
        # The other nations' background checks, as a DBS certificate below.
        raise CheckError("Open the uploaded document and compare it with the details entered before approving.")
    if check.kind == CheckKind.DBS:
        if method not in DBS_VERIFICATION_METHODS:
            raise CheckError(
                "A DBS certificate is approved only when its original is seen in person or an Update Service "
                "status check confirms it: a video call cannot show the certificate's security features."
            )
        if check.document_key and not _document_viewed_by(check, officer):
            raise CheckError("Open the uploaded certificate and compare it with the details entered before approving.")
    if method == "update_service":
        if check.kind != CheckKind.DBS:
            raise CheckError("The Update Service only covers DBS checks.")
        if update_service_result not in UPDATE_SERVICE_RESULTS:
            raise CheckError("Record the Update Service result.")
        if update_service_result not in APPROVABLE_UPDATE_SERVICE_RESULTS:
            raise CheckError(
                f"A status check with “{UPDATE_SERVICE_RESULTS[update_service_result]}” cannot be approved: reject it or ask for a new certificate."
            )
        if check.status_check_issue == "new_information":
            raise CheckError("The last status check said there is new information: ask for a new certificate.")
    if check.status_check_issue == "needs_assessment" and not certificate_assessed:
        raise CheckError(
            "The Update Service says this certificate is not blank: assess the original certificate and tick that you did."
        )
    if valid_until <= today:
        raise CheckError("The valid-until date must be in the future.")
    status_checked = method == "update_service" and update_service_result in APPROVABLE_UPDATE_SERVICE_RESULTS
    latest = proposed_valid_until(check.kind, check.details or {}, today, status_checked=status_checked)
    if latest is not None and valid_until > latest:
        raise CheckError(valid_until_too_late(check.kind, latest, today))
    if certificate_assessed and check.kind == CheckKind.DBS:
        check.certificate_assessed_at, check.certificate_assessed_by_id = utcnow(), officer.id
        if check.status_check_issue == "needs_assessment":
            check.status_check_issue = None
    if status_checked:
        if check.status_checked_at is None or check.status_checked_at.date() < today:
            check.status_checked_at, check.status_checked_by_id = utcnow(), officer.id  # recorded by hand
        if check.status_check_issue == "no_match":
            check.status_check_issue, check.no_match_since = None, None
    _record_decision(
        check,
        officer,
        CheckStatus.APPROVED,
        None,
        today,
        verification_method=method,
        update_service_result=update_service_result if method == "update_service" else None,
        valid_until=valid_until,
    )
    tell_provider(
        check, "checks/approved", today, valid_until=long_date(valid_until), never_lapses=valid_until == NO_EXPIRY
    )
    return check


def reject(check: Check, officer: User, reason: str, today: date | None = None) -> Check:
    """Reject with a reason the provider will see."""
    if not reason.strip():
        raise CheckError("Give a reason the provider will see.")
    _lock_for_decision(check, officer)
    day = today or utcnow().date()
    _record_decision(check, officer, CheckStatus.REJECTED, reason, day)
    tell_provider(check, "checks/rejected", day, reason=reason, can_appeal=check.can_appeal)
    return check


def request_information(check: Check, officer: User, reason: str, today: date | None = None) -> Check:
    """Ask the provider for more information (they reply by adding a replacement)."""
    if not reason.strip():
        raise CheckError("Say what information you need.")
    _lock_for_decision(check, officer)
    day = today or utcnow().date()
    _record_decision(check, officer, CheckStatus.INFO_REQUESTED, reason, day)
    tell_provider(check, "checks/info_requested", day, reason=reason)
    return check


def revoke(check: Check, officer: User, reason: str, today: date | None = None) -> Check:
    """Withdraw an approval without suspending the provider.

    Only the services that relied on this check delist, at once (search
    included, through the listing rule's outbox row); the provider is told why.
    """
    if not reason.strip():
        raise CheckError("Give a reason the provider will see.")
    if check.status != CheckStatus.APPROVED:
        raise CheckError("Only an approved check can have its approval revoked.")
    check.status, check.revoked_at, check.revoked_by_id, check.revocation_reason = (
        CheckStatus.REVOKED,
        utcnow(),
        officer.id,
        reason.strip(),
    )
    _flush_decision()
    audit.record(
        "check.revoked",
        check,
        actor_id=officer.id,
        provider_id=check.provider_id,
        details={"kind": check.kind, "reason": reason.strip()},
    )
    day = today or utcnow().date()
    recompute_listing(check.provider, day)
    tell_provider(check, "checks/revoked", day, reason=reason.strip())
    return check


def _record_decision(check: Check, officer: User, status: str, reason: str | None, today: date, **fields) -> None:
    """Write the decision (the version column makes a concurrent one fail), audit it, relist."""
    check.status, check.decided_at, check.decided_by_id, check.decision_reason = status, utcnow(), officer.id, reason
    for name, value in fields.items():
        setattr(check, name, value)
    _flush_decision()
    details = {
        "kind": check.kind,
        "reason": reason,
        **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()},
    }
    audit.record(f"check.{status}", check, actor_id=officer.id, provider_id=check.provider_id, details=details)
    # Keep this order: on PostgreSQL the audit write waits for any other
    # decision in flight, so the listing below is computed from checks that
    # include it (tests/checks/test_concurrent_listing.py).
    recompute_listing(check.provider, today)


def appeal(check: Check, provider: Provider, note: str) -> Check:
    """A provider appeals a rejection, once; a different officer must decide it."""
    if check.provider_id != provider.id:
        raise CheckError("That check belongs to someone else.")
    if check.status != CheckStatus.REJECTED:
        raise CheckError("Only a rejected check can be appealed.")
    if not check.can_appeal:
        raise CheckError("You have already appealed this check once. Add a new check instead.")
    if not note.strip():
        raise CheckError("Explain why the decision should change.")
    check.excluded_officer_id = check.decided_by_id
    check.appeal_note = note.strip()
    check.appealed_at = utcnow()
    check.status = CheckStatus.PENDING
    check.decided_at = check.decided_by_id = None
    db.session.flush()
    # On the record too, so the officer's page shows the rejection was contested.
    audit.record(
        "check.appealed",
        check,
        actor_id=provider.user_id,
        provider_id=provider.id,
        details={"kind": check.kind, "note": check.appeal_note},
    )
    return check


def _document_viewed_by(check: Check, officer: User) -> bool:
    """Whether ``officer`` opened this check's document (the audit log records every view)."""
    return (
        db.session.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.action == "document.viewed",
                AuditEvent.subject_type == "Check",
                AuditEvent.subject_id == str(check.id),
                AuditEvent.actor_id == officer.id,
            )
            .limit(1)
        )
        is not None
    )


def record_document_view(check: Check, officer: User) -> None:
    """Officers' document views are on the record."""
    audit.record(
        "document.viewed", check, actor_id=officer.id, provider_id=check.provider_id, details={"kind": check.kind}
    )


def queue(kind: str | None = None, officer: User | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of checks waiting for review, oldest first (appeals hidden from the officer who decided them).

    Each check comes with its provider (the queue shows its name), so a page
    costs two queries whatever its length.
    """
    query = (
        select(Check)
        .where(Check.status == CheckStatus.PENDING)
        .options(joinedload(Check.provider))
        .order_by(Check.submitted_at, Check.id)
    )
    if kind:
        query = query.where(Check.kind == kind)
    if officer is not None:
        query = query.where(waiting_for(officer))
    return paginate(query, page, per_page)


def waiting_for(officer: User):
    """The condition for a check in ``officer``'s queue: pending, and not an appeal against their own decision."""
    return (Check.status == CheckStatus.PENDING) & or_(
        Check.excluded_officer_id.is_(None), Check.excluded_officer_id != officer.id
    )


def queue_counts(officer: User | None, overdue_days: int, now: datetime) -> tuple[int, int]:
    """How many checks wait for ``officer``, and how many of them longer than ``overdue_days`` (one query)."""
    waiting = waiting_for(officer) if officer is not None else Check.status == CheckStatus.PENDING
    overdue_before = now - timedelta(days=overdue_days + 1)
    total, overdue = db.session.execute(
        select(func.count(), func.count().filter(Check.submitted_at <= overdue_before)).where(waiting)
    ).one()
    return total, overdue


@dataclass
class ExpiryReport:
    lapsed: int
    reminded: int


def expire(as_of: date) -> ExpiryReport:
    """Lapse checks past their valid-until date and remind those lapsing soon. Safe to run twice."""
    lapsed = 0
    overdue = list(
        db.session.scalars(select(Check).where(Check.status == CheckStatus.APPROVED, Check.valid_until < as_of))
    )
    for check in overdue:
        check.status = CheckStatus.LAPSED
        audit.record(
            "check.lapsed",
            check,
            actor_id=None,
            provider_id=check.provider_id,
            details={"valid_until": check.valid_until.isoformat(), "as_of": as_of.isoformat()},
        )
        recompute_listing(check.provider, as_of)
        if _renewed(check) is None:  # nothing to tell a provider whose newer check already covers it
            tell_provider(check, "checks/lapsed", as_of, valid_until=long_date(check.valid_until))
        lapsed += 1
    reminded = 0
    horizon = as_of + timedelta(days=current_app.config["CHECK_REMINDER_DAYS"])
    lapsing = list(
        db.session.scalars(
            select(Check).where(
                Check.status == CheckStatus.APPROVED,
                Check.valid_until <= horizon,
                Check.reminder_sent_at.is_(None),
                # A certificate under consented status checks renews itself; its provider is told if one fails.
                ~select(StatusCheckConsent.id)
                .where(StatusCheckConsent.check_id == Check.id, StatusCheckConsent.withdrawn_at.is_(None))
                .exists(),
            )
        )
    )
    for check in lapsing:
        check.reminder_sent_at = utcnow()  # also when renewed, so it is never considered again
        if _renewed(check) is None:
            tell_provider(check, "checks/lapsing", as_of, valid_until=long_date(check.valid_until))
            reminded += 1
    db.session.flush()
    return ExpiryReport(lapsed, reminded)


def _renewed(check: Check) -> Check | None:
    """An approved check of the same kind (and, for DBS, the same level and lists) that lasts longer."""
    same = ("level", "barred_lists") if check.kind == CheckKind.DBS else ()
    for other in check.provider.checks:
        if (
            other is not check
            and other.kind == check.kind
            and other.status == CheckStatus.APPROVED
            and other.valid_until is not None
            and other.valid_until > check.valid_until
            and all((other.details or {}).get(f) == (check.details or {}).get(f) for f in same)
        ):
            return other
    return None


@dataclass
class PurgeReport:
    purged: int
    orphans: int


def purge_documents(as_of: datetime) -> PurgeReport:
    """Delete scans of decided checks past the retention period, and orphan files.

    The structured record and the decision stay. File deletions run after the commit.
    """
    cutoff = as_of - timedelta(days=current_app.config["DOCUMENT_RETENTION_DAYS"])
    store = document_store()
    # A check waiting for more information has had an officer's look (decided_at): its scan's clock runs too.
    decided = (
        CheckStatus.INFO_REQUESTED,
        CheckStatus.APPROVED,
        CheckStatus.REJECTED,
        CheckStatus.LAPSED,
        CheckStatus.SUPERSEDED,
        CheckStatus.REVOKED,
    )
    # A check replaced before any officer decided it has no decision date: its
    # submission date starts the clock, so its scan is not kept for ever.
    due = list(
        db.session.scalars(
            select(Check).where(
                Check.status.in_(decided),
                Check.document_key.is_not(None),
                or_(
                    Check.decided_at < cutoff,
                    and_(
                        Check.decided_at.is_(None), Check.status == CheckStatus.SUPERSEDED, Check.submitted_at < cutoff
                    ),
                ),
            )
        )
    )
    keys = []
    for check in due:
        keys.append(check.document_key)
        check.document_key = None
        check.document_deleted_at = as_of
        audit.record(
            "document.purged",
            check,
            actor_id=None,
            provider_id=check.provider_id,
            details={"kind": check.kind, "retention_days": current_app.config["DOCUMENT_RETENTION_DAYS"]},
        )
    known = set(db.session.scalars(select(Check.document_key).where(Check.document_key.is_not(None))))
    grace = as_of - timedelta(hours=1)  # an upload whose row is still being committed is not an orphan
    orphans = [
        key for key, modified in store.keys() if key not in known and key not in keys and _aware(modified) < grace
    ]
    db.session.flush()
    after_commit(db.session, lambda: [store.delete(key) for key in keys + orphans])
    return PurgeReport(len(due), len(orphans))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
