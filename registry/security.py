"""Protections every response and request gets: security headers, caching rules.

Kept in one place so a view cannot forget them; a view that needs a
different framing or content policy sets its own header and this module
leaves it alone.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, Request, Response, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

View = TypeVar("View", bound=Callable)

# A strict policy: no inline script or style, nothing from other origins, no
# plugins, no <base> tricks, forms post only to us, never framed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
# Turned off: nothing here uses them, and a stray script should not get them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def init_app(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXY_COUNT") or 0
    if proxies:
        # Only the last `proxies` X-Forwarded-For entries were written by our
        # own proxies; anything before them is whatever the client sent. The
        # rate limits and session protection read request.remote_addr.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.request_class = RegistryRequest
    app.after_request(set_security_headers)


def accepts_upload(view: View) -> View:
    """Mark a view that takes a file: its body may reach MAX_UPLOAD_REQUEST_BYTES.

    Put it under ``@bp.route`` and above decorators that use ``functools.wraps``.
    """
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


class RegistryRequest(Request):
    """A request whose body limit depends on the view it is routed to."""

    @property
    def max_content_length(self) -> int | None:
        # Decided per view before anything (CSRF included) reads the body.
        if self._max_content_length is None and current_app and self.url_rule is not None:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            if getattr(view, "accepts_upload", False):
                return current_app.config["MAX_UPLOAD_REQUEST_BYTES"]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Reset and invitation links carry tokens in the path: never send them on.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    hsts = current_app.config.get("HSTS_SECONDS")
    if hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
    # A signed-in page may show checks, concerns or contact details: a shared
    # computer's back button or cache must not show it to the next person.
    if request.endpoint != "static" and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    return response
