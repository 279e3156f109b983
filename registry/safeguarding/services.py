"""Safeguarding rules: concerns, suspension and reinstatement. Services flush, never commit.

Every officer action writes its audit event in the same transaction; emails
go through the mail outbox, so they exist exactly when the change commits.
"""

from __future__ import annotations

from datetime import date

from registry.accounts.models import User
from registry.checks.listing import recompute_listing
from registry.extensions import db
from registry.mail import send_email
from registry.models import utcnow
from registry.providers.models import Provider
from registry.reviews.models import Review, ReviewReport
from registry.reviews.services import review_held
from registry.safeguarding import audit
from registry.safeguarding.models import Concern

MAX_CONCERN = 5000


class SafeguardingError(Exception):
    """A safeguarding rule was broken; the message is safe to show."""


# -- suspension --------------------------------------------------------------


def suspend(provider: Provider, officer: User, reason: str, today: date | None = None) -> None:
    """Suspend at once: delisted everywhere until reinstated."""
    if not reason.strip():
        raise SafeguardingError("Give a reason for the suspension.")
    if provider.suspended_at is not None:
        raise SafeguardingError("This provider is already suspended.")
    provider.suspended_at, provider.suspension_reason = utcnow(), reason.strip()
    audit.record("provider.suspended", provider, actor_id=officer.id, provider_id=provider.id, details={"reason": reason})
    recompute_listing(provider, today or utcnow().date())
    send_email(provider.user.email, "Your listing is suspended", f"Hello {provider.display_name},\n\nA safeguarding officer has suspended your listing.\nReason: {reason}\n\nTrusted Care Registry")


def reinstate(provider: Provider, officer: User, note: str, today: date | None = None) -> None:
    if provider.suspended_at is None:
        raise SafeguardingError("This provider is not suspended.")
    provider.suspended_at = provider.suspension_reason = None
    audit.record("provider.reinstated", provider, actor_id=officer.id, provider_id=provider.id, details={"note": note})
    recompute_listing(provider, today or utcnow().date())
    send_email(provider.user.email, "Your listing is reinstated", f"Hello {provider.display_name},\n\nYour listing has been reinstated.\n\nTrusted Care Registry")


# -- concerns ----------------------------------------------------------------

CONCERN_STATUSES = ("open", "investigating", "closed")
# A concern only moves forward: open -> investigating -> closed (or straight to closed).
CONCERN_MOVES = {"open": {"investigating", "closed"}, "investigating": {"closed"}, "closed": set()}


def raise_concern(provider: Provider, raised_by: User | None, body: str, review: Review | None = None) -> Concern:
    """Open a concern for officers (audited) and tell the person who raised it that it arrived."""
    if not body.strip() or len(body) > MAX_CONCERN + 500:
        raise SafeguardingError("Describe your concern in at most 5,000 characters.")
    concern = Concern(provider=provider, raised_by=raised_by, body=body.strip(), review=review)
    db.session.add(concern)
    db.session.flush()
    audit.record("concern.opened", concern, actor_id=raised_by.id if raised_by else None, provider_id=provider.id, details={"review": review.id if review else None})
    if raised_by is not None:
        send_email(raised_by.email, "We have received your concern",
                   f"Hello {raised_by.name},\n\nThank you. A safeguarding officer will look at your concern about {provider.display_name}.\n"
                   "If someone is in immediate danger, call 999.\n\nTrusted Care Registry")
    return concern


@review_held.connect
def _held_review_becomes_a_concern(review: Review, author: User, why: str) -> None:
    raise_concern(review.provider, author, f"Held review “{review.title}”: {why}\n\n{review.body}", review=review)


def update_concern(concern: Concern, officer: User, status: str, outcome: str) -> None:
    """Move a concern forward (open, investigating, closed with an outcome); each move is audited."""
    if status not in CONCERN_STATUSES:
        raise SafeguardingError("Choose open, investigating or closed.")
    if concern.status == "closed":
        raise SafeguardingError("This concern is closed.")
    if status not in CONCERN_MOVES[concern.status]:
        raise SafeguardingError(f"This concern is {concern.status}; it can only move on to {' or '.join(sorted(CONCERN_MOVES[concern.status]))}.")
    if status == "closed" and not outcome.strip():
        raise SafeguardingError("Record the outcome before closing the concern.")
    if len(outcome) > MAX_CONCERN:
        raise SafeguardingError(f"Record the outcome in at most {MAX_CONCERN:,} characters.")
    concern.status, concern.outcome = status, outcome.strip() or concern.outcome
    audit.record(f"concern.{status}", concern, actor_id=officer.id, provider_id=concern.provider_id, details={"outcome": outcome})


def suspend_from_concern(concern: Concern, officer: User, reason: str) -> None:
    """Suspend the provider a concern is about, linked to the concern.

    An open concern moves to investigating at the same time.
    """
    suspend(concern.provider, officer, reason)
    audit.record("concern.provider_suspended", concern, actor_id=officer.id, provider_id=concern.provider_id, details={"reason": reason})
    if concern.status == "open":
        concern.status = "investigating"
        audit.record("concern.investigating", concern, actor_id=officer.id, provider_id=concern.provider_id, details={"outcome": ""})


def concern_counts() -> dict[str, int]:
    """Open and investigating concerns, and reviews reported by providers, for the officer console."""
    concerns = dict(db.session.execute(db.select(Concern.status, db.func.count()).where(Concern.status != "closed").group_by(Concern.status)).all())
    reports = db.session.scalar(db.select(db.func.count()).select_from(ReviewReport).where(ReviewReport.status == "open"))
    return {"open": concerns.get("open", 0), "investigating": concerns.get("investigating", 0), "reports": reports}
