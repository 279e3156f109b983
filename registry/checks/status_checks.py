"""DBS Update Service status checks: consent, asking, and what each answer does (DESIGN.md, trust model 9).

A provider whose DBS certificate is on the Update Service may consent to
ongoing status checks. The registry then keeps the surname as printed on the
certificate and the date of birth, only while the consent stands, and asks
the DBS every ``DBS_STATUS_CHECK_DAYS``. What each answer does is one table,
:data:`OUTCOMES`. A failure to ask (no connection, a timeout, a 5xx, a
``FAILURE``, an unreadable answer) is never taken as an answer: it changes
nothing but the schedule, and is logged and audited.

Services flush but never commit; the worker commits after each certificate,
so a "new information" answer delists the provider in the transaction that
records it.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from registry import audit
from registry.accounts.models import User
from registry.checks.dbs_status import ClientSettings, StatusCheckError, TransportError, check_status
from registry.checks.kinds import CheckKind, CheckStatus, kind_offered
from registry.checks.listing import recompute_listing
from registry.checks.models import Check, StatusCheckConsent
from registry.checks.notices import tell_provider
from registry.extensions import db
from registry.formatting import long_date
from registry.metrics import DBS_STATUS_CHECKS
from registry.models import utcnow
from registry.unitofwork import Refusal

log = logging.getLogger(__name__)

# What the provider agrees to, recorded word for word with the consent.
CONSENT_WORDING = (
    "I agree that the Trusted Care Registry may check the status of my DBS certificate {certificate} "
    "on the DBS Update Service now and about every {days} days for as long as this consent stands, "
    "using my surname as printed on the certificate and my date of birth. The registry keeps my surname "
    "and date of birth only while this consent stands and never keeps what the certificate disclosed. "
    "I can withdraw this consent at any time from my dashboard: the registry then stops the checks and "
    "deletes my surname and date of birth, and my certificate counts only until its last status check "
    "or re-check date runs out."
)


@dataclass(frozen=True)
class Outcome:
    code: str  # what is recorded and audited; never whether the certificate was blank
    label: str  # in officers' words
    counts: bool | None  # the certificate is current: True, False, or None when it depends on an officer's assessment


# Every status the Update Service answers, and what it does. A status not here is an error, not an answer.
OUTCOMES: dict[str, Outcome] = {
    "BLANK_NO_NEW_INFO": Outcome("current", "No new information", True),
    "NON_BLANK_NO_NEW_INFO": Outcome("current", "No new information", None),
    "NEW_INFO": Outcome("new_information", "New information: the certificate no longer counts", False),
    "NO_MATCH_FOUND": Outcome("no_match", "Could not be confirmed (no match)", False),
}
OUTCOME_LABELS = {
    "current": "No new information: current",
    "needs_assessment": "No new information, but an officer must assess the original certificate first",
    "new_information": "New information: the certificate no longer counts",
    "no_match": "Could not be confirmed (no match)",
}
# Issues that put an officer on the check (shown on the officer queue until dealt with).
OFFICER_ISSUES = ("new_information", "needs_assessment")


class StatusChecksOff(StatusCheckError):
    """DBS_STATUS_CHECK_URL is not set."""


class ConsentError(Refusal):
    """A consent rule was broken; the message is safe to show."""


def enabled() -> bool:
    return bool(current_app.config.get("DBS_STATUS_CHECK_URL"))


def _settings() -> ClientSettings:
    config = current_app.config
    return ClientSettings(
        base_url=config["DBS_STATUS_CHECK_URL"],
        organisation=config["DBS_STATUS_CHECK_ORGANISATION"],
        timeout_seconds=config["DBS_STATUS_CHECK_TIMEOUT_SECONDS"],
        tls_ciphers=config["DBS_STATUS_CHECK_TLS_CIPHERS"],
    )


def can_consent(check: Check) -> bool:
    """A DBS certificate on the Update Service, still in use (waiting for an officer or approved).

    Only where the DBS is the nation's scheme (England and Wales): the Update
    Service is not offered to providers in Scotland or Northern Ireland.
    """
    return (
        check.kind == CheckKind.DBS
        and kind_offered(CheckKind.DBS, check.provider.nation)
        and bool((check.details or {}).get("update_service"))
        and check.status in (CheckStatus.PENDING, CheckStatus.INFO_REQUESTED, CheckStatus.APPROVED)
    )


def consent_wording(check: Check) -> str:
    return CONSENT_WORDING.format(
        certificate=(check.details or {}).get("certificate_number", ""),
        days=current_app.config["DBS_STATUS_CHECK_DAYS"],
    )


def give_consent(check: Check, user: User, surname: str, date_of_birth: date, now: datetime | None = None):
    """Record the provider's consent (its wording and time) and what the checks need; schedule the first one.

    The first check falls at a random point in the next period, so consents
    given together (a bulk import, the demo) spread over it.
    """
    now = now or utcnow()
    if not can_consent(check):
        raise ConsentError(
            "Status checks are only for a DBS certificate on the Update Service that is in use, "
            "held by a provider in England or Wales."
        )
    surname = surname.strip()
    if not surname:
        raise ConsentError("Enter your surname as printed on the certificate.")
    if not date(1900, 1, 1) <= date_of_birth <= now.date() - timedelta(days=16 * 365):
        raise ConsentError("Enter your date of birth.")
    consent = check.status_consent or StatusCheckConsent(check=check)
    period = timedelta(days=current_app.config["DBS_STATUS_CHECK_DAYS"])
    consent.given_at, consent.given_by_id, consent.withdrawn_at = now, user.id, None
    consent.wording = consent_wording(check)
    consent.surname, consent.date_of_birth = surname[:60], date_of_birth
    consent.next_due_at = now + period * random.random()
    consent.failures, consent.last_error = 0, None
    db.session.add(consent)
    db.session.flush()
    audit.record(
        "check.status_consent_given",
        check,
        actor_id=user.id,
        provider_id=check.provider_id,
        details={"wording": consent.wording},  # never the surname or date of birth
    )
    return consent


def withdraw_consent(
    consent: StatusCheckConsent, user: User | None, now: datetime | None = None, why: str = ""
) -> None:
    """Stop the checks and delete the surname and date of birth; the record of the consent stays."""
    now = now or utcnow()
    if not consent.stands:
        return
    consent.withdrawn_at, consent.surname, consent.date_of_birth, consent.next_due_at = now, None, None, None
    db.session.flush()
    audit.record(
        "check.status_consent_withdrawn",
        consent.check,
        actor_id=user.id if user else None,
        provider_id=consent.check.provider_id,
        details={"why": why or "withdrawn by the provider"},
    )


def run_status_check(
    check: Check,
    officer: User | None = None,
    surname: str | None = None,
    date_of_birth: date | None = None,
    now: datetime | None = None,
) -> str:
    """Ask the Update Service about ``check`` now and apply the answer; returns the outcome code.

    ``officer`` None is the worker. An officer may type the surname and date
    of birth (used for this check only, not kept); otherwise the consent's
    are used. Raises StatusCheckError when there is no answer: nothing about
    the check changes, and the attempt is logged and audited.
    """
    now = now or utcnow()
    if not enabled():
        raise StatusChecksOff("Status checks are off: DBS_STATUS_CHECK_URL is not set.")
    consent = check.status_consent
    if not surname or date_of_birth is None:
        if consent is None or not consent.stands:
            raise StatusCheckError(
                "The provider has not consented to status checks: enter the surname and date of birth."
            )
        surname, date_of_birth = consent.surname, consent.date_of_birth
    config = current_app.config
    forename, family = (
        (config["DBS_STATUS_CHECK_EMPLOYEE_FORENAME"], config["DBS_STATUS_CHECK_EMPLOYEE_SURNAME"])
        if officer is None
        else _split_name(officer.name)
    )
    number = (check.details or {}).get("certificate_number", "")
    try:
        answer = check_status(_settings(), number, surname, date_of_birth, forename, family)
    except StatusCheckError as error:
        log.warning("DBS status check of check %s failed: %s", check.id, error)
        DBS_STATUS_CHECKS.labels("failed").inc()
        if consent is not None and officer is None:
            _back_off(consent, now, str(error))
        audit.record(
            "check.status_check_failed",
            check,
            actor_id=officer.id if officer else None,
            provider_id=check.provider_id,
            details={"automatic": officer is None, "error": str(error)[:200]},
        )
        raise
    if consent is not None and consent.stands:
        consent.failures, consent.last_error, consent.last_attempt_at = 0, None, now
        consent.next_due_at = now + timedelta(days=config["DBS_STATUS_CHECK_DAYS"])
    return apply_answer(check, answer.status, officer, now)


def _split_name(name: str) -> tuple[str, str]:
    parts = (name or "Officer").split()
    return (parts[0], parts[-1]) if len(parts) > 1 else (parts[0], parts[0])


def _back_off(consent: StatusCheckConsent, now: datetime, error: str) -> None:
    """Try this certificate again later, waiting twice as long after each failure (at most a day)."""
    consent.failures += 1
    consent.last_attempt_at, consent.last_error = now, error[:200]
    minutes = current_app.config["DBS_STATUS_CHECK_RETRY_MINUTES"] * 2 ** min(consent.failures - 1, 16)
    consent.next_due_at = now + min(timedelta(minutes=minutes), timedelta(days=1))


def apply_answer(check: Check, status: str, officer: User | None, now: datetime) -> str:
    """What an Update Service answer does to the check (the rows of OUTCOMES); returns the outcome code."""
    config, today = current_app.config, now.date()
    row = OUTCOMES[status]
    counts = row.counts if row.counts is not None else check.certificate_assessed_at is not None
    code = row.code if counts or row.code != "current" else "needs_assessment"
    DBS_STATUS_CHECKS.labels(code).inc()
    audit.record(
        "check.status_checked",
        check,
        actor_id=officer.id if officer else None,
        provider_id=check.provider_id,
        details={"automatic": officer is None, "outcome": code},
    )
    approved = check.status == CheckStatus.APPROVED
    if code == "current":
        check.status_checked_at, check.status_checked_by_id = now, officer.id if officer else None
        if check.status_check_issue == "no_match":
            check.status_check_issue = None
        check.no_match_since = None
        if approved:
            # A certificate of any age stays current as long as its status checks do.
            check.valid_until = max(check.valid_until, today + timedelta(days=config["DBS_STATUS_CHECK_VALID_DAYS"]))
            check.reminder_sent_at = None
    elif code == "no_match":
        first = check.no_match_since is None
        check.no_match_since = check.no_match_since or today
        check.status_check_issue = "no_match"
        ends = check.no_match_since + timedelta(days=config["DBS_NO_MATCH_GRACE_DAYS"])
        if approved:
            check.valid_until = min(check.valid_until, ends)
        if first and approved:
            tell_provider(
                check, "checks/status_no_match", today, check_id=check.id, leaves_on=long_date(ends + timedelta(days=1))
            )
    else:  # new_information, or needs_assessment: the check stops counting at once
        check.status_check_issue = code
        if approved:
            reason = (
                "The DBS Update Service reports new information since your certificate was issued. "
                "Please apply for a new DBS certificate and add it from your dashboard."
                if code == "new_information"
                else "A safeguarding officer must look at your original DBS certificate before it can count again."
            )
            check.status, check.revoked_at, check.revoked_by_id, check.revocation_reason = (
                CheckStatus.REVOKED,
                now,
                None,
                reason,
            )
            if check.status_consent is not None:
                withdraw_consent(check.status_consent, None, now, why="the certificate no longer counts")
            tell_provider(check, "checks/status_no_longer_counts", today, reason=reason)
    db.session.flush()
    if approved:
        # In this transaction: the services that need the check delist with the answer that caused it.
        recompute_listing(check.provider, today)
    return code


def deal_with_issue(check: Check, officer: User, note: str) -> None:
    """An officer records that they dealt with a status check's finding (the officer task closes)."""
    if check.status_check_issue not in OFFICER_ISSUES:
        raise ConsentError("There is nothing from a status check to deal with on this check.")
    audit.record(
        "check.status_issue_dealt_with",
        check,
        actor_id=officer.id,
        provider_id=check.provider_id,
        details={"issue": check.status_check_issue, "note": note.strip()[:2000]},
    )
    check.status_check_issue = None
    db.session.flush()


