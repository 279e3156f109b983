"""Account rules: sign-up, authentication, passwords, password reset.

Services flush but never commit; the caller owns the transaction.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import after_this_request, current_app, has_request_context
from flask.signals import Namespace
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from registry import audit
from registry.accounts.models import Role, User
from registry.extensions import db
from registry.links import public_url_for
from registry.mail import send_email
from registry.models import utcnow
from registry.unitofwork import Refusal

log = logging.getLogger(__name__)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


class AccountError(Refusal):
    """A rule about accounts was broken; the message is safe to show."""


class EmailTaken(AccountError):
    pass


class WrongPassword(AccountError):
    pass


class InvalidResetLink(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class InvalidVerificationLink(AccountError):
    pass


def _hasher() -> PasswordHasher:
    if current_app.config.get("ARGON2_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache(maxsize=2)
def _dummy_hash(fast: bool) -> str:
    """A hash of nothing anyone knows, made once per hashing cost.

    Sign-in verifies against it when the email is unknown, so a wrong email
    costs exactly what a wrong password costs: one verification.
    """
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
    return hasher.hash("no account has this password")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 passwords seen most often in breaches.
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_new_password(password: str, email: str = "", name: str = "") -> None:
    """Refuse a password attackers would guess first; raises :class:`WeakPassword`.

    Length is the form's job; this catches the common ones ("qwertyuiop",
    "password123") and very guessable ones (repeats, keyboard rows, the
    account's own email or name), as OWASP ASVS 2.1.7 asks.
    """
    if password.lower() in _common_passwords():
        raise WeakPassword(
            gettext("This is one of the most common passwords, which attackers try first. Choose another.")
        )
    # zxcvbn refuses input beyond 72 characters; a longer password is not a guessable one anyway.
    inputs = [part for part in (email, email.split("@")[0], name, "trusted care registry") if part]
    if zxcvbn(password[:72], user_inputs=inputs)["score"] < 2:
        raise WeakPassword(
            gettext(
                "This password would be easy to guess (repeated characters, a keyboard pattern, "
                "or your own name or email). Try three or four unrelated words."
            )
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def mailbox(email: str) -> str:
    """The mailbox an address delivers to: case and plus-addressing ignored.

    ``Kim+reviews@Example.com`` and ``kim@example.com`` both reach Kim.
    """
    local, _, domain = normalise_email(email).rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def email_domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str, password: str, name: str, role: Role, password_hash: str | None = None, email_verified: bool = True
) -> User:
    """Create an account; raises :class:`EmailTaken` if the email is in use.

    ``password_hash`` lets bulk callers (the demo seed) reuse one hash of
    ``password``. Accounts made by an admin (CLI) or the seed count as
    verified; self-registration (:func:`sign_up`) passes ``email_verified=False``.
    """
    if find_user_by_email(email):
        raise EmailTaken(gettext("An account with this email already exists. Sign in or reset your password."))
    if password_hash is None:
        check_new_password(password, email, name)
    user = User(
        email=normalise_email(email),
        password_hash=password_hash or hash_password(password),
        name=name.strip(),
        role=role,
        email_verified_at=utcnow() if email_verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def sign_up(email: str, password: str, name: str, role: Role) -> User | None:
    """Self-registration of a recipient or provider account (registry/composed/sign_up.py adds a provider's draft profile).

    Returns the new, unverified account after emailing it a confirmation
    link. If the email already has an account, nothing is created: its owner
    is emailed instead and None is returned. Both cases cost the same hashing
    work, so the caller can answer alike and no one learns which emails have
    accounts.
    """
    check_new_password(password, email, name)
    existing = find_user_by_email(email)
    if existing is not None:
        hash_password(password)  # the work a new account costs
        _tell_already_registered(existing)
        return None
    user = create_user(email, password, name, role, email_verified=False)
    send_verification(user)
    return user


def _verification_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="verify-email")


def send_verification(user: User) -> None:
    """Email the link that confirms ``user`` owns their email address."""
    # The email is in the token, so a link only confirms the address it was sent to.
    token = _verification_serializer().dumps({"id": user.id, "email": user.email})
    link = public_url_for("accounts.verify_email", token=token)
    days = current_app.config["VERIFY_EMAIL_MAX_AGE"] // 86400
    send_email(user.email, "accounts/verify_email", name=user.name, link=link, days=days)


def _tell_already_registered(user: User) -> None:
    send_email(user.email, "accounts/already_registered", name=user.name)


def verify_email(token: str) -> User:
    """Mark the account the link was sent to as verified; raises :class:`InvalidVerificationLink`."""
    try:
        data = _verification_serializer().loads(token, max_age=current_app.config["VERIFY_EMAIL_MAX_AGE"])
    except SignatureExpired:
        raise InvalidVerificationLink(
            gettext("This confirmation link has expired. Sign in and ask for a new one.")
        ) from None
    except BadSignature:
        raise InvalidVerificationLink(gettext("This confirmation link is not valid.")) from None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.email != data.get("email"):
        raise InvalidVerificationLink(gettext("This confirmation link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None.

    An unknown email still costs one hash verification, so response time
    does not tell which emails have accounts.
    """
    user = find_user_by_email(email)
    hasher = _hasher()
    try:
        if user is None:
            hasher.verify(_dummy_hash(bool(current_app.config.get("ARGON2_FAST"))), password)
            return None
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_all_sessions(user: User) -> None:
    """Sign the account out everywhere: every session and remember cookie stops working."""
    user.session_epoch += 1
    db.session.flush()


# Sent when an account closes, in the same transaction. The listing rule
# (registry/checks/listing.py, above this package) subscribes: a closed
# provider account leaves search, the feed and every profile surface at once.
account_deactivated = Namespace().signal("account-deactivated")


def deactivate_account(user: User, actor: User | None, how: str = "web", own_request: bool = False) -> None:
    """Close an account: it cannot sign in and every session ends at once; its past actions stay attributed to it.

    ``actor`` is the admin (None from the command line), or the account itself
    when it asks to be closed and erased (``own_request``); audited in the same transaction.
    """
    if not user.active:
        raise AccountError(f"{user.email} is already deactivated.")
    if actor is not None and actor.id == user.id and not own_request:
        raise AccountError("You cannot deactivate your own account.")
    user.active = False
    end_all_sessions(user)
    account_deactivated.send(user)
    audit.record(
        "account.deactivated",
        user,
        actor_id=actor.id if actor else None,
        details={"email": user.email, "role": user.role, "via": how},
    )


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the account's password (for confirming a serious step, such as erasure)."""
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one; ends every session.

    The caller signs the current device in again if it should stay signed in.
    """
    try:
        _hasher().verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise WrongPassword(gettext("Your current password is not right.")) from None
    check_new_password(new_password, user.email, user.name)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # Binding the token to the current hash makes it single-use: once the
    # password changes, every earlier link stops working.
    return _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way.

    In a request nothing is looked up, signed, rendered or written until the
    response has gone (the server closes it, then this runs): the request
    does exactly the same work for a registered email as for an unknown one,
    so neither its answer nor its timing tells them apart. Outside a request
    (a command) the email is queued at once, in the caller's transaction.
    """
    if not has_request_context():
        _email_reset_link(email)
        return
    app = current_app._get_current_object()

    def after_the_response() -> None:
        with app.app_context():
            try:
                _email_reset_link(email)
                db.session.commit()
            except Exception:  # the person already has their answer; the log says what went wrong
                db.session.rollback()
                log.exception("password reset email not queued")

    @after_this_request
    def _when_sent(response):
        response.call_on_close(after_the_response)
        return response


def _email_reset_link(email: str) -> None:
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = public_url_for("accounts.reset_password", token=make_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_email(user.email, "accounts/reset_password", name=user.name, link=link, minutes=minutes)


def user_for_reset_token(token: str) -> User:
    """The user a reset link belongs to; raises :class:`InvalidResetLink`."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise InvalidResetLink(gettext("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidResetLink(gettext("This reset link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise InvalidResetLink(gettext("This reset link has already been used. Ask for a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; whoever had the account is signed out everywhere."""
    user = user_for_reset_token(token)
    check_new_password(new_password, user.email, user.name)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    return user


def update_account(user: User, name: str, home_postcode: str | None) -> None:
    user.name = name.strip()
    user.home_postcode = home_postcode or None
    db.session.flush()
