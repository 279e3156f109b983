"""Enquiries, engagements, reviews and reports."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db
from registry.families.models import Relationship
from registry.i18n import N_
from registry.models import StrEnumColumn, UtcDateTime, utcnow

# How long the reviewer has been supported: the form's choices and what a published review says.
# English where stored and shown as they are; marked (N_) so the review form can show them in Welsh.
SUPPORTED_FOR = {
    "under-3-months": N_("under 3 months"),
    "3-12-months": N_("3 to 12 months"),
    "1-3-years": N_("1 to 3 years"),
    "over-3-years": N_("over 3 years"),
}

DIMENSIONS = {
    "reliability": N_("Reliability and punctuality"),
    "quality": N_("Quality of care"),
    "kindness": N_("Kindness and respect"),
    "communication": N_("Communication"),
    "value": N_("Value for money"),
}


class EnquiryStatus(StrEnum):
    OPEN = "open"  # waiting for the provider's answer
    ACCEPTED = "accepted"  # the provider can help: they are talking it over
    STARTED = "started"  # the provider has started supporting the person: the engagement that allows a review
    DECLINED = "declined"


ENQUIRY_STATUS_LABELS = {
    EnquiryStatus.OPEN: "Waiting for an answer",
    EnquiryStatus.ACCEPTED: "Accepted: agreeing the details",
    EnquiryStatus.STARTED: "Support has started",
    EnquiryStatus.DECLINED: "Declined",
}

# While an enquiry is open or accepted the conversation is still going on.
IN_CONVERSATION = (EnquiryStatus.OPEN, EnquiryStatus.ACCEPTED)
_IN_CONVERSATION_SQL = text(f"status IN ('{EnquiryStatus.OPEN}', '{EnquiryStatus.ACCEPTED}')")


class ReviewStatus(StrEnum):
    PUBLISHED = "published"
    HELD = "held"  # waiting for a safeguarding officer; never public
    FLAGGED = "flagged"  # possibly the provider's own review: waiting for an officer; never public
    REMOVED = "removed"


class ReportStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    REMOVED = "removed"


class Enquiry(db.Model):
    __tablename__ = "enquiries"
    # One conversation at a time per recipient and provider, held by the database
    # so two posts at the same moment cannot both open one (migrations 0008, 0013).
    __table_args__ = (
        Index(
            "uq_enquiries_one_open",
            "recipient_id",
            "provider_id",
            unique=True,
            sqlite_where=_IN_CONVERSATION_SQL,
            postgresql_where=_IN_CONVERSATION_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    # What the provider needs to answer: where, from when, which days and times, how much.
    # Enquiries from before migration 0013 have only when_needed.
    district: Mapped[str | None] = mapped_column(String(4))
    start_date: Mapped[date | None] = mapped_column(Date)
    times: Mapped[int | None]  # availability bitmask, see providers.vocabulary.availability_bit
    hours_per_week: Mapped[int | None]
    when_needed: Mapped[str | None] = mapped_column(String(120))
    # Made for someone the account arranges care for (None: for the account holder).
    # The person may be deleted later; arranged_by (the account holder's relationship
    # to them) stays, so the enquiry still says it was made on someone's behalf.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("cared_for_people.id", ondelete="SET NULL"), index=True)
    arranged_by: Mapped[Relationship | None] = mapped_column(StrEnumColumn(Relationship, 20))
    status: Mapped[EnquiryStatus] = mapped_column(StrEnumColumn(EnquiryStatus, 20), default=EnquiryStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    recipient = relationship("User")
    provider = relationship("Provider")
    service_type = relationship("ServiceType")
    person = relationship("CaredForPerson")
    messages: Mapped[list[EnquiryMessage]] = relationship(
        back_populates="enquiry", order_by="EnquiryMessage.id", cascade="all, delete-orphan"
    )
    engagement = relationship("Engagement", foreign_keys="Engagement.enquiry_id", uselist=False, viewonly=True)

    @property
    def awaits_answer(self) -> bool:
        return self.status == EnquiryStatus.OPEN


class EnquiryMessage(db.Model):
    __tablename__ = "enquiry_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    enquiry: Mapped[Enquiry] = relationship(back_populates="messages")
    author = relationship("User")


class Invitation(db.Model):
    """A provider asks someone it already supports to review it: single use, expiring."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    provider = relationship("Provider")


class Engagement(db.Model):
    """A confirmed relationship between a recipient and a provider: the right to review."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiries.id"), unique=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), unique=True)
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    provider = relationship("Provider")
    recipient = relationship("User")
    enquiry = relationship("Enquiry", foreign_keys=[enquiry_id], viewonly=True)
    invitation = relationship("Invitation", viewonly=True)
    review = relationship("Review", back_populates="engagement", uselist=False)


# A review nobody removed: one per recipient and provider (migration 0015).
LIVE_REVIEW = "status <> 'removed'"


class Review(db.Model):
    """A recipient's one review of a provider; a later engagement updates it rather than adding another."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("engagement_id"),  # the engagement it was last written for
        # Held by the database too, so two posts at the same moment cannot both add one.
        Index(
            "uq_reviews_one_live",
            "author_id",
            "provider_id",
            unique=True,
            sqlite_where=text(LIVE_REVIEW),
            postgresql_where=text(LIVE_REVIEW),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reliability: Mapped[int]
    quality: Mapped[int]
    kindness: Mapped[int]
    communication: Mapped[int]
    value: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    supported_for: Mapped[str | None] = mapped_column(String(40))
    # Set when a family member, friend or advocate wrote it on behalf of the person supported (families.Relationship).
    written_by: Mapped[Relationship | None] = mapped_column(StrEnumColumn(Relationship, 20))
    # published | held (a possible harm: a concern carries it) | flagged (possibly
    # the provider's own: an officer decides) | removed
    status: Mapped[ReviewStatus] = mapped_column(
        StrEnumColumn(ReviewStatus, 20), default=ReviewStatus.PUBLISHED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When it was written for its current engagement: the edit window runs from here.
    written_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Why it looks like the provider reviewing itself, for the officer who decides.
    flag_reasons: Mapped[list | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    moderation_reason: Mapped[str | None] = mapped_column(Text)

    engagement = relationship("Engagement", back_populates="review")
    author = relationship("User")
    provider = relationship("Provider")
    reports: Mapped[list[ReviewReport]] = relationship(back_populates="review", order_by="ReviewReport.id")

    @property
    def is_held(self) -> bool:
        return self.status == ReviewStatus.HELD

    @property
    def is_removed(self) -> bool:
        return self.status == ReviewStatus.REMOVED

    @property
    def overall(self) -> float:
        return sum(getattr(self, d) for d in DIMENSIONS) / len(DIMENSIONS)


class ReviewReport(db.Model):
    """A provider asks officers to look at a review."""

    __tablename__ = "review_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(StrEnumColumn(ReportStatus, 20), default=ReportStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    review = relationship("Review", back_populates="reports")


class ProviderRating(db.Model):
    """A provider's published-review score, stored so search and pages read it cheaply."""

    __tablename__ = "provider_ratings"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)  # Bayesian, out of 10
    review_count: Mapped[int] = mapped_column(default=0)
    dimensions: Mapped[dict] = mapped_column(JSON, default=dict)  # mean 1-5 per dimension
