"""``/metrics``: the Prometheus exposition, for the bearer of ``METRICS_TOKEN`` only."""

from __future__ import annotations

import hmac

from flask import abort, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from registry.monitoring.collector import exposition


def _require_token() -> None:
    """404 when metrics are off (no token set), 401 without a bearer token, 403 with a wrong one."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)  # the same answer as any unknown address: nothing says the registry has metrics
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized(www_authenticate=WWWAuthenticate("Bearer", {"realm": "metrics"}))
    # Constant-time, so the time to refuse does not tell how much of a guess was right.
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        abort(403)


def metrics():
    _require_token()
    body, content_type = exposition(current_app._get_current_object())
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
