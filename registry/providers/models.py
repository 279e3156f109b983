"""Provider profiles and the service taxonomy."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.extensions import db
from registry.models import StrEnumColumn, UtcDateTime, utcnow
from registry.nations import Nation, nation_of
from registry.providers.prices import Prices
from registry.providers.vocabulary import (
    LANGUAGES,
    ProfileStatus,
    ProviderKind,
    availability_slots,
)

if TYPE_CHECKING:
    from registry.accounts.models import User


class ServiceType(db.Model):
    """A kind of help people buy with personal budgets."""

    __tablename__ = "service_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    requirements: Mapped[list[ServiceRequirement]] = relationship(
        back_populates="service_type", cascade="all, delete-orphan", order_by="ServiceRequirement.id"
    )

    def requirements_for(self, provider_kind: str) -> list[str]:
        """The requirement codes this service asks of one kind of provider."""
        return [r.requirement for r in self.requirements if r.provider_kind is None or r.provider_kind == provider_kind]


class ServiceRequirement(db.Model):
    """A check a service requires (of every provider, or of one kind only)."""

    __tablename__ = "service_requirements"
    __table_args__ = (UniqueConstraint("service_type_id", "requirement", "provider_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id", ondelete="CASCADE"))
    requirement: Mapped[str] = mapped_column(String(40))
    provider_kind: Mapped[str | None] = mapped_column(String(20))  # None: every kind

    service_type: Mapped[ServiceType] = relationship(back_populates="requirements")


class Provider(db.Model):
    """An organisation or personal assistant offering care."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    kind: Mapped[ProviderKind] = mapped_column(StrEnumColumn(ProviderKind, 20))
    display_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    about: Mapped[str] = mapped_column(Text, default="")
    # The same in Welsh, if the provider gives it: the profile shows it to Welsh readers instead ("" when not given).
    about_cy: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Private: only the district (outcode) is ever shown publicly.
    base_postcode: Mapped[str | None] = mapped_column(String(8))
    outcode: Mapped[str | None] = mapped_column(String(4), index=True)
    # Which nation's checks and regulator apply (registry/nations.py): set with the outcode, never typed.
    nation: Mapped[Nation | None] = mapped_column(StrEnumColumn(Nation, 20), index=True)
    travel_radius_miles: Mapped[int | None]
    rate_min_pence: Mapped[int | None]
    rate_max_pence: Mapped[int | None]
    # The richer prices (registry/providers/prices.py): all optional, amounts in pence.
    visit_price_pence: Mapped[int | None]
    visit_minutes: Mapped[int | None]
    minimum_hours: Mapped[int | None]
    minimum_per: Mapped[str | None] = mapped_column(String(10))  # visit, week
    travel: Mapped[str | None] = mapped_column(String(20))  # none, included, per-mile, per-visit
    travel_pence: Mapped[int | None]
    sleeping_night_pence: Mapped[int | None]
    waking_night_pence: Mapped[int | None]
    weekend_uplift_percent: Mapped[int | None]
    bank_holiday_uplift_percent: Mapped[int | None]
    availability: Mapped[int] = mapped_column(default=0)  # bitmask, see vocabulary.availability_bit
    gender: Mapped[str | None] = mapped_column(String(20))
    years_experience: Mapped[int | None]
    cqc_provider_id: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[ProfileStatus] = mapped_column(
        StrEnumColumn(ProfileStatus, 20), default=ProfileStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Indexed: the Open Referral feed's Last-Modified is the latest of these (a lookup, not a scan).
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set by an officer; a suspended provider is listed for nothing until reinstated.
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="provider")
    # Named by string, untyped: providers sits below checks and does not import it.
    checks = relationship("Check", back_populates="provider", cascade="all, delete-orphan", order_by="Check.id")
    services: Mapped[list[ProviderService]] = relationship(back_populates="provider", cascade="all, delete-orphan")
    language_rows: Mapped[list[ProviderLanguage]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )

    @validates("outcode")
    def _set_nation(self, key: str, outcode: str | None) -> str | None:
        """The nation follows the postcode district whenever it is saved."""
        self.nation = nation_of(outcode)
        return outcode

    @property
    def is_draft(self) -> bool:
        return self.status == ProfileStatus.DRAFT

    @property
    def is_suspended(self) -> bool:
        return self.status == ProfileStatus.SUSPENDED

    @property
    def is_pa(self) -> bool:
        return self.kind == ProviderKind.PA

    @property
    def languages(self) -> list[str]:
        return sorted(row.language for row in self.language_rows)

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGES.get(code, code) for code in self.languages]

    @property
    def service_types(self) -> list[ServiceType]:
        return sorted((s.service_type for s in self.services), key=lambda t: (t.position, t.name))

    @property
    def availability_slots(self) -> list[str]:
        return availability_slots(self.availability)

    @property
    def prices(self) -> Prices:
        return Prices.of(self)

    def __repr__(self) -> str:
        return f"<Provider {self.slug}>"


class ProviderService(db.Model):
    """A service a provider offers, and whether it is listed (searchable) for it."""

    __tablename__ = "provider_services"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"), primary_key=True)
    # Stored so search can filter on it; computed by the checks rules.
    listed: Mapped[bool] = mapped_column(default=False)

    provider: Mapped[Provider] = relationship(back_populates="services")
    service_type: Mapped[ServiceType] = relationship(lazy="joined")


class ProviderLanguage(db.Model):
    __tablename__ = "provider_languages"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(20), primary_key=True)

    provider: Mapped[Provider] = relationship(back_populates="language_rows")
