"""Write and verify the audit log.

A bottom-layer package: every feature records its officers' (and the
system's) actions here. The officers' audit pages (search, filters, CSV
export) are in registry/safeguarding/audit_search.py.

:func:`record` adds an event in the caller's transaction, so the event and the
change it describes commit (or roll back) together.

Three things keep the log from being rewritten quietly by someone who can
write to the database: the database refuses UPDATE, DELETE and TRUNCATE;
each hash is an HMAC keyed with ``AUDIT_HMAC_KEY``, which the database never
holds, so a rewritten event cannot be given a hash that fits; and
:func:`verify_with_checkpoint` compares the log with the count and head it
saw last time, kept outside the database, so cutting events off the end
(which leaves a valid chain) is noticed too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import current_app
from sqlalchemy import select, text

from registry.audit.models import GENESIS_HASH, KEYED, UNKEYED, AuditEvent  # noqa: F401 (re-exported)
from registry.extensions import db
from registry.models import utcnow


def _canonical_time(value: datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(event: AuditEvent, key: str | None = None) -> str:
    """The hash of every field of the event except its own hash, id and scheme.

    Keyed (HMAC-SHA256) for events of the keyed scheme, with ``key`` or the
    configured AUDIT_HMAC_KEY; plain SHA-256 for events written before the
    log was keyed.
    """
    payload = _payload(event).encode("utf-8")
    if event.hash_scheme == UNKEYED:
        return hashlib.sha256(payload).hexdigest()
    if event.hash_scheme != KEYED:
        raise ValueError(f"unknown hash scheme {event.hash_scheme!r}")
    secret = key if key is not None else current_app.config["AUDIT_HMAC_KEY"]
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


# The fields an event's hash covers (besides its own hash, id and scheme).
_HASHED = ("prev_hash", "created_at", "actor_id", "action", "subject_type", "subject_id", "provider_id", "details")
VERIFY_BATCH = 5000


def _payload(event: AuditEvent) -> str:
    return json.dumps(
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
        hash_scheme=KEYED,
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
    head_id: int | None = None
    head_hash: str | None = None
    first_keyed_id: int | None = None
    # The chain itself held, but it disagrees with the last checkpoint.
    against_checkpoint: bool = False


def verify() -> VerifyResult:
    """Walk the chain in order; report the first event that does not fit.

    Once one event is keyed, every later one must be: otherwise anyone could
    relabel the events from some point on as unkeyed and recompute their
    hashes without the key.
    """
    expected_prev = GENESIS_HASH
    count = 0
    head_id = head_hash = first_keyed_id = None
    # Plain rows streamed in batches (a server-side cursor on PostgreSQL): a
    # million events never sit in memory, and no ORM object is built for each.
    columns = [AuditEvent.__table__.c[name] for name in _HASHED + ("id", "hash", "hash_scheme")]
    key = current_app.config["AUDIT_HMAC_KEY"]
    with db.session.connection().execute(
        select(*columns).order_by(AuditEvent.id).execution_options(yield_per=VERIFY_BATCH)
    ) as rows:
        for event in rows:
            if event.prev_hash != expected_prev:
                return VerifyResult(False, count, event.id, "its previous-hash does not match the event before it")
            if event.hash_scheme not in (KEYED, UNKEYED):
                return VerifyResult(False, count, event.id, f"its hash scheme {event.hash_scheme!r} is unknown")
            if event.hash_scheme == UNKEYED and first_keyed_id is not None:
                return VerifyResult(
                    False,
                    count,
                    event.id,
                    f"it is unkeyed but comes after keyed event {first_keyed_id} (a downgraded hash)",
                )
            if not hmac.compare_digest(event_hash(event, key), event.hash):
                reason = "its contents do not match its hash"
                if event.hash_scheme == KEYED:
                    reason += " (or AUDIT_HMAC_KEY is not the key it was written with)"
                return VerifyResult(False, count, event.id, reason)
            if event.hash_scheme == KEYED and first_keyed_id is None:
                first_keyed_id = event.id
            expected_prev = head_hash = event.hash
            head_id = event.id
            count += 1
    return VerifyResult(True, count, head_id=head_id, head_hash=head_hash, first_keyed_id=first_keyed_id)


# -- the checkpoint: what the last successful verify saw, kept outside the database


def checkpoint_path() -> str:
    return current_app.config.get("AUDIT_CHECKPOINT_FILE") or os.path.join(
        current_app.instance_path, "audit-checkpoint.json"
    )


def read_checkpoint(path: str) -> dict[str, Any] | None:
    """The last checkpoint, or None before the first verify. Raises ValueError if unreadable."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"the checkpoint {path} cannot be read ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("count"), int):
        raise ValueError(f"the checkpoint {path} is not a checkpoint this command wrote")
    return data


def _against_checkpoint(result: VerifyResult, checkpoint: dict[str, Any]) -> VerifyResult:
    """A valid chain can still have lost its tail: compare with what was seen last time."""
    count, head_id = checkpoint["count"], checkpoint.get("head_id")
    if head_id is not None:
        head = db.session.get(AuditEvent, head_id)
        if head is None:
            return VerifyResult(
                False,
                result.count,
                head_id,
                f"it is missing: the last verify ended the log there with {count} events, so events were deleted from the end",
                against_checkpoint=True,
            )
        if head.hash != checkpoint.get("head_hash"):
            return VerifyResult(
                False,
                result.count,
                head_id,
                "it has changed since the last verify checkpointed it",
                against_checkpoint=True,
            )
    if result.count < count:
        return VerifyResult(
            False,
            result.count,
            head_id,
            f"the log now has {result.count} events, fewer than the {count} at the last verify",
            against_checkpoint=True,
        )
    keyed_from = checkpoint.get("first_keyed_id")
    if keyed_from is not None and result.first_keyed_id != keyed_from:
        return VerifyResult(
            False,
            result.count,
            keyed_from,
            "it was the first keyed event at the last verify and no longer is (hashes were downgraded)",
            against_checkpoint=True,
        )
    return result


def write_checkpoint(path: str, result: VerifyResult) -> dict[str, Any]:
    """Save what this verify saw, atomically, and put the same line in the log."""
    data = {
        "count": result.count,
        "head_id": result.head_id,
        "head_hash": result.head_hash,
        "first_keyed_id": result.first_keyed_id,
        "verified_at": utcnow().isoformat(),
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = f"{path}.{os.getpid()}.tmp"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    # A second copy where the database's users cannot reach it: the log goes to
    # whatever collects it, so a checkpoint file rewritten along with the
    # database still disagrees with the log.
    current_app.logger.info(
        "audit checkpoint: count=%d head_id=%s head_hash=%s first_keyed_id=%s",
        result.count,
        result.head_id,
        result.head_hash,
        result.first_keyed_id,
    )
    return data


def verify_with_checkpoint(path: str | None = None) -> VerifyResult:
    """Verify the chain and compare it with the last checkpoint; on success write a new one.

    A failed verify leaves the old checkpoint in place, so running it again
    reports the same break.
    """
    path = path or checkpoint_path()
    result = verify()
    if not result.ok:
        return result
    try:
        checkpoint = read_checkpoint(path)
    except ValueError as error:
        return VerifyResult(False, result.count, None, str(error), against_checkpoint=True)
    if checkpoint is not None:
        result = _against_checkpoint(result, checkpoint)
        if not result.ok:
            return result
    write_checkpoint(path, result)
    return result


def events_for(provider_id: int | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if provider_id is not None:
        query = query.where(AuditEvent.provider_id == provider_id)
    return list(db.session.scalars(query))
