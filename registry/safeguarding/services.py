"""Safeguarding rules: concerns, suspension and reinstatement. Services flush, never commit.

Every officer action writes its audit event in the same transaction; emails
go through the mail outbox, so they exist exactly when the change commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from registry import audit
from registry.accounts.models import Role, User
from registry.checks.listing import recompute_listing
from registry.checks.models import Check
from registry.checks.services import waiting_for
from registry.extensions import db
from registry.formatting import long_date
from registry.mail import send_email
from registry.models import utcnow
from registry.providers.models import Provider
from registry.reviews.models import ReportStatus, Review, ReviewReport, ReviewStatus
from registry.reviews.services import release_review
from registry.safeguarding.models import SEVERITY_LABELS, AppealStatus, Concern, ConcernStatus, Severity, Suspension
from registry.unitofwork import Refusal
from registry.visits.services import STATUS_LABELS, missed_pattern

MAX_CONCERN = 5000
MAX_APPEAL = 2000


class SafeguardingError(Refusal):
    """A safeguarding rule was broken; the message is safe to show."""


# -- suspension --------------------------------------------------------------


def _tell_officers(template: str, except_id: int | None = None, **context) -> None:
    """Email every active officer (through the outbox): a pointer to the work, never its private details."""
    officers = db.session.scalars(
        select(User).where(User.role == Role.OFFICER, User.active.is_(True)).order_by(User.id)
    )
    for officer in officers:
        if officer.id != except_id:
            send_email(officer.email, template, name=officer.name, **context)


def current_suspension(provider: Provider) -> Suspension | None:
    return db.session.scalar(
        select(Suspension).where(Suspension.provider_id == provider.id, Suspension.ended_at.is_(None))
    )


def suspend(provider: Provider, officer: User, reason: str, today: date | None = None) -> Suspension:
    """Suspend at once: delisted everywhere until reinstated."""
    if not reason.strip():
        raise SafeguardingError("Give a reason for the suspension.")
    if provider.suspended_at is not None:
        raise SafeguardingError("This provider is already suspended.")
    provider.suspended_at, provider.suspension_reason = utcnow(), reason.strip()
    suspension = Suspension(
        provider=provider, reason=reason.strip(), suspended_by_id=officer.id, started_at=provider.suspended_at
    )
    db.session.add(suspension)
    db.session.flush()
    audit.record(
        "provider.suspended", provider, actor_id=officer.id, provider_id=provider.id, details={"reason": reason}
    )
    recompute_listing(provider, today or utcnow().date())
    send_email(provider.user.email, "safeguarding/suspended", name=provider.display_name, reason=reason)
    return suspension


def reinstate(provider: Provider, officer: User, note: str, today: date | None = None, notify: bool = True) -> None:
    if provider.suspended_at is None:
        raise SafeguardingError("This provider is not suspended.")
    provider.suspended_at = provider.suspension_reason = None
    suspension = current_suspension(provider)
    if suspension is not None:
        suspension.ended_at, suspension.ended_by_id = utcnow(), officer.id
        if suspension.appeal_pending:
            suspension.appeal_status = AppealStatus.WITHDRAWN  # reinstated anyway: nothing left to decide
    audit.record("provider.reinstated", provider, actor_id=officer.id, provider_id=provider.id, details={"note": note})
    recompute_listing(provider, today or utcnow().date())
    if notify:
        send_email(provider.user.email, "safeguarding/reinstated", name=provider.display_name)


def appeal_suspension(provider: Provider, user: User, reasons: str) -> Suspension:
    """The provider appeals its suspension, once, with its reasons; officers other than the suspender hear of it."""
    if provider.user_id != user.id:
        raise SafeguardingError("Only the provider can appeal its suspension.")
    suspension = current_suspension(provider)
    if suspension is None or provider.suspended_at is None:
        raise SafeguardingError("Your listing is not suspended.")
    if suspension.appealed_at is not None:
        raise SafeguardingError(
            "You have already appealed this suspension. An officer will tell you the outcome by email."
        )
    if not reasons.strip():
        raise SafeguardingError("Explain why the suspension should be lifted.")
    if len(reasons) > MAX_APPEAL:
        raise SafeguardingError(f"Use at most {MAX_APPEAL:,} characters.")
    suspension.appeal_reasons, suspension.appealed_at, suspension.appeal_status = (
        reasons.strip(),
        utcnow(),
        AppealStatus.PENDING,
    )
    db.session.flush()
    audit.record(
        "suspension.appealed",
        suspension,
        actor_id=user.id,
        provider_id=provider.id,
        details={"reasons": reasons.strip()},
    )
    _tell_officers(
        "safeguarding/appeal_to_decide",
        except_id=suspension.suspended_by_id,
        provider_name=provider.display_name,
        slug=provider.slug,
    )
    return suspension


def decide_appeal(suspension: Suspension, officer: User, allow: bool, reason: str, today: date | None = None) -> None:
    """Uphold the suspension or lift it; never by the officer who suspended. Audited; the provider is told why."""
    if not suspension.appeal_pending:
        raise SafeguardingError("There is no appeal waiting on this suspension.")
    if suspension.suspended_by_id == officer.id:
        raise SafeguardingError("You suspended this provider, so a different officer must decide the appeal.")
    if not reason.strip():
        raise SafeguardingError("Give a reason the provider will see.")
    provider = suspension.provider
    suspension.appeal_status = AppealStatus.ALLOWED if allow else AppealStatus.UPHELD
    suspension.appeal_decided_by_id, suspension.appeal_decided_at, suspension.appeal_decision_reason = (
        officer.id,
        utcnow(),
        reason.strip(),
    )
    db.session.flush()
    audit.record(
        f"suspension.appeal_{suspension.appeal_status}",
        suspension,
        actor_id=officer.id,
        provider_id=provider.id,
        details={"reason": reason.strip()},
    )
    if allow:
        reinstate(provider, officer, f"Appeal allowed: {reason.strip()}", today=today, notify=False)
    send_email(
        provider.user.email,
        "safeguarding/appeal_decided",
        name=provider.display_name,
        allowed=allow,
        reason=reason.strip(),
    )


# -- concerns ----------------------------------------------------------------

# A concern only moves forward: open -> investigating -> closed (or straight to closed).
CONCERN_MOVES = {
    ConcernStatus.OPEN: (ConcernStatus.INVESTIGATING, ConcernStatus.CLOSED),
    ConcernStatus.INVESTIGATING: (ConcernStatus.CLOSED,),
    ConcernStatus.CLOSED: (),
}
# What the person who raised a concern is told when it closes: fixed words, so
# nothing private about the provider, the people involved or the evidence leaks.
CLOSING_OUTCOMES = {
    "action_taken": "We looked into it and took action with the provider.",
    "referred": "We passed it to the people responsible for safeguarding in the area, such as the council or the police.",
    "no_action": "We looked into it and found no reason to change the provider's listing.",
    "not_enough_information": "We could not find enough information to act on it.",
}


def raise_concern(
    provider: Provider,
    raised_by: User | None,
    body: str,
    review: Review | None = None,
    severity: str = Severity.WORRIED,
    reporter_name: str = "",
    reporter_contact: str = "",
) -> Concern:
    """Open a concern for officers (audited) and tell the person who raised it that it arrived.

    ``raised_by`` None: raised without an account (or by the registry itself); ``reporter_name`` and
    ``reporter_contact`` are whatever that person chose to leave, both optional. ``severity`` is the
    reporter's own choice (a key of SEVERITY_LABELS); officers' queue sorts by it.
    """
    if not body.strip() or len(body) > MAX_CONCERN + 500:
        raise SafeguardingError("Describe your concern in at most 5,000 characters.")
    if severity not in SEVERITY_LABELS:
        raise SafeguardingError("Say how serious it is: someone in danger now, harm happening, or a worry.")
    if len(reporter_name) > 120 or len(reporter_contact) > 200:
        raise SafeguardingError("Give your name in at most 120 characters and your contact details in at most 200.")
    concern = Concern(
        provider=provider,
        raised_by=raised_by,
        body=body.strip(),
        review=review,
        severity=Severity(severity),
        reporter_name=reporter_name.strip() or None,
        reporter_contact=reporter_contact.strip() or None,
    )
    db.session.add(concern)
    db.session.flush()
    audit.record(
        "concern.opened",
        concern,
        actor_id=raised_by.id if raised_by else None,
        provider_id=provider.id,
        details={"review": review.id if review else None, "severity": concern.severity.value},
    )
    template = "safeguarding/review_held" if review is not None else "safeguarding/new_concern"
    _tell_officers(
        template, provider_name=provider.display_name, concern_id=concern.id, severity=concern.severity_label
    )
    if raised_by is not None:
        send_email(
            raised_by.email, "safeguarding/concern_received", name=raised_by.name, provider_name=provider.display_name
        )
    return concern


def raise_missed_visits_concern(engagement, user: User, note: str = "") -> Concern:
    """The person's side raises the visits not kept in the window as one concern, listed for the officer."""
    config = current_app.config
    missed = missed_pattern(engagement, user)
    if len(missed) < config["MISSED_VISITS_CONCERN_MIN"]:
        raise SafeguardingError(
            f"There are fewer than {config['MISSED_VISITS_CONCERN_MIN']} missed or disputed visits in the last "
            f"{config['MISSED_VISITS_WINDOW_DAYS']} days. You can still report a concern from their profile."
        )
    if len(note) > MAX_CONCERN:
        raise SafeguardingError(f"Say anything else in at most {MAX_CONCERN:,} characters.")
    lines = [f"- {long_date(v.day)}, {v.start:%H:%M} to {v.end:%H:%M}: {STATUS_LABELS[v.status]}" for v in missed]
    body = (
        f"Visits not kept, reported by the person's side ({len(missed)} in the last "
        f"{config['MISSED_VISITS_WINDOW_DAYS']} days, from the visit records):\n" + "\n".join(lines)
    )
    if note.strip():
        body += f"\n\n{note.strip()}"
    return raise_concern(engagement.provider, user, body)


