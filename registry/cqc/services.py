"""The nightly CQC sync: which locations to ask about, and what each answer changes.

A provider's location is the ``registration_id`` of its newest approved CQC
check. Each night the sync reads CQC's changes feed from where the last sync
stopped, marks the locations it names (and new ones, and any not asked for
``CQC_FULL_REFRESH_DAYS``) as due, and asks about each due location. One
location's answer is applied in one transaction: the stored registration and
rating, and when the register says ``Deregistered``, the revocation of the
CQC check (so every service that needs a CQC registration delists at once,
search included through the outbox row the same flush writes), its audit
event, an officer task (a concern raised by the registry) and the provider's
email. A failed ask changes nothing but the location's ``last_error``; the
location stays due and is asked again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from registry import audit
from registry.checks.kinds import CheckKind, CheckStatus
from registry.checks.listing import recompute_listing
from registry.checks.models import CQC_DEREGISTERED, Check, CqcLocation, CqcSyncMark
from registry.checks.notices import tell_provider
from registry.cqc.client import CqcClient, CqcError, LocationRecord
from registry.extensions import db
from registry.formatting import long_date
from registry.metrics import CQC_LOCATION_SYNCS
from registry.safeguarding.services import raise_concern

RATING_CONCERNS = ("Inadequate",)  # a rating that puts an officer on it (the listing does not change)


def client_from_config() -> CqcClient | None:
    """A client for ``CQC_API_URL``, or None when the sync is off."""
    config = current_app.config
    if not config.get("CQC_API_URL"):
        return None
    return CqcClient(
        config["CQC_API_URL"],
        config.get("CQC_API_KEY") or "",
        config["CQC_USER_AGENT"],
        timeout=config["CQC_TIMEOUT_SECONDS"],
        max_attempts=config["CQC_MAX_ATTEMPTS"],
        max_retry_after=config["CQC_MAX_RETRY_AFTER_SECONDS"],
        max_body_bytes=config["CQC_MAX_BODY_BYTES"],
        page_size=config["CQC_PAGE_SIZE"],
    )


def newest_cqc_checks() -> dict[int, Check]:
    """Each provider's newest approved CQC check (any valid-until: a lapsed one is not synced, it is not approved)."""
    newest: dict[int, Check] = {}
    for check in db.session.scalars(
        select(Check).where(Check.kind == CheckKind.CQC, Check.status == CheckStatus.APPROVED).order_by(Check.id)
    ):
        newest[check.provider_id] = check
    return newest


def track_locations(now: datetime) -> int:
    """Keep one location row per provider with an approved CQC check; new or changed ids are due now.

    Returns how many rows were added or pointed at a new location.
    """
    checks = newest_cqc_checks()
    rows = {row.provider_id: row for row in db.session.scalars(select(CqcLocation))}
    changed = 0
    for provider_id, check in checks.items():
        location_id = str((check.details or {}).get("registration_id") or "").strip()
        if not location_id:
            continue
        row = rows.get(provider_id)
        if row is None:
            db.session.add(CqcLocation(provider_id=provider_id, location_id=location_id, due_since=now))
            changed += 1
        elif row.location_id != location_id:
            # A new location: what was known about the old one says nothing about it.
            row.location_id, row.due_since, row.last_error = location_id, now, None
            row.name = row.registration_status = row.overall_rating = None
            row.registration_date = row.deregistration_date = row.rating_date = row.synced_at = None
            changed += 1
    for provider_id, row in rows.items():
        if provider_id not in checks:  # no approved CQC check any more (revoked, lapsed, replaced): nothing to ask
            db.session.delete(row)
    db.session.flush()
    return changed


def changes_mark() -> CqcSyncMark | None:
    return db.session.get(CqcSyncMark, 1)


def mark_due(location_ids, now: datetime, refresh_before: datetime) -> int:
    """Mark tracked locations named in ``location_ids``, or not answered since ``refresh_before``, as due."""
    wanted = set(location_ids)
    marked = 0
    for row in db.session.scalars(select(CqcLocation).where(CqcLocation.due_since.is_(None))):
        if row.location_id in wanted or row.synced_at is None or row.synced_at < refresh_before:
            row.due_since = now
            marked += 1
    db.session.flush()
    return marked


def due_locations() -> list[int]:
    """Ids of the location rows to ask about, oldest due first."""
    return list(
        db.session.scalars(
            select(CqcLocation.id).where(CqcLocation.due_since.is_not(None)).order_by(CqcLocation.due_since)
        )
    )


def record_failure(row: CqcLocation, error: Exception, now: datetime) -> None:
    """A failed ask: noted, and nothing else changes (the location stays due)."""
    row.last_attempt_at, row.last_error = now, str(error)[:300]
    db.session.flush()


@dataclass
class Applied:
    deregistered: bool = False
    rating_changed: bool = False


