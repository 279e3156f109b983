"""The officers' audit log pages: filter the events and export them as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from registry.accounts.models import User
from registry.audit import record
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.paging import Page, paginate


@dataclass(frozen=True)
class EventFilters:
    """What an officer narrows the log to; every field optional.

    ``actor`` is an email ("system" for events no person caused), ``action``
    an action or its prefix ("check." for every check decision), and the
    dates are inclusive days (UTC).
    """

    actor: str | None = None
    action: str | None = None
    provider_id: int | None = None
    since: date | None = None
    until: date | None = None

    def as_details(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v not in (None, "")
        }


def _filtered(filters: EventFilters):
    query = select(AuditEvent)
    if filters.actor == "system":
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor:
        query = query.where(AuditEvent.actor_id.in_(select(User.id).where(User.email == filters.actor.strip().lower())))
    if filters.action:
        action = filters.action.strip()
        # An exact action, or a family of them: "check." (or "check") means every check.* action.
        family = action if action.endswith(".") else action + "."
        query = query.where((AuditEvent.action == action) | AuditEvent.action.startswith(family, autoescape=True))
    if filters.provider_id is not None:
        query = query.where(AuditEvent.provider_id == filters.provider_id)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters.since, time.min, timezone.utc))
    if filters.until is not None:
        query = query.where(
            AuditEvent.created_at < datetime.combine(filters.until + timedelta(days=1), time.min, timezone.utc)
        )
    return query


def search_events(filters: EventFilters, page: int = 1, per_page: int = 50) -> Page:
    """One page of matching events, newest first, each with its actor (two queries a page)."""
    query = _filtered(filters).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    return paginate(query, page, per_page)


EXPORT_COLUMNS = (
    "id",
    "created_at",
    "actor_email",
    "action",
    "subject_type",
    "subject_id",
    "provider_id",
    "details",
    "hash",
)


def export_events(filters: EventFilters, officer_id: int) -> Iterator[tuple]:
    """Record the export (an officer action, like any other), then every matching event, oldest first.

    The caller commits before reading the rows, so the export is on the
    record whether or not the download completes. Rows stream in batches.
    """
    count = db.session.scalar(select(func.count()).select_from(_filtered(filters).subquery()))
    record(
        "audit.exported",
        _Export(),
        actor_id=officer_id,
        provider_id=filters.provider_id,
        details={"filters": filters.as_details(), "rows": count},
    )

    def rows() -> Iterator[tuple]:
        query = (
            _filtered(filters)
            .add_columns(User.email)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .order_by(AuditEvent.id)
            .execution_options(yield_per=1000)
        )
        for event, email in db.session.execute(query):
            yield (
                event.id,
                event.created_at.isoformat(),
                email or "system",
                event.action,
                event.subject_type,
                event.subject_id,
                event.provider_id if event.provider_id is not None else "",
                event.details,
                event.hash,
            )

    return rows()


class _Export:
    """The subject of an ``audit.exported`` event: the log itself."""

    id = "log"
