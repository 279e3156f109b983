"""Links that leave the site (emails): always built from ``PUBLIC_URL``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute address of ``endpoint`` on the registry's public site.

    Unlike ``url_for(_external=True)`` this never looks at the request, so a
    request sent with a forged ``Host`` header cannot put an attacker's
    domain into a password-reset or invitation email. Works outside a request
    too (CLI commands, cron jobs).
    """
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