def change_severity(concern: Concern, officer: User, severity: str) -> bool:
    """An officer's own judgement of how serious a concern is (audited); returns whether it changed."""
    if severity not in SEVERITY_LABELS:
        raise SafeguardingError("Choose how serious the concern is.")
    if concern.is_closed:
        raise SafeguardingError("This concern is closed.")
    if severity == concern.severity:
        return False
    before, concern.severity = concern.severity, Severity(severity)
    audit.record(
        "concern.severity_changed",
        concern,
        actor_id=officer.id,
        provider_id=concern.provider_id,
        details={"from": before.value, "to": concern.severity.value},
    )
    return True


def concern_queue_order():
    """The officers' concern list: most serious first, then the longest waiting."""
    rank = db.case({severity.value: n for n, severity in enumerate(SEVERITY_LABELS)}, value=Concern.severity, else_=9)
    return (rank, Concern.created_at, Concern.id)


def held_review_becomes_a_concern(review: Review, author: User, why: str) -> None:
    raise_concern(review.provider, author, f"Held review “{review.title}”: {why}\n\n{review.body}", review=review)


def update_concern(
    concern: Concern, officer: User, status: str, outcome: str, closed_outcome: str | None = None
) -> bool:
    """Move a concern forward (open, investigating, closed with an outcome), or update its outcome note.

    Each change is audited; returns whether anything changed (the form saved
    unchanged changes nothing and records nothing). Closing needs the
    officer's outcome (for the record) and what the person who raised the
    concern is told (a key of CLOSING_OUTCOMES), emailed to them.
    """
    if status not in tuple(ConcernStatus):
        raise SafeguardingError("Choose open, investigating or closed.")
    status = ConcernStatus(status)
    if concern.is_closed:
        raise SafeguardingError("This concern is closed.")
    if len(outcome) > MAX_CONCERN:
        raise SafeguardingError(f"Record the outcome in at most {MAX_CONCERN:,} characters.")
    if status == concern.status:
        note = outcome.strip()
        if not note or note == (concern.outcome or ""):
            return False
        concern.outcome = note
        audit.record(
            "concern.noted", concern, actor_id=officer.id, provider_id=concern.provider_id, details={"outcome": note}
        )
        return True
    if status not in CONCERN_MOVES[concern.status]:
        raise SafeguardingError(
            f"This concern is {concern.status}; it can only move on to {' or '.join(sorted(CONCERN_MOVES[concern.status]))}."
        )
    if status == ConcernStatus.CLOSED and not outcome.strip():
        raise SafeguardingError("Record the outcome before closing the concern.")
    if status == ConcernStatus.CLOSED and closed_outcome not in CLOSING_OUTCOMES:
        raise SafeguardingError("Choose what to tell the person who raised the concern.")
    concern.status, concern.outcome = status, outcome.strip() or concern.outcome
    details = {"outcome": outcome}
    if status == ConcernStatus.CLOSED:
        concern.closed_outcome = details["told"] = closed_outcome
        # The privacy notice: what someone without an account left to be contacted by goes when the concern closes.
        if concern.reporter_name or concern.reporter_contact:
            concern.reporter_name = concern.reporter_contact = None
            details["reporter_details_deleted"] = True
    audit.record(f"concern.{status}", concern, actor_id=officer.id, provider_id=concern.provider_id, details=details)
    if status == ConcernStatus.CLOSED and concern.raised_by is not None and concern.raised_by.active:
        person = concern.raised_by
        send_email(
            person.email,
            "safeguarding/concern_closed",
            name=person.name,
            provider_name=concern.provider.display_name,
            raised_on=long_date(concern.created_at),
            outcome=CLOSING_OUTCOMES[closed_outcome],
        )
    return True


