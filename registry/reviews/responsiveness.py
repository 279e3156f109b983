"""How quickly a provider replies to enquiries: "Usually replies to enquiries within 4 hours".

Read-only, from what the enquiry tables already hold. The rule, in words
(how-it-works and the README say the same):

* Enquiries sent to the provider in the last 12 months (365 days) count.
* An enquiry's reply time runs from when it was sent to the provider's first
  message in its conversation.
* An enquiry still waiting for an answer with no message from the provider
  counts as not replied: slower than any reply.
* An enquiry the provider answered only with a button (accept, started,
  decline) and no message has no reply time to measure (those answers are
  not time-stamped) and is left out.
* The figure is the median: the time within which at least half of the
  counted enquiries had their first reply (the middle one, or the earlier of
  the two middle ones). When fewer than half were replied to, the figure
  says so instead.
* Shown once at least ``REPLY_TIME_MIN_ENQUIRIES`` enquiries count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import utcnow
from registry.providers.models import Provider
from registry.reviews.models import Enquiry, EnquiryMessage, EnquiryStatus

WINDOW_DAYS = 365  # "the last 12 months"


@dataclass(frozen=True)
class ReplyTime:
    """A provider's enquiries in the last 12 months and the median time to its first reply."""

    enquiries: int = 0  # counted (see the module's rule)
    replied: int = 0
    median_seconds: float | None = None  # None: no enquiries, or fewer than half replied to
    minimum: int = 0

    @property
    def shown(self) -> bool:
        return self.enquiries > 0 and self.enquiries >= self.minimum

    @property
    def text(self) -> str:
        if not self.shown:
            return ""
        if self.median_seconds is None:
            return f"Has replied to fewer than half of its {self.enquiries:,} enquiries in the last 12 months"
        return f"Usually replies to enquiries {within(self.median_seconds)}"


def within(seconds: float) -> str:
    """A duration rounded up to words a person uses: 'within an hour', 'within 4 hours', 'within 3 days'."""
    hours = seconds / 3600
    if hours <= 1:
        return "within an hour"
    if hours <= 48:
        return f"within {math.ceil(hours)} hours"
    return f"within {math.ceil(hours / 24)} days"


def median_reply(times: list[float | None]) -> float | None:
    """The time within which at least half were replied to; ``None`` (not replied) sorts after every reply."""
    if not times:
        return None
    ordered = sorted(times, key=lambda t: (t is None, t or 0.0))
    return ordered[math.ceil(len(ordered) / 2) - 1]


def reply_times(
    provider_ids: Iterable[int], now: datetime | None = None, *, minimum: int | None = None
) -> dict[int, ReplyTime]:
    """Each provider's figure (one entry per id asked), in one query."""
    ids = sorted(set(provider_ids))
    if minimum is None:
        minimum = current_app.config["REPLY_TIME_MIN_ENQUIRIES"]
    if not ids:
        return {}
    now = now or utcnow()
    first_reply = (
        select(func.min(EnquiryMessage.created_at))
        .where(EnquiryMessage.enquiry_id == Enquiry.id, EnquiryMessage.author_id == Provider.user_id)
        .correlate(Enquiry, Provider)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Enquiry.provider_id, Enquiry.created_at, Enquiry.status, first_reply)
        .join(Provider, Provider.id == Enquiry.provider_id)
        .where(
            Enquiry.provider_id.in_(ids),
            Enquiry.created_at >= now - timedelta(days=WINDOW_DAYS),
            Enquiry.created_at <= now,
        )
    ).all()
    times: dict[int, list[float | None]] = {provider_id: [] for provider_id in ids}
    for provider_id, sent_at, status, replied_at in rows:
        if replied_at is not None:
            times[provider_id].append(max(0.0, (_aware(replied_at) - _aware(sent_at)).total_seconds()))
        elif status == EnquiryStatus.OPEN:
            times[provider_id].append(None)  # still waiting: not replied
        # Answered by a button alone: no time to measure, left out.
    return {
        provider_id: ReplyTime(
            enquiries=len(found),
            replied=sum(1 for t in found if t is not None),
            median_seconds=median_reply(found),
            minimum=minimum,
        )
        for provider_id, found in times.items()
    }


def reply_time_of(provider_id: int, now: datetime | None = None) -> ReplyTime:
    """One provider's figure (the profile and the provider API)."""
    return reply_times([provider_id], now)[provider_id]


def _aware(moment: datetime) -> datetime:
    # The subquery's min() may come back without the column's type on SQLite: a naive UTC value or its text.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
