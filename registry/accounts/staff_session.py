"""Staff sign-in: the password opens only the second-factor step; staff sessions end on the server.

For officers, admins and commissioners the right password does not call
``login_user``: it records a *pending* sign-in in the session (the account and
its session epoch, when, and where to go next), good for
``SECOND_FACTOR_PENDING_MINUTES``. Until a second factor completes it the
browser is anonymous, so every staff page and API sends it back to the
second-factor page (see :func:`unauthorized`) and nothing a signed-in page
shows is reachable.

Completing it signs in without a "keep me signed in" cookie and stamps the
session with the sign-in time and the time of the last request; every request
checks both (``STAFF_IDLE_MINUTES``, ``STAFF_SESSION_HOURS``). The session
cookie is signed, so the times cannot be rewritten by the client, and a
copied older cookie carries the same sign-in time.
"""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_login.utils import login_url

from registry import models
from registry.accounts.models import User, load_user
from registry.extensions import login_manager

PENDING = "second_factor_pending"
SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"
# Endpoints a pending or expiring sign-in may still reach.
_OPEN_ENDPOINTS = {"static", "accounts.sign_out"}


def _now() -> float:
    return models.utcnow().timestamp()


def begin(user: User, next_url: str | None) -> None:
    """The password was right for a staff account: the second factor comes next."""
    session.pop(PENDING, None)
    session[PENDING] = {"user": user.get_id(), "at": _now(), "next": next_url}


def pending_user() -> User | None:
    """The staff account whose password this browser gave, while its second-factor step is open."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if _now() - float(pending.get("at", 0)) > current_app.config["SECOND_FACTOR_PENDING_MINUTES"] * 60:
        session.pop(PENDING, None)
        return None
    user = load_user(str(pending.get("user", "")))
    if user is None or not user.is_active or not user.needs_second_factor:
        session.pop(PENDING, None)
        return None
    return user


def pending_next() -> str | None:
    pending = session.get(PENDING)
    return pending.get("next") if isinstance(pending, dict) else None


def complete(user: User) -> None:
    """The second factor is right: sign in (never remembered) and start the session's clocks."""
    session.pop(PENDING, None)
    login_user(user, remember=False)
    # A CSRF token seen before signing in must not work afterwards.
    session.pop("csrf_token", None)
    now = _now()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def forget() -> None:
    for key in (PENDING, SIGNED_IN_AT, SEEN_AT):
        session.pop(key, None)


def _wants_json() -> bool:
    from registry.errors import wants_json

    return wants_json()


def enforce_staff_session():
    """Before every request: end a staff session that is idle too long, too old, or was never second-factored."""
    if request.endpoint in _OPEN_ENDPOINTS or not current_user.is_authenticated:
        return None
    if not current_user.needs_second_factor:
        return None
    now = _now()
    config = current_app.config
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if signed_in_at is None or seen_at is None:
        # Restored from a "keep me signed in" cookie issued before staff needed a
        # second factor, or any other way round complete(): not a staff session.
        why = "Please sign in again: staff accounts now need a second factor."
    elif now - float(seen_at) > config["STAFF_IDLE_MINUTES"] * 60:
        why = (
            f"You were signed out after {config['STAFF_IDLE_MINUTES']} minutes without activity. Please sign in again."
        )
    elif now - float(signed_in_at) > config["STAFF_SESSION_HOURS"] * 3600:
        why = f"Staff sessions last at most {config['STAFF_SESSION_HOURS']} hours. Please sign in again."
    else:
        session[SEEN_AT] = now
        return None
    logout_user()
    forget()
    if _wants_json():
        return jsonify(error={"code": "session_ended", "message": why}), 401
    flash(why, "info")
    return redirect(login_url("accounts.sign_in", next_url=request.url))


@login_manager.unauthorized_handler
def unauthorized():
    """A page needing a signed-in account: to the second-factor step if one is open, else to sign in."""
    if session.get(PENDING) is not None and pending_user() is not None:
        if _wants_json():
            message = "Finish signing in with your second factor first."
            return jsonify(error={"code": "second_factor_required", "message": message}), 401
        return redirect(url_for("accounts.second_factor"))
    # Flask-Login's own behaviour, unchanged for everyone else.
    if login_manager.login_message:
        flash(login_manager.login_message, category=login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))
