"""The search outbox: index work written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.models import UtcDateTime, utcnow


class SearchOutboxEntry(db.Model):
    """One provider whose search document changed: an entry in the log every index follows."""

    __tablename__ = "search_outbox"
    # Ids must never be reused (each index records the last one it applied):
    # SQLite reuses the highest id after a delete unless told otherwise.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
