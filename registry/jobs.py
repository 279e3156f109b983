"""Scheduled work that ships with the product: ``flask worker``.

One worker process per node runs every job on its own interval: lapsing
checks and sending reminders, deleting scans past the retention period,
pruning the search outbox, delivering email, verifying the audit log,
syncing CQC registrations and ratings nightly, and catching this node's
search index up. Any number of workers may run at once: a job that must
run once for the whole registry takes a lock first (a PostgreSQL advisory
lock, or a file lock beside a SQLite database) and is skipped by whoever
does not get it. Each job records when it last succeeded, which officers
see and ``/readyz`` checks.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.extensions import db
from registry.metrics import JOB_RUNS
from registry.models import UtcDateTime, today, utcnow

log = logging.getLogger(__name__)


class JobRun(db.Model):
    """When a scheduled job last ran, and how it went."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_summary: Mapped[str | None] = mapped_column(String(300))


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    run: Callable[[Flask], str]  # returns a one-line summary
    once_per_registry: bool = True  # False: every node runs it (its own search index)
    title: str = ""
    # A nightly job: the setting naming its UTC time of day ("02:00"). It runs once
    # after that time each day (a worker started later runs it at once, a failed
    # run is tried again every ``every_seconds``), whichever worker gets there first.
    daily_at_setting: str | None = None

    @property
    def period_seconds(self) -> int:
        """How often it should succeed: a day for a nightly job, else its interval."""
        return 24 * 3600 if self.daily_at_setting else self.every_seconds


def _expire_checks(app: Flask) -> str:
    from registry.checks.services import expire

    report = expire(today())
    db.session.commit()
    return f"{report.lapsed} checks lapsed, {report.reminded} reminders"


def _dbs_status_checks(app: Flask) -> str:
    from registry.checks import status_checks

    if not status_checks.enabled():
        return "status checks are off (DBS_STATUS_CHECK_URL is not set)"
    return status_checks.run_due().summary()


def _purge_documents(app: Flask) -> str:
    from registry.checks.services import purge_documents

    report = purge_documents(utcnow())
    db.session.commit()
    return f"{report.purged} scans deleted, {report.orphans} orphan files"


def _prune_search_outbox(app: Flask) -> str:
    from registry.searching.services import prune_outbox

    return f"{prune_outbox(db.session, app.config['SEARCH_OUTBOX_RETENTION_DAYS'])} outbox rows pruned"


def _deliver_mail(app: Flask) -> str:
    from registry.mail import deliver_pending

    sent, failed = deliver_pending(app)
    return f"{sent} emails sent, {failed} to retry"


def _purge_sent_mail(app: Flask) -> str:
    from registry.mail import purge_sent_mail

    rows, files = purge_sent_mail(app)
    db.session.commit()
    return f"{rows} sent emails deleted, {files} outbox files"


def _catch_up_search(app: Flask) -> str:
    from registry.searching.services import search_index, sync_pending

    return f"{sync_pending(db.session, search_index())} providers reindexed"


class AuditLogBroken(RuntimeError):
    """``flask audit verify`` found a break: recorded as the job's error, shown to officers."""


def _verify_audit_log(app: Flask) -> str:
    from registry import audit

    result = audit.verify_with_checkpoint()
    if not result.ok:
        where = f" at event {result.broken_event_id}" if result.broken_event_id is not None else ""
        raise AuditLogBroken(f"audit log broken{where}: {result.reason}")
    return f"ok, {result.count} events"


def _sync_cqc(app: Flask) -> str:
    from registry.cqc.services import client_from_config, run_sync

    client = client_from_config()
    if client is None:
        return "CQC sync is off (CQC_API_URL is not set)"
    try:
        return run_sync(client, utcnow(), today()).summary()
    finally:
        client.close()


JOBS = (
    Job("mail", 10, _deliver_mail, title="Email delivery"),
    Job("search", 10, _catch_up_search, once_per_registry=False, title="Search index catch-up"),
    Job("expiry", 3600, _expire_checks, title="Check expiry and reminders"),
    # Every minute, at most DBS_STATUS_CHECKS_PER_MINUTE certificates: the rate limit.
    Job("dbs-status", 60, _dbs_status_checks, title="DBS Update Service status checks"),
    Job("retention", 6 * 3600, _purge_documents, title="Document retention purge"),
    Job("outbox-prune", 24 * 3600, _prune_search_outbox, title="Search outbox pruning"),
    Job("mail-purge", 24 * 3600, _purge_sent_mail, title="Sent email retention purge"),
    Job("audit-verify", 24 * 3600, _verify_audit_log, title="Audit log verification"),
    Job("cqc-sync", 15 * 60, _sync_cqc, title="CQC registration and rating sync", daily_at_setting="CQC_SYNC_AT"),
)


