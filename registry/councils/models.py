"""Councils, their areas, commissioners and approved lists (frameworks).

A framework entry never lists anyone: search and the profile page show an
entry only beside a provider the listing rule already lists for that service
(``registry/checks/listing.py``), so a suspended, lapsed or unverified
provider stays hidden whatever lists it is on.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.accounts.models import Role
from registry.extensions import db
from registry.models import StrEnumColumn, UtcDateTime, utcnow
from registry.visits.models import FundingRoute

# A commissioner belongs to exactly one council through the commissioners table.
COMMISSIONER = Role.COMMISSIONER
BODY_KINDS = {"council": "Council", "nhs": "NHS body"}


class EntryStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    DECLINED = "declined"
    REMOVED = "removed"


# What a provider reads about its own application.
ENTRY_STATUS_LABELS = {
    EntryStatus.APPLIED: "Waiting for a decision",
    EntryStatus.APPROVED: "Approved",
    EntryStatus.DECLINED: "Declined",
    EntryStatus.REMOVED: "Removed",
}


class Council(db.Model):
    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20), default="council")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    districts: Mapped[list[CouncilDistrict]] = relationship(
        back_populates="council", cascade="all, delete-orphan", order_by="CouncilDistrict.outcode"
    )
    frameworks: Mapped[list[Framework]] = relationship(back_populates="council", order_by="Framework.starts_on.desc()")

    @property
    def outcodes(self) -> list[str]:
        """The area's postcode districts in the order people read them: LS1, LS2, ... LS10, not LS1, LS10, LS11."""
        return sorted((d.outcode for d in self.districts), key=district_order)


def district_order(outcode: str) -> tuple[str, int, str]:
    """Sort key for a postcode district: its area letters, then its number as a number (LS2 < LS10, EC1A < EC2)."""
    match = re.match(r"([A-Z]+)(\d+)(.*)", outcode)
    return (match[1], int(match[2]), match[3]) if match else (outcode, 0, "")


class CouncilDistrict(db.Model):
    """One postcode district of a council's area."""

    __tablename__ = "council_districts"

    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    outcode: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)

    council: Mapped[Council] = relationship(back_populates="districts")


class Commissioner(db.Model):
    """Which council a commissioner account works for."""

    __tablename__ = "commissioners"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)

    council: Mapped[Council] = relationship()


class Framework(db.Model):
    """An approved list a council publishes for its area, in force from ``starts_on`` to ``ends_on``."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    council: Mapped[Council] = relationship(back_populates="frameworks")
    entries: Mapped[list[FrameworkEntry]] = relationship(back_populates="framework", order_by="FrameworkEntry.id")

    def in_force(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class FrameworkEntry(db.Model):
    """A provider on (or applying to) a framework for one service, at an agreed hourly rate."""

    __tablename__ = "framework_entries"
    __table_args__ = (UniqueConstraint("framework_id", "provider_id", "service_type_id", name="uq_framework_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    rate_pence: Mapped[int] = mapped_column()  # proposed while applied, agreed once approved
    status: Mapped[EntryStatus] = mapped_column(StrEnumColumn(EntryStatus, 20), default=EntryStatus.APPLIED, index=True)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    framework: Mapped[Framework] = relationship(back_populates="entries")
    provider = relationship("Provider")
    service_type = relationship("ServiceType")

    @property
    def status_label(self) -> str:
        return ENTRY_STATUS_LABELS[self.status]


class CallOff(db.Model):
    """An order from a council's approved list, at the rate agreed for the list (a call-off).

    It copies what it was placed on (council, provider, service, rate), so the
    commissioner's figures stay true after the entry is removed or the account
    is closed; the conversation it opened or joined carries the details.
    """

    __tablename__ = "call_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("framework_entries.id", ondelete="SET NULL"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("cared_for_people.id", ondelete="SET NULL"))
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiries.id", ondelete="SET NULL"), index=True)
    district: Mapped[str] = mapped_column(String(4))
    hours_per_week: Mapped[int]
    starts_on: Mapped[date] = mapped_column(Date)
    rate_pence: Mapped[int]  # the list's agreed hourly rate when the order was placed
    funding: Mapped[FundingRoute] = mapped_column(StrEnumColumn(FundingRoute, 20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    council: Mapped[Council] = relationship()
    entry: Mapped[FrameworkEntry | None] = relationship()
    provider = relationship("Provider")
    service_type = relationship("ServiceType")
    enquiry = relationship("Enquiry")
