"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db
from registry.models import UtcDateTime, utcnow

GENESIS_HASH = "0" * 64
# How an event's hash was computed: plain SHA-256 (events written before the
# log was keyed) or HMAC-SHA256 with AUDIT_HMAC_KEY, a secret kept outside the
# database. Every new event is keyed.
UNKEYED = "sha256"
KEYED = "hmac-sha256"


class AuditEvent(db.Model):
    """One thing an officer (or the system) did.

    Each event stores the previous event's hash and its own HMAC-SHA256 (keyed
    with a secret the database does not hold) over a canonical serialisation,
    so altering, removing or reordering any row breaks the chain, and someone
    with only the database cannot compute a hash that fits. ``prev_hash`` is
    unique: two writers racing for the same position cannot both commit, so
    the chain never forks.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A row written without a scheme counts as unkeyed, which verify refuses after a keyed one.
    hash_scheme: Mapped[str] = mapped_column(String(20), default=KEYED, server_default=UNKEYED)

    actor = relationship("User")
