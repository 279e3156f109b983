"""Small pieces shared by every feature's models."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable default, never a value)."""
    return datetime.now(timezone.utc)
