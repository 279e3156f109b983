"""What operators watch: /metrics for Prometheus, a request id on every request, one JSON log line each.

- :mod:`.requests`: each request's id (from a trusted ``X-Request-ID`` or
  made here), its time in the latency histogram, and its log line;
- :mod:`.logs`: the log format (JSON in production) with the request id on
  every line logged while a request runs;
- :mod:`.collector`: the figures read from the database at scrape time;
- :mod:`.views`: ``/metrics``, only for a bearer of ``METRICS_TOKEN`` (:mod:`.access`);
- :mod:`.worker_metrics`: ``flask worker --metrics-port``, the worker's own counts.
"""

import os

from flask import Blueprint, Flask

bp = Blueprint("monitoring", __name__)


def init_app(app: Flask) -> None:
    """Hook request ids, timing and the request log line into ``app``, and set up its logging.

    Called before the other extensions add their before-request functions, so
    a request they refuse (a CSRF failure, a rate limit) still has its id and
    its time.
    """
    from registry.monitoring import logs, requests

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        # Any process of the app may count (a job in `flask worker`, a command): each writes its own files there.
        os.makedirs(folder, exist_ok=True)
    logs.init_app(app)
    requests.init_app(app)