def apply_location(row: CqcLocation, record: LocationRecord, now: datetime, today: date) -> Applied:
    """Store an answer; a deregistration revokes the CQC check and delists, in this same transaction."""
    result = Applied()
    was_registered = row.registration_status
    before_rating = (row.overall_rating, row.rating_date)
    row.name = record.name
    row.registration_status = record.registration_status
    row.registration_date, row.deregistration_date = record.registration_date, record.deregistration_date
    row.overall_rating, row.rating_date = record.overall_rating, record.rating_date
    row.synced_at = row.last_attempt_at = now
    row.due_since = row.last_error = None
    provider = row.provider
    check = next(
        (
            c
            for c in reversed(provider.checks)
            if c.kind == CheckKind.CQC
            and c.status == CheckStatus.APPROVED
            and (c.details or {}).get("registration_id") == row.location_id
        ),
        None,
    )
    if record.registration_status == CQC_DEREGISTERED and check is not None:
        when = long_date(record.deregistration_date) if record.deregistration_date else "a recent date"
        reason = f"The CQC register shows location {row.location_id} deregistered on {when}."
        check.status, check.revoked_at, check.revoked_by_id, check.revocation_reason = (
            CheckStatus.REVOKED,
            now,
            None,
            reason,
        )
        db.session.flush()
        audit.record(
            "check.cqc_deregistered",
            check,
            actor_id=None,
            provider_id=provider.id,
            details={
                "kind": check.kind,
                "location_id": row.location_id,
                "deregistration_date": record.deregistration_date.isoformat() if record.deregistration_date else None,
                "previous_status": was_registered,
            },
        )
        recompute_listing(provider, today)
        raise_concern(
            provider,
            None,
            f"CQC sync: {reason} The registry revoked the approval of the CQC registration check, so the services "
            "that need one are no longer listed. Find out whether the provider still carries out regulated "
            "activity, and whether it registered again under a new location.",
        )
        tell_provider(check, "cqc/deregistered", today, reason=reason)
        result.deregistered = True
    if (record.overall_rating, record.rating_date) != before_rating and was_registered is not None:
        result.rating_changed = True
        audit.record(
            "cqc.rating_changed",
            row,
            actor_id=None,
            provider_id=provider.id,
            details={
                "location_id": row.location_id,
                "from": before_rating[0],
                "to": record.overall_rating,
                "report_date": record.rating_date.isoformat() if record.rating_date else None,
            },
        )
    # An Inadequate rating puts an officer on it, on the first sync too (the officer who approved the check may not have seen it).
    if record.overall_rating in RATING_CONCERNS and before_rating[0] != record.overall_rating:
        raise_concern(
            provider,
            None,
            f"CQC sync: location {row.location_id} is now rated {record.overall_rating} overall "
            f"(report {long_date(record.rating_date) if record.rating_date else 'date not given'}). "
            "The profile and search show the rating; look at the report and decide whether to act.",
        )
    db.session.flush()
    return result


@dataclass
class SyncReport:
    tracked: int = 0
    changes: int = 0
    asked: int = 0
    failed: int = 0
    deregistered: int = 0
    ratings_changed: int = 0
    seconds: float = 0.0
    waited: float = 0.0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.asked} locations asked, {self.failed} failed, {self.deregistered} deregistered, "
            f"{self.ratings_changed} ratings changed, {self.changes} changes read, in {self.seconds:.1f} s"
        )
        if self.errors:
            text += f"; first error: {self.errors[0]}"
        return text


def run_sync(client: CqcClient, now: datetime, today: date) -> SyncReport:
    """One sync, committing after each step and each location (the job and ``flask cqc sync`` call this).

    If the changes feed cannot be read, the mark does not move and
    :class:`CqcError` is raised after the due locations were asked about, so
    the next run reads the same window again.
    """
    started = time.monotonic()
    report = SyncReport()
    track_locations(now)
    db.session.commit()
    refresh_before = now - timedelta(days=current_app.config["CQC_FULL_REFRESH_DAYS"])
    mark = changes_mark()
    feed_error: CqcError | None = None
    if mark is None:
        mark_due((), now, refresh_before=now)  # the first sync asks about every location
        db.session.add(CqcSyncMark(id=1, changes_until=now.replace(microsecond=0)))
    else:
        # Whole seconds, as the API takes them; each window starts a little before the last one ended,
        # so a change CQC published late is still read (asking about a location twice costs one call).
        until = now.replace(microsecond=0)
        overlap = timedelta(minutes=current_app.config["CQC_CHANGES_OVERLAP_MINUTES"])
        try:
            changed = list(client.changed_locations(mark.changes_until - overlap, until))
        except CqcError as error:
            feed_error = error
            changed = []
        report.changes = len(changed)
        mark_due(changed, now, refresh_before)
        if feed_error is None:
            mark.changes_until = until
    db.session.commit()
    report.tracked = db.session.query(CqcLocation).count()
    for row_id in due_locations():
        row = db.session.get(CqcLocation, row_id)
        if row is None or row.due_since is None or row.due_since > now:
            continue
        report.asked += 1
        try:
            record = client.location(row.location_id)
        except CqcError as error:
            db.session.rollback()
            row = db.session.get(CqcLocation, row_id)
            record_failure(row, error, now)
            db.session.commit()
            report.failed += 1
            report.errors.append(f"{row.location_id}: {error}")
            CQC_LOCATION_SYNCS.labels("failed").inc()
            continue
        applied = apply_location(row, record, now, today)
        db.session.commit()
        CQC_LOCATION_SYNCS.labels("ok").inc()
        report.deregistered += applied.deregistered
        report.ratings_changed += applied.rating_changed
    report.seconds = time.monotonic() - started
    report.waited = client.waited
    if feed_error is not None:
        raise CqcError(f"the changes feed could not be read ({feed_error}); {report.summary()}")
    return report
