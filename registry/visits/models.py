"""What was agreed for an engagement, how it ended, and what each side said about each visit.

Planned visits are not stored: they follow from the agreement in force on
each date (services.planned_visits). A row here is only what someone said.
Times are Europe/London wall-clock times, as people agree them; the UTC
moment is computed with zoneinfo when needed, so a clock change never moves
a 9 o'clock visit.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db
from registry.models import StrEnumColumn, UtcDateTime, utcnow


class FundingRoute(StrEnum):
    DIRECT_PAYMENT = "direct-payment"
    HEALTH_BUDGET = "health-budget"
    COUNCIL_LIST = "council-list"
    SELF_FUNDED = "self-funded"


FUNDING_LABELS = {
    FundingRoute.DIRECT_PAYMENT: "Direct payment",
    FundingRoute.HEALTH_BUDGET: "Personal health budget",
    FundingRoute.COUNCIL_LIST: "Council-arranged, from an approved list",
    FundingRoute.SELF_FUNDED: "Self-funded",
}


class PriceBasis(StrEnum):
    HOURLY = "hourly"
    PER_VISIT = "per-visit"


PRICE_LABELS = {PriceBasis.HOURLY: "an hour", PriceBasis.PER_VISIT: "a visit"}


class AgreementStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the other side
    AGREED = "agreed"  # in force from starts_on until a later agreed row starts
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # a newer proposal took its place before anyone answered


AGREEMENT_STATUS_LABELS = {
    AgreementStatus.PROPOSED: "Proposed, waiting for an answer",
    AgreementStatus.AGREED: "Agreed",
    AgreementStatus.DECLINED: "Declined",
    AgreementStatus.WITHDRAWN: "Replaced by a later proposal",
}


class Agreement(db.Model):
    """One period of agreed support. A change is a new row from a date; no row's terms are ever edited.

    ``slots``: weekly visits ``{"day": 0-6 (Monday 0), "start": "HH:MM", "end": "HH:MM"}``
    and one-off visits ``{"date": "YYYY-MM-DD", "start": ..., "end": ...}``.
    """

    __tablename__ = "care_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    slots: Mapped[list] = mapped_column(JSON, default=list)
    price_basis: Mapped[PriceBasis] = mapped_column(StrEnumColumn(PriceBasis, 20))
    rate_pence: Mapped[int]
    funding: Mapped[FundingRoute] = mapped_column(StrEnumColumn(FundingRoute, 20))
    starts_on: Mapped[date] = mapped_column(Date)
    status: Mapped[AgreementStatus] = mapped_column(
        StrEnumColumn(AgreementStatus, 20), default=AgreementStatus.PROPOSED
    )
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    engagement = relationship("Engagement")
    service_type = relationship("ServiceType")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])


class EngagementEnd(db.Model):
    """An engagement ended by either side, with the reason: recorded once, never deleted."""

    __tablename__ = "engagement_ends"

    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)  # no visits are planned after it
    reason: Mapped[str] = mapped_column(Text)
    ended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ended_by = relationship("User")


class ProviderSays(StrEnum):
    CAME = "came"
    COULD_NOT_COME = "could-not-come"


class RecipientSays(StrEnum):
    KEPT = "kept"  # came as agreed
    LATE = "late"  # came, but late
    MISSED = "missed"  # did not come


RECIPIENT_LABELS = {
    RecipientSays.KEPT: "Confirmed: they came",
    RecipientSays.LATE: "They came, but late",
    RecipientSays.MISSED: "Missed: they did not come",
}

# Why a provider could not come: a short vocabulary, so a phone needs one tap.
COULD_NOT_COME_REASONS = {
    "ill": "Ill",
    "transport": "Transport or travel problem",
    "emergency": "Emergency elsewhere",
    "cancelled-by-person": "The person cancelled",
    "no-answer": "Nobody answered the door",
    "other": "Another reason",
}


class VisitRecord(db.Model):
    """What each side said about one planned visit (engagement, local date and planned start).

    The planned end is copied in when the first statement is made, so a later
    change of agreement never rewrites what was said about an earlier visit.
    Each side speaks once; a disagreement stays visible to both.
    """

    __tablename__ = "visit_records"
    __table_args__ = (UniqueConstraint("engagement_id", "visit_date", "planned_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    planned_start: Mapped[time] = mapped_column(Time)
    planned_end: Mapped[time] = mapped_column(Time)
    # The provider's record: arrived and left (local times), or could not come and why.
    provider_says: Mapped[ProviderSays | None] = mapped_column(StrEnumColumn(ProviderSays, 20))
    arrived: Mapped[time | None] = mapped_column(Time)
    departed: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str | None] = mapped_column(String(40))
    provider_note: Mapped[str | None] = mapped_column(Text)
    provider_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    provider_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The recipient's (or the family member's) answer.
    recipient_says: Mapped[RecipientSays | None] = mapped_column(StrEnumColumn(RecipientSays, 20))
    recipient_note: Mapped[str | None] = mapped_column(Text)
    recipient_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    provider_by = relationship("User", foreign_keys=[provider_by_id])
    recipient_by = relationship("User", foreign_keys=[recipient_by_id])
