"""Reliability from the records: the share of confirmed visits a provider kept in the last 12 months.

"Kept 97 % of 412 confirmed visits in the last 12 months." Every surface
(the profile, /api/v1/providers/<slug>, the search card and best match) gets
the figure from :func:`visit_reliability`, one grouped query for any number
of providers. The rule, in words (how-it-works and the README say the same):

* Only the last 12 months count: visits dated from 365 days before today up
  to today.
* A visit counts once the person supported (or whoever arranges their care)
  has answered for it: kept, late or missed, including a disputed one.
* A visit the provider said it could not come to counts too, as not kept,
  answered or not, unless the reason it gave is that the person cancelled
  and the person's side has not said otherwise.
* Kept: the person's side said they came (on time or late) and the provider
  did not say it could not come. Late counts as kept: they came; the profile
  says how many were late.
* A visit nobody on the person's side answered, with no "could not come",
  is not counted at all: unconfirmed never counts as kept, nor against.

The SQL here and :func:`visit_counts` (the same rule on a
:class:`~registry.visits.services.Visit`) are held equal by the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from registry.extensions import db
from registry.models import today as utc_today
from registry.reviews.models import Engagement
from registry.visits.models import ProviderSays, RecipientSays, VisitRecord

WINDOW_DAYS = 365  # "the last 12 months"
PERSON_CANCELLED = "cancelled-by-person"  # a could-not-come reason that is not the provider's failure


@dataclass(frozen=True)
class VisitReliability:
    """A provider's confirmed visits in the last 12 months, and how many it kept."""

    kept: int = 0
    late: int = 0  # of the kept, how many the person's side said were late
    confirmed: int = 0
    minimum: int = 0  # below this many confirmed visits nothing is shown

    @property
    def shown(self) -> bool:
        return self.confirmed > 0 and self.confirmed >= self.minimum

    @property
    def share(self) -> float | None:
        """Kept / confirmed (0..1), only when shown: what best match uses."""
        return self.kept / self.confirmed if self.shown else None

    @property
    def percent(self) -> int | None:
        """Whole per cent, rounded down, so the figure never claims more than happened (99.6 % reads 99 %)."""
        return self.kept * 100 // self.confirmed if self.shown else None

    @property
    def text(self) -> str:
        return (
            f"Kept {self.percent} % of {self.confirmed:,} confirmed visits in the last 12 months" if self.shown else ""
        )

    def summary(self) -> dict | None:
        """What the APIs give: None below the minimum (the figure is not shown anywhere)."""
        if not self.shown:
            return None
        return {"kept": self.kept, "confirmed": self.confirmed, "percent": self.percent, "text": self.text}

    @property
    def late_text(self) -> str:
        if not self.shown or not self.late:
            return ""
        return f"{self.late:,} of the kept {'visit was' if self.late == 1 else 'visits were'} late"


def window(day: date | None = None) -> tuple[date, date]:
    """The first and last visit dates that count on ``day`` (today by default)."""
    last = day or utc_today()
    return last - timedelta(days=WINDOW_DAYS), last


# The rule, as SQL over visit_records (kept equal to visit_counts by tests/visits/test_reliability.py).
_ANSWERED = VisitRecord.recipient_says.is_not(None)
_COULD_NOT_COME = VisitRecord.provider_says == ProviderSays.COULD_NOT_COME
_CONFIRMED = or_(_ANSWERED, and_(_COULD_NOT_COME, func.coalesce(VisitRecord.reason, "") != PERSON_CANCELLED))
_KEPT = and_(
    VisitRecord.recipient_says.in_([RecipientSays.KEPT, RecipientSays.LATE]),
    or_(VisitRecord.provider_says.is_(None), VisitRecord.provider_says != ProviderSays.COULD_NOT_COME),
)
_LATE = and_(_KEPT, VisitRecord.recipient_says == RecipientSays.LATE)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def visit_reliability(
    provider_ids: Iterable[int], day: date | None = None, *, connection=None, minimum: int | None = None
) -> dict[int, VisitReliability]:
    """Each provider's figure (one entry per id asked, zero counts when it has none), in one query.

    ``connection``: a Core connection to read on (the search index's builder
    passes its own); by default the request's session. ``minimum``: the
    ``RELIABILITY_MIN_VISITS`` setting unless given.
    """
    ids = sorted(set(provider_ids))
    if minimum is None:
        minimum = current_app.config["RELIABILITY_MIN_VISITS"]
    if not ids:
        return {}
    first, last = window(day)
    statement = (
        select(Engagement.provider_id, _count(_KEPT), _count(_LATE), _count(_CONFIRMED))
        .join(Engagement, Engagement.id == VisitRecord.engagement_id)
        .where(
            Engagement.provider_id.in_(ids),
            VisitRecord.visit_date >= first,
            VisitRecord.visit_date <= last,
        )
        .group_by(Engagement.provider_id)
    )
    rows = (connection or db.session.connection()).execute(statement).all()
    found = {
        provider_id: VisitReliability(int(kept), int(late), int(confirmed), minimum)
        for provider_id, kept, late, confirmed in rows
    }
    return {provider_id: found.get(provider_id, VisitReliability(minimum=minimum)) for provider_id in ids}


def reliability_of(provider_id: int, day: date | None = None) -> VisitReliability:
    """One provider's figure (the profile and the provider API)."""
    return visit_reliability([provider_id], day)[provider_id]


def visit_counts(visit) -> tuple[bool, bool]:
    """``(confirmed, kept)`` for one :class:`~registry.visits.services.Visit`: the rule above, in Python."""
    status = visit.status
    if status in ("kept", "late"):
        return True, True
    if status in ("missed", "disputed"):
        return True, False
    if status == "cancelled":  # the provider said it could not come; the person's side has not answered
        return visit.record.reason != PERSON_CANCELLED, False
    return False, False