def automatically_checked_on(slugs: list[str], day: date) -> dict[str, datetime]:
    """For search cards: each of these providers whose current DBS certificate the registry status-checks
    itself, with the last time a status check said it is current (one query for the page)."""
    from registry.providers.models import Provider

    if not slugs:
        return {}
    rows = db.session.execute(
        select(Provider.slug, Check.status_checked_at)
        .join(Check, Check.provider_id == Provider.id)
        .where(
            Provider.slug.in_(slugs),
            Check.kind == CheckKind.DBS,
            Check.status == CheckStatus.APPROVED,
            Check.valid_until >= day,
            Check.status_checked_at.is_not(None),
            Check.status_checked_by_id.is_(None),
        )
        .order_by(Check.id)
    )
    return {slug: checked_at for slug, checked_at in rows}


def officer_tasks(limit: int = 50) -> list[Check]:
    """Checks a status check put an officer on, oldest first."""
    return list(
        db.session.scalars(
            select(Check).where(Check.status_check_issue.in_(OFFICER_ISSUES)).order_by(Check.id).limit(limit)
        )
    )


def history(check: Check) -> list[dict]:
    """Every status check of ``check`` and every consent change, newest first (from the audit log)."""
    import json

    from registry.audit.models import AuditEvent

    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "Check",
            AuditEvent.subject_id == str(check.id),
            AuditEvent.action.like("check.status%"),
        )
        .order_by(AuditEvent.id.desc())
        .limit(50)
    )
    return [{"at": e.created_at, "action": e.action, **json.loads(e.details or "{}")} for e in events]


