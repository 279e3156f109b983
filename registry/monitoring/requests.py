"""Each request's id, time and log line.

The id comes from the ``X-Request-ID`` header when ``TRUST_REQUEST_ID_HEADER``
is set (a proxy in front sets it on every request) and the value looks like
an id; otherwise it is made here. It goes back in the ``X-Request-ID``
response header, onto every log line written while the request runs
(:mod:`.logs`), and onto the 500 page, so a person who quotes it leads an
operator to the crash's log line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, current_app, g, request

from registry.metrics import REQUEST_SECONDS, status_class

log = logging.getLogger("registry.requests")
HEADER = "X-Request-ID"
# A UUID, a proxy's or load balancer's id (Caddy's, AWS's "Root=1-..."): letters, digits and . _ : = -, no spaces.
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=-]{7,127}")


def request_id() -> str | None:
    """The current request's id (None outside a request, or before the id was given)."""
    return g.get("request_id")


def _incoming_id() -> str | None:
    if not current_app.config.get("TRUST_REQUEST_ID_HEADER"):
        return None
    given = request.headers.get(HEADER, "")
    return given if VALID_ID.fullmatch(given) else None


def start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _incoming_id() or uuid.uuid4().hex


def finish_request(response):
    """Time the request, log its line and return its id in the response header.

    A streamed response (the feed's ndjson export) is timed to its first byte: the view has returned, the
    body is still to come.
    """
    started = g.pop("request_started", None)
    if started is None:  # a request whose start hook did not run (another before-request answered first)
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"  # an address no rule matched: one label, not one per path
    REQUEST_SECONDS.labels(endpoint, status_class(response.status_code)).observe(seconds)
    response.headers[HEADER] = g.request_id
    log.info(
        "%s %s %s %.1f ms",
        request.method,
        endpoint,
        response.status_code,
        seconds * 1000,
        # Never the path or query: a reset link's token or a searched postcode must not reach the logs.
        extra={
            "method": request.method,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
    return response


def init_app(app: Flask) -> None:
    # First of every before-request function (see monitoring.init_app); after-request functions run in
    # reverse, so this one runs after every view and handler but before compression.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
