"""The worker's own counts, served beside it: ``flask worker --metrics-port 9100``.

Job runs and DBS and CQC asks are counted in the process that runs them,
``flask worker``. Where the worker shares ``PROMETHEUS_MULTIPROC_DIR`` with the
node's gunicorn, the node's ``/metrics`` adds them up already; where it runs
apart (its own container, as in ``deploy/compose.yaml``) this small server
lets Prometheus read them, with the same bearer token as ``/metrics``. It
serves only this process's counters: the database's figures come from the
web nodes, once.
"""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.exposition import ThreadingWSGIServer

from config.settings import ConfigurationError
from registry.monitoring.access import metrics_access

_REASONS = {200: "200 OK", 401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found"}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        """A scrape every 15 seconds is not worth a log line."""


def metrics_wsgi_app(token: str):
    """A WSGI app answering ``GET /metrics`` with this process's metrics, for the bearer of ``token`` only."""

    def answer(environ, start_response):
        status = metrics_access(environ.get("HTTP_AUTHORIZATION", ""), token)
        if environ.get("PATH_INFO") != "/metrics":
            status = 404
        elif status == 200 and environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            status = 405
        if status != 200:
            headers = [("Content-Type", "text/plain; charset=utf-8")]
            if status == 401:
                headers.append(("WWW-Authenticate", 'Bearer realm="metrics"'))
            reason = _REASONS.get(status, "405 Method Not Allowed")
            start_response(reason, headers)
            return [reason.encode() + b"\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Cache-Control", "no-store")])
        return [generate_latest(REGISTRY)]

    return answer


def serve(app: Flask, port: int, host: str = "0.0.0.0") -> ThreadingWSGIServer:
    """Serve this process's metrics on ``host:port`` from a background thread; returns the server (to shut down)."""
    token = app.config.get("METRICS_TOKEN")
    if not token:
        raise ConfigurationError(
            "--metrics-port needs METRICS_TOKEN: the worker's metrics are served to its bearer only."
        )
    server = make_server(host, port, metrics_wsgi_app(token), ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server