@dataclass
class RunReport:
    asked: int = 0
    failed: int = 0
    stopped_early: bool = False

    def summary(self) -> str:
        stop = "; stopped: the Update Service is not answering" if self.stopped_early else ""
        return f"{self.asked} status checks, {self.failed} failed{stop}"


def run_due(now: datetime | None = None, limit: int | None = None, budget_seconds: float = 45.0) -> RunReport:
    """The worker's round: status-check the certificates that are due, at most ``limit`` (the per-minute rate).

    Commits after each certificate. Stops at the first transport error or
    5xx (the service is down: one request a round until it answers again),
    and when the round has used ``budget_seconds``.
    """
    import time

    now = now or utcnow()
    limit = current_app.config["DBS_STATUS_CHECKS_PER_MINUTE"] if limit is None else limit
    report = RunReport()
    started = time.monotonic()
    due = list(
        db.session.scalars(
            select(StatusCheckConsent.id)
            .join(Check, Check.id == StatusCheckConsent.check_id)
            .where(
                StatusCheckConsent.withdrawn_at.is_(None),
                StatusCheckConsent.next_due_at <= now,
                Check.status == CheckStatus.APPROVED,
            )
            .order_by(StatusCheckConsent.next_due_at, StatusCheckConsent.id)
            .limit(limit)
        )
    )
    db.session.rollback()  # no transaction stays open while we wait for the DBS
    for consent_id in due:
        consent = db.session.get(StatusCheckConsent, consent_id)
        if consent is None or not consent.stands or consent.check.status != CheckStatus.APPROVED:
            db.session.rollback()
            continue
        try:
            run_status_check(consent.check, None, now=now)
        except StatusCheckError as error:
            db.session.commit()  # the backoff and the audit of the attempt
            report.failed += 1
            if isinstance(error, TransportError):
                report.stopped_early = True
                break
        else:
            db.session.commit()
            report.asked += 1
        if time.monotonic() - started > budget_seconds:
            break
    return report
