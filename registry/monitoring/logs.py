"""Log lines as JSON objects (production) or text (a terminal), each with the request id when there is one.

``LOG_FORMAT=json`` writes one JSON object a line: ``time``, ``level``,
``logger``, ``message``, ``request_id``, the fields a caller passed with
``extra=`` (the request line's method, endpoint, status and duration), and
the traceback of an exception as ``exception``. The standard library's
``logging`` does it all; nothing else is needed.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from flask import Flask, g, has_app_context, has_request_context

from config.settings import ConfigurationError

# Every attribute a LogRecord has of its own; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Put the current request's id on each record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            rid = g.get("request_id") if has_app_context() and has_request_context() else None
            record.request_id = rid or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def make_handler(stream: TextIO, log_format: str) -> logging.Handler:
    """A handler writing to ``stream`` in ``log_format`` ("json" or "text"), with the request id on each line."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.registry_handler = True  # so a second app in the same process does not add another
    return handler


def init_app(app: Flask) -> None:
    """Log to standard error in ``LOG_FORMAT``, unless logging was set up already (by pytest, or a second app)."""
    if app.config["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigurationError(f"LOG_FORMAT must be json or text, not {app.config['LOG_FORMAT']!r}.")
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(make_handler(sys.stderr, app.config["LOG_FORMAT"]))
        root.setLevel(logging.INFO)
