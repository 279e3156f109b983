"""People an account arranges care for, and the providers it has saved."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, orm
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.i18n import N_
from registry.models import StrEnumColumn, UtcDateTime, utcnow


class Relationship(StrEnum):
    """Who the account holder is to the person: said on enquiries and on the reviews they write."""

    FAMILY = "family"
    FRIEND = "friend"
    ADVOCATE = "advocate"


RELATIONSHIP_LABELS = {
    Relationship.FAMILY: "A family member",
    Relationship.FRIEND: "A friend or neighbour",
    Relationship.ADVOCATE: "Their advocate",
}
# "Written by ... on behalf of the person supported"
WRITTEN_BY = {
    Relationship.FAMILY: N_("a family member"),
    Relationship.FRIEND: N_("a friend"),
    Relationship.ADVOCATE: N_("an advocate"),
}


class Authority(StrEnum):
    """Why the account may arrange care for the person: their consent, or legal authority."""

    CONSENT = "consent"
    LPA = "lpa"
    DEPUTYSHIP = "deputyship"


AUTHORITY_LABELS = {
    Authority.CONSENT: "They agreed to me arranging care for them",
    Authority.LPA: "I hold a lasting power of attorney for their health and welfare",
    Authority.DEPUTYSHIP: "I am their deputy for personal welfare, appointed by the Court of Protection",
}


class ConsentHow(StrEnum):
    IN_PERSON = "in-person"
    IN_WRITING = "in-writing"
    PHONE_OR_VIDEO = "phone-or-video"


CONSENT_HOW = {
    ConsentHow.IN_PERSON: "Told me in person",
    ConsentHow.IN_WRITING: "In writing",
    ConsentHow.PHONE_OR_VIDEO: "By phone or video call",
}


person_needs = Table(
    "cared_for_needs",
    db.metadata,
    Column("person_id", ForeignKey("cared_for_people.id", ondelete="CASCADE"), primary_key=True),
    Column("service_type_id", ForeignKey("service_types.id", ondelete="CASCADE"), primary_key=True),
)


class CaredForPerson(db.Model):
    """Someone a recipient account arranges care for. Seen only by the account and the providers it enquired with."""

    __tablename__ = "cared_for_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))  # a first name or initials is enough
    district: Mapped[str] = mapped_column(String(4))  # the postcode district only, never an address
    relationship: Mapped[Relationship] = mapped_column(
        StrEnumColumn(Relationship, 20)
    )  # (orm.relationship is spelled out below: this column has its name)
    communication: Mapped[list] = mapped_column(JSON, default=list)  # codes from providers.vocabulary.LANGUAGES
    authority: Mapped[Authority] = mapped_column(StrEnumColumn(Authority, 20))
    consent_given_by: Mapped[str | None] = mapped_column(String(120))
    consent_how: Mapped[ConsentHow | None] = mapped_column(StrEnumColumn(ConsentHow, 20))
    authority_date: Mapped[date] = mapped_column(Date)  # when consent was given, or the power or order was made
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    needs = orm.relationship("ServiceType", secondary=person_needs, order_by="ServiceType.position")


class ShortlistEntry(db.Model):
    """A provider a recipient has saved to compare or contact later, for one of its people or unsorted.

    ``person_id`` None is the account holder's own, "unsorted" list. The same
    provider may be on several people's lists, once on each (migration 0030).
    """

    __tablename__ = "shortlist_entries"
    __table_args__ = (
        # Two partial indexes, since NULLs are distinct in a plain unique index (both SQLite and PostgreSQL).
        Index(
            "uq_shortlist_entries_for_person",
            "account_id",
            "provider_id",
            "person_id",
            unique=True,
            sqlite_where=db.text("person_id IS NOT NULL"),
            postgresql_where=db.text("person_id IS NOT NULL"),
        ),
        Index(
            "uq_shortlist_entries_unsorted",
            "account_id",
            "provider_id",
            unique=True,
            sqlite_where=db.text("person_id IS NULL"),
            postgresql_where=db.text("person_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("cared_for_people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    provider = orm.relationship("Provider")
    person = orm.relationship("CaredForPerson")
