"""The figures the registry counts as it runs, for Prometheus (``/metrics``, served by :mod:`registry.monitoring`).

These are the counts that only the process doing the work knows: each
request's time, each job's runs, each DBS status check's and CQC location
sync's outcome. What the database already knows (the mail queue, the search
index's lag, when each job last succeeded) is read at scrape time instead
(:mod:`registry.monitoring.collector`), so no process has to keep it.

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` set before the start makes
prometheus-client keep these in files there, one per process, which
``/metrics`` adds up whichever worker answers (``deploy/gunicorn.conf.py``).

Every label takes a bounded set of values: Flask endpoint names (never a
raw path), status classes, job names and outcome codes.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# From a cached page (a few ms) to a page a slow dependency held up (the gunicorn timeout is 60 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint and status class (2xx, 3xx, 4xx, 5xx).",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
)
JOB_RUNS = Counter(
    "registry_job_runs_total",
    "Scheduled job runs in this process, by job and outcome (ok, failed).",
    ["job_name", "outcome"],
)
DBS_STATUS_CHECKS = Counter(
    "registry_dbs_status_checks_total",
    "DBS Update Service status checks asked, by outcome (current, needs_assessment, new_information, no_match, "
    "failed: no answer).",
    ["outcome"],
)
CQC_LOCATION_SYNCS = Counter(
    "registry_cqc_location_syncs_total",
    "CQC locations asked about by the sync, by outcome (ok, failed).",
    ["outcome"],
)


def status_class(code: int) -> str:
    """``404`` -> ``"4xx"``."""
    return f"{code // 100}xx"
