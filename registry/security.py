"""Protections every response and request gets: security headers, caching rules.

Kept in one place so a view cannot forget them; a view that needs a
different framing or content policy sets its own header and this module
leaves it alone.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user

# A strict policy: no inline script or style, nothing from other origins, no
# plugins, no <base> tricks, forms post only to us, never framed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
])
# Turned off: nothing here uses them, and a stray script should not get them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)


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
