"""Small pieces shared by every feature's models."""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable default, never a value)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in UTC: the day check validity is judged on."""
    return utcnow().date()


class StrEnumColumn(TypeDecorator):
    """A vocabulary column: stored as its plain string, loaded as the StrEnum member.

    The database holds the same strings as before the vocabularies were enums
    (no data migration), and the migrations see an ordinary VARCHAR. A value
    outside the vocabulary is refused on the way in, so a typo cannot reach
    the database and then match nothing.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return None if value is None else str(self.enum(value))

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)
