"""Which browsers each account signs in from, to notice one person behind two accounts.

Signing in gives the browser a random id in the device cookie (kept across
sign-outs) and records a hash of it against the account. The network address
is never used: behind shared or forwarded addresses it says nothing, and
``X-Forwarded-For`` is whatever the client wrote.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import Response, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from registry.accounts.models import AccountDevice, User
from registry.extensions import db
from registry.models import utcnow

# secrets.token_urlsafe(24) gives 32 characters; anything else is not one of ours.
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{32}")


def device_id_from_request() -> str | None:
    """The id in this browser's device cookie, if it carries a well-formed one."""
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"], "")
    return value if _DEVICE_ID.fullmatch(value) else None


def new_device_id() -> str:
    return secrets.token_urlsafe(24)


def _hash(device_id: str) -> str:
    return hashlib.sha256(device_id.encode("ascii")).hexdigest()


def remember_device(user: User, device_id: str) -> None:
    """Record that ``user`` used the browser with ``device_id`` (flushes, never commits)."""
    device_hash = _hash(device_id)
    row = db.session.scalar(
        select(AccountDevice).where(AccountDevice.user_id == user.id, AccountDevice.device_hash == device_hash)
    )
    if row is not None:
        row.last_seen_at = utcnow()
        db.session.flush()
        return
    try:
        # Two sign-ins at once from one browser may both insert; the second keeps the first's row.
        with db.session.begin_nested():
            db.session.add(AccountDevice(user_id=user.id, device_hash=device_hash))
    except IntegrityError:
        pass


def signed_in_before(email: str, device_id: str | None) -> bool:
    """Whether the browser with ``device_id`` has signed in to the account with ``email`` before."""
    if not device_id:
        return False
    from registry.accounts.services import normalise_email

    found = db.session.scalar(
        select(AccountDevice.id)
        .join(User, User.id == AccountDevice.user_id)
        .where(User.email == normalise_email(email), AccountDevice.device_hash == _hash(device_id))
        .limit(1)
    )
    return found is not None


def set_device_cookie(response: Response, device_id: str) -> None:
    config = current_app.config
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        device_id,
        max_age=config["DEVICE_COOKIE_DAYS"] * 86400,
        secure=bool(config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


def share_a_device(user_id: int, other_user_id: int) -> bool:
    """Whether the two accounts were ever signed in on the same browser."""
    mine, theirs = aliased(AccountDevice), aliased(AccountDevice)
    shared = db.session.scalar(
        select(mine.id)
        .join(theirs, theirs.device_hash == mine.device_hash)
        .where(mine.user_id == user_id, theirs.user_id == other_user_id)
        .limit(1)
    )
    return shared is not None
