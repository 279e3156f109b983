"""``/metrics``: the Prometheus exposition, for the bearer of ``METRICS_TOKEN`` only."""

from __future__ import annotations

from flask import abort, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from registry.monitoring.access import metrics_access
from registry.monitoring.collector import exposition


def metrics():
    status = metrics_access(request.headers.get("Authorization", ""), current_app.config.get("METRICS_TOKEN"))
    if status == 401:
        raise Unauthorized(www_authenticate=WWWAuthenticate("Bearer", {"realm": "metrics"}))
    if status != 200:
        abort(status)  # 404: the same answer as any unknown address, nothing says the registry has metrics
    body, content_type = exposition(current_app._get_current_object())
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
