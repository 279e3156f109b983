"""A background check: structured evidence plus a document, and its decision."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from registry.checks.kinds import KIND_NAMES, KIND_PHRASES, NO_EXPIRY, STATUS_LABELS, CheckKind, CheckStatus
from registry.extensions import db
from registry.models import StrEnumColumn, UtcDateTime, utcnow

if TYPE_CHECKING:
    from registry.providers.models import Provider


class Check(db.Model):
    __tablename__ = "checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CheckKind] = mapped_column(StrEnumColumn(CheckKind, 30), index=True)
    status: Mapped[CheckStatus] = mapped_column(StrEnumColumn(CheckStatus, 20), default=CheckStatus.PENDING, index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # the structured fields of this kind
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The document: stored under a generated key; the name is for display only.
    document_key: Mapped[str | None] = mapped_column(String(200))
    document_name: Mapped[str] = mapped_column(String(120), default="")
    document_type: Mapped[str] = mapped_column(String(40), default="")
    document_size: Mapped[int] = mapped_column(default=0)
    document_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The decision.
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # the feed's Last-Modified
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    verification_method: Mapped[str | None] = mapped_column(String(20))
    update_service_result: Mapped[str | None] = mapped_column(String(30))
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # An officer withdrew the approval (the provider is not suspended; only what relies on this check delists).
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # the feed's Last-Modified
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    # History: a replacement points at the check it replaces; an appeal is allowed once.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id"))
    appeal_note: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    excluded_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who must not decide the appeal
    # DBS Update Service status checks (registry/checks/status_checks.py). Never what the certificate
    # disclosed: only when a status check last said it is current, and by whom (None: automatically).
    status_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the last status check left to deal with: "new_information" or "needs_assessment" (an
    # officer task), or "no_match" (the provider is told; the check lapses after a grace period).
    status_check_issue: Mapped[str | None] = mapped_column(String(30), index=True)
    no_match_since: Mapped[date | None] = mapped_column(Date)
    # An officer assessed the original certificate (needed for a non-blank one to count).
    certificate_assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    certificate_assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    provider: Mapped[Provider] = relationship(back_populates="checks")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    status_consent: Mapped[StatusCheckConsent | None] = relationship(back_populates="check", uselist=False)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def kind_phrase(self) -> str:
        """The kind as it reads mid-sentence: "your DBS check", "your proof of identity"."""
        return KIND_PHRASES.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def awaits_decision(self) -> bool:
        """Waiting for an officer (a new check, or an appealed rejection)."""
        return self.status == CheckStatus.PENDING

    @property
    def awaits_provider(self) -> bool:
        """The officer's reason asks the provider to act: add a new check, send more, or appeal."""
        return self.status in (CheckStatus.REJECTED, CheckStatus.INFO_REQUESTED)

    @property
    def can_appeal(self) -> bool:
        """A rejection can be appealed once; a second rejection is final."""
        return self.status == CheckStatus.REJECTED and self.appealed_at is None

    def review_by(self, target_days: int) -> date:
        """The day an officer should have decided by (``REVIEW_TARGET_DAYS`` calendar days after it was sent)."""
        return self.submitted_at.date() + timedelta(days=target_days)

    def days_waiting(self, now: datetime) -> int:
        return (now - self.submitted_at).days

    def is_overdue(self, now: datetime, target_days: int) -> bool:
        """Waiting longer than the decision target (checks.services.queue_counts counts the same way)."""
        return self.days_waiting(now) > target_days

    @property
    def never_lapses(self) -> bool:
        """Approved for good (a British or Irish passport as right to work): shown as "does not expire"."""
        return self.valid_until == NO_EXPIRY

    def is_current(self, today: date) -> bool:
        return self.status == CheckStatus.APPROVED and self.valid_until is not None and self.valid_until >= today

    def __repr__(self) -> str:
        return f"<Check {self.id} {self.kind} {self.status}>"


CQC_REGISTERED = "Registered"
CQC_DEREGISTERED = "Deregistered"
CQC_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")


class CqcLocation(db.Model):
    """What the CQC's register said, at the last successful sync, about the location a provider's CQC check names.

    One row per provider: the location id of its newest approved CQC check.
    ``registration_status`` is None until the first answer; ``overall_rating``
    None with a status means CQC has not rated it yet. ``due_since`` marks a
    location to ask about (new, named in CQC's changes feed, or not asked for
    a while); it is cleared only by an answer, so a failed ask is asked again
    and never taken as one.
    """

    __tablename__ = "cqc_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), unique=True)
    location_id: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    registration_status: Mapped[str | None] = mapped_column(String(20))
    registration_date: Mapped[date | None] = mapped_column(Date)
    deregistration_date: Mapped[date | None] = mapped_column(Date)
    overall_rating: Mapped[str | None] = mapped_column(String(30))
    rating_date: Mapped[date | None] = mapped_column(Date)  # the overall rating's report date
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the last answer
    due_since: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))

    provider: Mapped[Provider] = relationship(backref=backref("cqc_location", uselist=False, passive_deletes=True))

    @property
    def is_registered(self) -> bool:
        return self.registration_status == CQC_REGISTERED

    @property
    def cqc_url(self) -> str:
        return cqc_location_url(self.location_id)


def cqc_location_url(location_id: str) -> str:
    """The location's page on the CQC website."""
    return f"https://www.cqc.org.uk/location/{location_id}"


class CqcSyncMark(db.Model):
    """How far CQC's changes feed has been read: the next sync asks for changes from ``changes_until`` on."""

    __tablename__ = "cqc_sync_marks"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    changes_until: Mapped[datetime] = mapped_column(UtcDateTime)


class StatusCheckConsent(db.Model):
    """A provider's consent to ongoing DBS Update Service status checks of one certificate.

    The surname (as printed on the certificate) and date of birth are kept
    only while the consent stands: withdrawing it deletes them. The row
    stays, with the wording agreed and when, as the record of the consent.
    """

    __tablename__ = "dbs_status_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), unique=True)
    given_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    wording: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    surname: Mapped[str | None] = mapped_column(String(60))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # The worker's schedule: when the next status check is due, and how the last attempts went.
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))

    check: Mapped[Check] = relationship(back_populates="status_consent")

    @property
    def stands(self) -> bool:
        return self.withdrawn_at is None