def suspend_from_concern(concern: Concern, officer: User, reason: str) -> None:
    """Suspend the provider a concern is about, linked to the concern.

    An open concern moves to investigating at the same time.
    """
    suspend(concern.provider, officer, reason)
    audit.record(
        "concern.provider_suspended",
        concern,
        actor_id=officer.id,
        provider_id=concern.provider_id,
        details={"reason": reason},
    )
    if concern.status == ConcernStatus.OPEN:
        concern.status = ConcernStatus.INVESTIGATING
        audit.record(
            "concern.investigating",
            concern,
            actor_id=officer.id,
            provider_id=concern.provider_id,
            details={"outcome": ""},
        )


def concern_counts() -> dict[str, int]:
    """Open and investigating concerns, reviews reported by providers and reviews held as possibly the provider's own, for the officer console."""
    concerns = dict(
        db.session.execute(
            db.select(Concern.status, db.func.count())
            .where(Concern.status != ConcernStatus.CLOSED)
            .group_by(Concern.status)
        ).all()
    )
    reports = db.session.scalar(
        db.select(db.func.count()).select_from(ReviewReport).where(ReviewReport.status == ReportStatus.OPEN)
    )
    flagged = db.session.scalar(
        db.select(db.func.count()).select_from(Review).where(Review.status == ReviewStatus.FLAGGED)
    )
    return {
        "open": concerns.get(ConcernStatus.OPEN, 0),
        "investigating": concerns.get(ConcernStatus.INVESTIGATING, 0),
        "reports": reports,
        "flagged": flagged,
    }


