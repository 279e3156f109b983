"""The search outbox: index work written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.models import utcnow


class SearchOutboxEntry(db.Model):
    """One provider whose search document must be rebuilt (or removed)."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
