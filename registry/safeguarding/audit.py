"""Write and verify the audit log.

:func:`record` adds an event in the caller's transaction, so the event and the
change it describes commit (or roll back) together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text

from registry.extensions import db
from registry.models import utcnow
from registry.safeguarding.models import GENESIS_HASH, AuditEvent  # noqa: F401 (re-exported)


def _canonical_time(value: datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every field of the event except its own hash and id."""
    payload = json.dumps(
        [
            event.prev_hash,
            _canonical_time(event.created_at),
            event.actor_id,
            event.action,
            event.subject_type,
            event.subject_id,
            event.provider_id,
            event.details,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    """Serialise writers on PostgreSQL so each reads the true last hash."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(727274)"))


def record(
    action: str,
    subject: Any,
    actor_id: int | None,
    provider_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event about ``subject`` (a model instance) to the log."""
    _lock_chain()
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=actor_id,
        action=action,
        subject_type=type(subject).__name__,
        subject_id=str(subject.id),
        provider_id=provider_id,
        details=canonical_details(details),
        prev_hash=last or GENESIS_HASH,
    )
    event.hash = event_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class VerifyResult:
    ok: bool
    count: int
    broken_event_id: int | None = None
    reason: str = ""


def verify() -> VerifyResult:
    """Walk the chain in order; report the first event that does not fit."""
    expected_prev = GENESIS_HASH
    count = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.prev_hash != expected_prev:
            return VerifyResult(False, count, event.id, "its previous-hash does not match the event before it")
        if event_hash(event) != event.hash:
            return VerifyResult(False, count, event.id, "its contents do not match its hash")
        expected_prev = event.hash
        count += 1
    return VerifyResult(True, count)


def events_for(provider_id: int | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if provider_id is not None:
        query = query.where(AuditEvent.provider_id == provider_id)
    return list(db.session.scalars(query))