@dataclass(frozen=True)
class Workload:
    """What waits for one officer: shown on every page they open."""

    checks: int
    concerns: int
    held_reviews: int
    appeals: int

    @property
    def total(self) -> int:
        return self.checks + self.concerns + self.held_reviews + self.appeals


def workload(officer: User) -> Workload:
    """Checks in the officer's queue, open concerns (other than held reviews), held reviews, and appeals they may decide: one query."""

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    held = select(Review.id).where(Review.status == ReviewStatus.HELD)
    row = db.session.execute(
        select(
            count(Check, waiting_for(officer)),
            count(
                Concern,
                Concern.status != ConcernStatus.CLOSED,
                or_(Concern.review_id.is_(None), Concern.review_id.not_in(held)),
            ),
            # Held as a possible harm (with a concern) or as possibly the provider's own.
            count(Review, Review.status.in_((ReviewStatus.HELD, ReviewStatus.FLAGGED))),
            count(
                Suspension,
                Suspension.appeal_status == AppealStatus.PENDING,
                or_(Suspension.suspended_by_id.is_(None), Suspension.suspended_by_id != officer.id),
            ),
        )
    ).one()
    return Workload(*row)


def pending_appeals() -> list[Suspension]:
    """Suspension appeals waiting for a decision, oldest first, with their providers."""
    return list(
        db.session.scalars(
            select(Suspension)
            .where(Suspension.appeal_status == AppealStatus.PENDING)
            .options(joinedload(Suspension.provider))
            .order_by(Suspension.appealed_at)
        )
    )


def release_held_review(concern: Concern, officer: User, note: str) -> None:
    """Publish the review a concern holds (after reading it, the officer found it safe to show)."""
    if concern.review is None:
        raise SafeguardingError("This concern has no held review.")
    release_review(concern.review, officer, note)
