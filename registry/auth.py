"""Access rules for views: who may open what."""

from __future__ import annotations

from functools import wraps
from hashlib import sha512
from urllib.parse import urlsplit

from flask import abort, render_template, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from registry.extensions import login_manager

login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


def _session_identifier() -> str:
    """The client fingerprint "strong" session protection compares on every request.

    Flask-Login's own takes the first ``X-Forwarded-For`` entry, which any
    client can write, so a thief could replay a stolen cookie with the
    victim's address in that header. ``request.remote_addr`` is the socket's
    address, or what ProxyFix took from our own trusted proxies only.
    """
    fingerprint = f"{request.remote_addr}|{request.headers.get('User-Agent', '')}"
    return sha512(fingerprint.encode("utf-8")).hexdigest()


# Flask-Login has no public setting for this; the session tests pin the behaviour.
login_manager._session_identifier_generator = _session_identifier


def signed_in_key() -> str:
    """Rate limits for signed-in actions count per account, not per shared address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def role_required(*roles: str):
    """Anonymous visitors go to sign in; signed-in users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def verified_email_required(view):
    """Signed-in accounts that have not confirmed their email get a page asking them to (403).

    Enquiries, reviews and concerns carry the registry's word that a real,
    reachable person sent them. Put it below ``role_required`` / ``login_required``.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and not current_user.email_verified:
            return render_template("accounts/verify_first.html"), 403
        return view(*args, **kwargs)

    return wrapped


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
