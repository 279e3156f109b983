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

Without a checkpoint (a first run, or one lost with a wiped ``instance/``)
nothing remembers that the log was keyed, so someone with the database could
rewrite every event in the old unkeyed scheme. ``AUDIT_KEYED_SINCE`` says
from which event on every event must be keyed (``all`` in production unless
set): an unkeyed event from there on fails verification, checkpoint or not.
The checkpoint itself can live outside the instance folder
(``AUDIT_CHECKPOINT``: a path, or ``s3://bucket/key``, written with S3 Object
Lock retention when the bucket has Object Lock on).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

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
    # There was no checkpoint to compare with (a first run, or it was lost).
    first_checkpoint: bool = False


def keyed_since() -> int | None:
    """The first event id that must be keyed (AUDIT_KEYED_SINCE), or None when unkeyed events are accepted.

    ``all`` means every event (id 1 on); a number is the id of the first
    event written after the log was keyed; unset or ``none`` accepts events
    from before keying wherever they are (development only: production
    defaults to ``all`` and refuses ``none``).
    """
    return parse_keyed_since(current_app.config.get("AUDIT_KEYED_SINCE"))


def parse_keyed_since(value: Any) -> int | None:
    """``all`` -> 1, ``"1234"`` -> 1234, unset/``none`` -> None; anything else raises ValueError."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    if isinstance(value, str) and value.strip().lower() == "all":
        return 1
    try:
        first = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"AUDIT_KEYED_SINCE must be 'all' or an event id, not {value!r}.") from None
    if first < 1:
        raise ValueError(f"AUDIT_KEYED_SINCE must be 'all' or an event id of 1 or more, not {first}.")
    return first


def verify() -> VerifyResult:
    """Walk the chain in order; report the first event that does not fit.

    Once one event is keyed, every later one must be: otherwise anyone could
    relabel the events from some point on as unkeyed and recompute their
    hashes without the key. And from AUDIT_KEYED_SINCE on every event must
    be keyed, so a log rewritten wholly in the unkeyed scheme fails even
    with no checkpoint to compare it with.
    """
    expected_prev = GENESIS_HASH
    count = 0
    head_id = head_hash = first_keyed_id = None
    must_be_keyed_from = keyed_since()
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
            if event.hash_scheme == UNKEYED and must_be_keyed_from is not None and event.id >= must_be_keyed_from:
                since = "every event" if must_be_keyed_from == 1 else f"every event from {must_be_keyed_from} on"
                return VerifyResult(
                    False,
                    count,
                    event.id,
                    f"it is unkeyed, but AUDIT_KEYED_SINCE says {since} is keyed "
                    "(the log was rewritten without the key, or AUDIT_KEYED_SINCE is wrong)",
                )
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


class CheckpointStore(Protocol):
    """Where the checkpoint is kept: a file, or an S3 object."""

    where: str  # for messages: the path or s3:// address

    def read(self) -> dict[str, Any] | None:
        """The last checkpoint, or None before the first verify. Raises ValueError if unreadable."""

    def write(self, data: dict[str, Any]) -> None:
        """Replace the checkpoint with ``data``."""


def _checked(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("count"), int):
        raise ValueError(f"the checkpoint {where} is not a checkpoint this command wrote")
    return data


class FileCheckpoint:
    """A JSON file, replaced atomically."""

    def __init__(self, path: str):
        self.where = path

    def read(self) -> dict[str, Any] | None:
        try:
            with open(self.where, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"the checkpoint {self.where} cannot be read ({error})") from None
        return _checked(data, self.where)

    def write(self, data: dict[str, Any]) -> None:
        path = self.where
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        partial = f"{path}.{os.getpid()}.tmp"
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)


class S3Checkpoint:
    """An object in an S3 bucket, out of reach of the database and of the app's disk.

    When the bucket has Object Lock on, each checkpoint is written with a
    retention date (``AUDIT_CHECKPOINT_RETENTION_DAYS``, mode
    ``AUDIT_CHECKPOINT_LOCK_MODE``): no one, the app included, can delete or
    overwrite that version before then, so a checkpoint rewritten along with
    the database leaves the true one beside it. Without Object Lock it is an
    ordinary object (use a bucket only the verifier can write to).
    """

    def __init__(self, url: str, client: Any = None, retention_days: int = 400, lock_mode: str = "COMPLIANCE"):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        if not bucket or not key:
            raise ValueError(
                f"AUDIT_CHECKPOINT {url!r} must name a bucket and a key: s3://bucket/audit-checkpoint.json"
            )
        self.where, self.bucket, self.key = url, bucket, key
        self.retention_days, self.lock_mode = retention_days, lock_mode
        self.client = client

    def _fail(self, error: Exception, action: str) -> ValueError:
        code = ""
        if hasattr(error, "response"):
            code = str(error.response.get("Error", {}).get("Code", ""))
        return ValueError(f"the checkpoint {self.where} cannot be {action} ({code or type(error).__name__})")

    def read(self) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise self._fail(error, "read") from None
        except BotoCoreError as error:
            raise self._fail(error, "read") from None
        try:
            data = json.loads(body)
        except ValueError as error:
            raise ValueError(f"the checkpoint {self.where} cannot be read ({error})") from None
        return _checked(data, self.where)

    def locked(self) -> bool:
        """Whether the bucket has Object Lock on (then each checkpoint is kept until its retention date)."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError:  # no Object Lock configuration: an ordinary bucket
            return False
        return answer.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"

    def write(self, data: dict[str, Any]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        body = json.dumps(data, indent=1).encode("utf-8")
        extra: dict[str, Any] = {}
        try:
            if self.locked():
                extra = {
                    "ObjectLockMode": self.lock_mode,
                    "ObjectLockRetainUntilDate": datetime.now(timezone.utc) + timedelta(days=self.retention_days),
                    "ChecksumAlgorithm": "SHA256",  # S3 wants an integrity check on a locked write
                }
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json", **extra)
        except (ClientError, BotoCoreError) as error:
            raise self._fail(error, "written") from None


def checkpoint_path() -> str:
    """Where the checkpoint is kept: AUDIT_CHECKPOINT (a path or s3:// address), else AUDIT_CHECKPOINT_FILE,
    else ``instance/audit-checkpoint.json``."""
    config = current_app.config
    return (
        config.get("AUDIT_CHECKPOINT")
        or config.get("AUDIT_CHECKPOINT_FILE")
        or os.path.join(current_app.instance_path, "audit-checkpoint.json")
    )


def checkpoint_store(location: str | None = None) -> CheckpointStore:
    """The store for ``location`` (default :func:`checkpoint_path`)."""
    location = location or checkpoint_path()
    if not location.startswith("s3://"):
        return FileCheckpoint(location)
    import boto3
    from botocore.config import Config as BotoConfig

    config = current_app.config
    client = boto3.client(
        "s3",
        region_name=config.get("S3_REGION") or None,
        endpoint_url=config.get("AUDIT_CHECKPOINT_S3_ENDPOINT_URL") or config.get("S3_ENDPOINT_URL") or None,
        config=BotoConfig(
            retries={"mode": "standard", "total_max_attempts": max(1, config.get("S3_MAX_ATTEMPTS", 2))},
            connect_timeout=config.get("S3_CONNECT_TIMEOUT_SECONDS", 3),
            read_timeout=config.get("S3_READ_TIMEOUT_SECONDS", 8),
        ),
    )
    return S3Checkpoint(
        location,
        client=client,
        retention_days=config.get("AUDIT_CHECKPOINT_RETENTION_DAYS", 400),
        lock_mode=config.get("AUDIT_CHECKPOINT_LOCK_MODE", "COMPLIANCE"),
    )


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


def write_checkpoint(path: str | CheckpointStore, result: VerifyResult) -> dict[str, Any]:
    """Save what this verify saw, and put the same line in the log."""
    store = checkpoint_store(path) if isinstance(path, str) else path
    data = {
        "count": result.count,
        "head_id": result.head_id,
        "head_hash": result.head_hash,
        "first_keyed_id": result.first_keyed_id,
        "verified_at": utcnow().isoformat(),
    }
    store.write(data)
    # A second copy where the database's users cannot reach it: the log goes to
    # whatever collects it, so a checkpoint rewritten along with the
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
    reports the same break. ``result.first_checkpoint`` says there was none
    to compare with (a first run, or a lost checkpoint): the chain and
    AUDIT_KEYED_SINCE were checked, but events cut off the end cannot be noticed.
    """
    try:
        store = checkpoint_store(path)
    except ValueError as error:
        return VerifyResult(False, 0, None, str(error), against_checkpoint=True)
    result = verify()
    if not result.ok:
        return result
    try:
        checkpoint = store.read()
    except ValueError as error:
        return VerifyResult(False, result.count, None, str(error), against_checkpoint=True)
    if checkpoint is not None:
        result = _against_checkpoint(result, checkpoint)
        if not result.ok:
            return result
    else:
        result.first_checkpoint = True
    try:
        write_checkpoint(store, result)
    except (ValueError, OSError) as error:
        return VerifyResult(
            False, result.count, None, f"the new checkpoint could not be saved: {error}", against_checkpoint=True
        )
    return result


def events_for(provider_id: int | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if provider_id is not None:
        query = query.where(AuditEvent.provider_id == provider_id)
    return list(db.session.scalars(query))
