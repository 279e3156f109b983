"""Small pieces shared by every feature's models."""

from __future__ import annotations

from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable default, never a value)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in UTC: the day check validity is judged on."""
    return utcnow().date()
