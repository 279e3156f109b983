"""The figures ``/metrics`` reads from the database when Prometheus asks, and the exposition itself.

Each is one small query on an indexed column or a small table, read in its
own session (as ``/readyz`` does), so a scrape costs a few milliseconds and
never touches the request's unit of work:

- this node's search index: outbox rows it has not applied, and how long the
  oldest has waited (each node keeps its own index, so each node's figure is its own);
- each scheduled job: seconds since its last success, whether its last run
  failed, and how often it should succeed;
- the mail queue: emails waiting, the oldest one's age, emails given up on;
- DBS status checks: checks a status check put an officer on (by issue) and
  consents whose last ask failed;
- the CQC sync: locations waiting to be asked about, and those whose last ask failed.

The counters of :mod:`registry.metrics` come from this process, or from every
process's files when ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator

from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models import utcnow

log = logging.getLogger(__name__)


def exposition(app: Flask) -> tuple[bytes, str]:
    """The text Prometheus reads, and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every worker's counts, added up
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector(app))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ThisProcess:
    """The default registry's metrics (this process's counts, and its CPU and memory)."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


class DatabaseCollector:
    """Gauges computed from the database at scrape time (a custom collector, as prometheus-client has them)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = _gauge("registry_metrics_database_up", "1 when the figures below could be read from the database.")
        try:
            with self.app.app_context(), Session(db.engine) as session:
                metrics = [
                    *self._search_lag(session),
                    *self._jobs(session),
                    *self._mail(session),
                    *self._status_checks(session),
                    *self._cqc(session),
                ]
        except SQLAlchemyError as error:
            log.warning("metrics: the database did not answer: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _search_lag(self, session: Session) -> list[Metric]:
        from registry.searching.models import SearchOutboxEntry
        from registry.searching.services import search_index

        rows = _gauge("registry_search_index_lag_rows", "Search outbox rows this node's index has not applied yet.")
        seconds = _gauge(
            "registry_search_index_lag_seconds",
            "How long the oldest search outbox row this node's index has not applied has waited (0: caught up).",
        )
        try:
            mark = search_index().applied_mark()
        except OSError:  # no index on this node yet: everything in the outbox is waiting
            mark = 0
        waiting, oldest = session.execute(
            select(func.count(SearchOutboxEntry.id), func.min(SearchOutboxEntry.created_at)).where(
                SearchOutboxEntry.id > mark
            )
        ).one()
        rows.add_metric([], waiting)
        seconds.add_metric([], _age(oldest))
        return [rows, seconds]

    def _jobs(self, session: Session) -> list[Metric]:
        from registry.jobs import JOBS, JobRun

        age = _gauge(
            "registry_job_last_success_age_seconds",
            "Seconds since the job last succeeded (+Inf: never).",
            ["job_name"],
        )
        failing = _gauge("registry_job_failing", "1 when the job's last run failed.", ["job_name"])
        period = _gauge(
            "registry_job_period_seconds", "How often the job should succeed (a day for a nightly job).", ["job_name"]
        )
        runs = {run.name: run for run in session.scalars(select(JobRun))}
        for job in JOBS:
            run = runs.get(job.name)
            success = run.last_success_at if run else None
            failure = run.last_failure_at if run else None
            age.add_metric([job.name], math.inf if success is None else _age(success))
            failing.add_metric([job.name], int(failure is not None and (success is None or failure > success)))
            period.add_metric([job.name], job.period_seconds)
        return [age, failing, period]

    def _mail(self, session: Session) -> list[Metric]:
        from registry.mail import mail_backlog

        backlog = mail_backlog(session)
        depth = _gauge("registry_mail_queue_depth", "Emails waiting to be sent.")
        depth.add_metric([], backlog["pending"])
        oldest = _gauge(
            "registry_mail_queue_oldest_age_seconds", "Age of the oldest email waiting to be sent (0: none waiting)."
        )
        oldest.add_metric([], _age(backlog["oldest_pending"]))
        failed = _gauge("registry_mail_failed", "Emails given up on after every retry (kept until purged).")
        failed.add_metric([], backlog["failed"])
        return [depth, oldest, failed]

    def _status_checks(self, session: Session) -> list[Metric]:
        from registry.checks.models import Check, StatusCheckConsent
        from registry.checks.status_checks import OUTCOME_LABELS

        issues = _gauge(
            "registry_dbs_status_check_issues",
            "DBS checks whose last status check found an issue, by issue (officer work while it stands).",
            ["issue"],
        )
        found = dict(
            session.execute(
                select(Check.status_check_issue, func.count(Check.id))
                .where(Check.status_check_issue.is_not(None))
                .group_by(Check.status_check_issue)
            ).all()
        )
        for issue in [code for code in OUTCOME_LABELS if code != "current"]:
            issues.add_metric([issue], found.get(issue, 0))
        failing = _gauge(
            "registry_dbs_status_consents_failing",
            "Standing status-check consents whose last ask got no answer (retried with growing delays).",
        )
        failing.add_metric(
            [],
            session.scalar(
                select(func.count(StatusCheckConsent.id)).where(
                    StatusCheckConsent.withdrawn_at.is_(None), StatusCheckConsent.failures > 0
                )
            ),
        )
        return [issues, failing]

    def _cqc(self, session: Session) -> list[Metric]:
        from registry.checks.models import CqcLocation

        due, failed = session.execute(
            select(
                func.count(CqcLocation.id).filter(CqcLocation.due_since.is_not(None)),
                func.count(CqcLocation.id).filter(CqcLocation.last_error.is_not(None)),
            )
        ).one()
        waiting = _gauge("registry_cqc_locations_due", "CQC locations waiting to be asked about by the sync.")
        waiting.add_metric([], due)
        failing = _gauge("registry_cqc_locations_failing", "CQC locations whose last ask failed.")
        failing.add_metric([], failed)
        return [waiting, failing]


def _age(moment) -> float:
    """Seconds since ``moment`` (0 for None)."""
    return 0.0 if moment is None else max(0.0, (utcnow() - moment).total_seconds())
