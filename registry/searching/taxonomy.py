"""The service taxonomy as searches see it, cached per process.

Every search validates ``service`` against the taxonomy and the page lists
it in a drop-down, so reading it per request would cost a query each time
for something an admin changes a few times a year. Each process keeps a
copy of plain values instead. An admin edit writes a search outbox row for
:data:`TAXONOMY_CHANGED` (the session does it, like every other row); the
once-a-second catch-up query every process already runs before a search
returns the newest such row, and a process whose copy is older drops it. The
process that made the edit drops its copy as soon as it commits. So every
process sees an edit within about ``SEARCH_CATCHUP_SECONDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.providers.models import ServiceType
from registry.searching.models import SearchOutboxEntry

# The outbox row's provider id meaning "the taxonomy changed" (no provider has id 0;
# applying it deletes document 0, which never exists).
TAXONOMY_CHANGED = 0
_KEY = "search_taxonomy"


@dataclass(frozen=True)
class ServiceTypeEntry:
    """What search needs of a service type: plain values, safe to share between threads and sessions."""

    slug: str
    name: str
    position: int


@dataclass(frozen=True)
class _Cached:
    mark: int  # the newest TAXONOMY_CHANGED row when loaded
    entries: tuple[ServiceTypeEntry, ...]


def service_types(app: Flask | None = None) -> tuple[ServiceTypeEntry, ...]:
    """Every service type in display order, from this process's copy (loaded when missing)."""
    app = app or current_app._get_current_object()
    cached = app.extensions.get(_KEY)
    if cached is None:
        with Session(db.engine) as session:
            mark = (
                session.scalar(
                    select(func.max(SearchOutboxEntry.id)).where(SearchOutboxEntry.provider_id == TAXONOMY_CHANGED)
                )
                or 0
            )
            rows = session.execute(
                select(ServiceType.slug, ServiceType.name, ServiceType.position).order_by(
                    ServiceType.position, ServiceType.name
                )
            )
            cached = _Cached(mark, tuple(ServiceTypeEntry(*row) for row in rows))
        app.extensions[_KEY] = cached  # one assignment: readers see the old copy or the new one
    return cached.entries


def forget(app: Flask) -> None:
    """Drop this process's copy; the next search loads the taxonomy again."""
    app.extensions.pop(_KEY, None)


def forget_if_older(app: Flask, newest_change: int | None) -> None:
    """Drop the copy when the outbox holds a taxonomy change newer than it."""
    cached = app.extensions.get(_KEY)
    if cached is not None and newest_change is not None and newest_change > cached.mark:
        forget(app)