def scheduled_time(at: str, now: datetime) -> datetime:
    """The latest moment at or before ``now`` whose UTC time of day is ``at`` ("HH:MM")."""
    hour, _, minute = at.partition(":")
    moment = now.replace(hour=int(hour), minute=int(minute or 0), second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


def _daily_due(app: Flask, job: Job, now: datetime) -> bool:
    """Whether a nightly job has not yet succeeded since its last scheduled time."""
    run = db.session.get(JobRun, job.name)
    last = None if run is None else run.last_success_at
    return last is None or last < scheduled_time(app.config[job.daily_at_setting], now)


@contextmanager
def _registry_lock(app: Flask, name: str) -> Iterator[bool]:
    """Yield whether this process holds the job's registry-wide lock."""
    if db.engine.dialect.name == "postgresql":
        key = zlib.crc32(f"registry-job:{name}".encode())
        with db.engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
        return
    # SQLite: every process using the database shares this machine and its instance folder.
    fd = os.open(os.path.join(app.instance_path, f"job-{name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def run_job(app: Flask, job: Job, now: datetime | None = None) -> str | None:
    """Run one job now unless another worker holds it (or a nightly one is not due); its summary, or None if skipped."""
    with app.app_context():
        lock = _registry_lock(app, job.name) if job.once_per_registry else _always()
        with lock as held:
            if not held:
                return None
            if job.daily_at_setting is not None:
                due = _daily_due(app, job, now or utcnow())
                db.session.rollback()
                if not due:
                    return None
            _note(job.name, last_started_at=utcnow())
            try:
                summary = job.run(app)
            except Exception as error:  # a failed job is recorded and retried next round
                db.session.rollback()
                log.exception("job %s failed", job.name)
                _note(job.name, last_failure_at=utcnow(), last_error=f"{type(error).__name__}: {error}"[:300])
                JOB_RUNS.labels(job.name, "failed").inc()
                return f"failed: {error}"
            _note(job.name, last_success_at=utcnow(), last_summary=summary[:300], last_error=None)
            JOB_RUNS.labels(job.name, "ok").inc()
            return summary


@contextmanager
def _always() -> Iterator[bool]:
    yield True


def _note(name: str, **fields) -> None:
    """Record a job's progress in its own transaction, whatever happened to the job's."""
    with Session(db.engine) as session:
        run = session.get(JobRun, name) or JobRun(name=name)
        for key, value in fields.items():
            setattr(run, key, value)
        session.add(run)
        session.commit()


def run_worker(
    app: Flask, once: bool = False, tick_seconds: float = 1.0, stop: Callable[[], bool] = lambda: False
) -> None:
    """Run every job when it is due, for ever (or one round with ``once``)."""
    next_due = {job.name: 0.0 for job in JOBS}
    while True:
        now = time.monotonic()
        for job in JOBS:
            if now >= next_due[job.name]:
                summary = run_job(app, job)
                next_due[job.name] = now + job.every_seconds
                if summary is not None:
                    # The every-few-seconds jobs would fill the log with "0 emails sent".
                    log.log(logging.DEBUG if job.every_seconds < 60 else logging.INFO, "job %s: %s", job.name, summary)
        if once or stop():
            return
        time.sleep(tick_seconds)


def job_status(session) -> list[dict]:
    """Each job with when it last succeeded and whether that is recent enough."""
    runs = {run.name: run for run in session.scalars(select(JobRun))}
    now = utcnow()
    grace = current_app.config["WORKER_STALE_FACTOR"]
    status = []
    for job in JOBS:
        run = runs.get(job.name)
        last = None if run is None or run.last_success_at is None else run.last_success_at
        status.append(
            {
                "name": job.name,
                "title": job.title,
                "last_success_at": last,
                "last_error": None if run is None else run.last_error,
                "last_summary": None if run is None else run.last_summary,
                "fresh": last is not None and (now - last).total_seconds() <= job.period_seconds * grace + 60,
            }
        )
    return status
