"""Concerns about providers, and suspensions with their appeals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db
from registry.i18n import N_
from registry.models import StrEnumColumn, UtcDateTime, utcnow


class ConcernStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


class Severity(StrEnum):
    """How serious the person raising a concern says it is; an officer may change it (audited)."""

    DANGER = "danger"
    HARM = "harm"
    WORRIED = "worried"


# In the reporter's words, most urgent first; officers' queue sorts by this order, then oldest first.
SEVERITY_LABELS = {
    # English here (officers' queue and email); the concern form shows them in the reporter's language.
    Severity.DANGER: N_("Someone is in danger now"),
    Severity.HARM: N_("Harm is happening or has happened"),
    Severity.WORRIED: N_("I am worried something is wrong"),
}
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_LABELS)}


class AppealStatus(StrEnum):
    """Where a provider's one appeal against a suspension stands."""

    PENDING = "pending"
    UPHELD = "upheld"  # the suspension stays
    ALLOWED = "allowed"  # reinstated on appeal
    WITHDRAWN = "withdrawn"  # reinstated anyway before anyone decided


class Concern(db.Model):
    """A worry about a provider's conduct, for safeguarding officers."""

    __tablename__ = "concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    body: Mapped[str] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(
        StrEnumColumn(Severity, 20), default=Severity.WORRIED, server_default=Severity.WORRIED.value, index=True
    )
    # Raised without an account: whatever the person chose to leave (both optional), for officers only.
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ConcernStatus] = mapped_column(
        StrEnumColumn(ConcernStatus, 20), default=ConcernStatus.OPEN, index=True
    )
    outcome: Mapped[str | None] = mapped_column(Text)  # the officer's own words, for officers only
    # What the person who raised it is told on closing: a key of CLOSING_OUTCOMES,
    # a fixed sentence that reveals nothing private.
    closed_outcome: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    provider = relationship("Provider")
    raised_by = relationship("User")
    review = relationship("Review")

    @property
    def is_closed(self) -> bool:
        return self.status == ConcernStatus.CLOSED

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


class Suspension(db.Model):
    """One suspension of a provider, from start to reinstatement, with its one appeal.

    ``providers.suspended_at`` stays what the listing rule reads; this row
    remembers who suspended (an appeal must go to someone else) and the appeal.
    """

    __tablename__ = "suspensions"
    __table_args__ = (
        # At most one suspension in force per provider.
        Index(
            "uq_suspensions_one_open",
            "provider_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_reasons: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    appeal_status: Mapped[AppealStatus | None] = mapped_column(StrEnumColumn(AppealStatus, 20), index=True)
    appeal_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    appeal_decision_reason: Mapped[str | None] = mapped_column(Text)

    provider = relationship("Provider")
    suspended_by = relationship("User", foreign_keys=[suspended_by_id])
    appeal_decided_by = relationship("User", foreign_keys=[appeal_decided_by_id])

    @property
    def can_appeal(self) -> bool:
        return self.ended_at is None and self.appealed_at is None

    @property
    def appeal_pending(self) -> bool:
        return self.appeal_status == AppealStatus.PENDING

    @property
    def appeal_upheld(self) -> bool:
        return self.appeal_status == AppealStatus.UPHELD
