"""The staff sign-in's second step: enrol a factor (first time) or use one; thin wrappers around second_factor."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from registry.accounts import second_factor as factors
from registry.accounts import staff_session
from registry.accounts.forms import EnrolAuthenticatorForm, SecondFactorForm
from registry.extensions import limiter
from registry.forms import keeps_typed_text

ENROL_SECRET = "totp_enrol_secret"
CHALLENGE = "webauthn_challenge"
NEW_CODES = "recovery_codes_to_show"


def _limit() -> str:
    return current_app.config["SECOND_FACTOR_RATE_LIMIT"]


def _pending_key() -> str:
    """Codes tried count per account and client address (a stranger elsewhere cannot use them up)."""
    pending = session.get(staff_session.PENDING)
    user = pending.get("user", "") if isinstance(pending, dict) else ""
    return f"second-factor:{user.partition('.')[0]}:{get_remote_address()}"


def _account_limit() -> str:
    return current_app.config["SECOND_FACTOR_ACCOUNT_RATE_LIMIT"]


def _account_key() -> str:
    """Wrong codes on one account from any address (someone holding the password, guessing from many places)."""
    pending = session.get(staff_session.PENDING)
    user = pending.get("user", "") if isinstance(pending, dict) else ""
    return f"second-factor-account:{user.partition('.')[0]}"


def _refused(response) -> bool:
    return response.status_code in (400, 422)


def _limited(view):
    """Both second-factor limits, on every view that checks or starts a factor."""
    view = limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_refused)(view)
    return limiter.limit(_limit, key_func=_pending_key, methods=["POST"])(view)


def _home_after(user) -> str:
    from registry.accounts.views import home_for

    return staff_session.pending_next() or home_for(user)


def _signed_in(user, codes: list[str] | None = None) -> str:
    """Finish signing in; where the browser goes next (the new recovery codes first, if any)."""
    target = _home_after(user)
    staff_session.complete(user)
    if codes:
        session[NEW_CODES] = {"codes": codes, "next": target}
        return url_for("accounts.recovery_codes")
    return target


def _start_again():
    return redirect(url_for("accounts.sign_in"))


@keeps_typed_text
@_limited
def second_factor():
    """Verify: the authenticator app's code, a passkey (with JavaScript) or a recovery code."""
    user = staff_session.pending_user()
    if user is None:
        return _start_again()
    if not factors.has_second_factor(user):
        return redirect(url_for("accounts.enrol_second_factor"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        code = form.code.data
        if factors.verify_totp(user, code) or factors.use_recovery_code(user, code):
            return redirect(_signed_in(user))
        form.code.errors.append(gettext("That code is not right, or has been used already. Codes work once."))
    status = 422 if form.errors else 200
    return render_template(
        "accounts/second_factor.html",
        form=form,
        user=user,
        has_totp=factors.totp_factor(user) is not None,
        has_passkey=bool(factors.passkeys(user)),
    ), status


@keeps_typed_text
@_limited
def enrol_second_factor():
    """First sign-in (or after an admin's reset): set up an authenticator app or a passkey."""
    user = staff_session.pending_user()
    if user is None:
        return _start_again()
    if factors.has_second_factor(user):
        return redirect(url_for("accounts.second_factor"))
    secret = session.get(ENROL_SECRET)
    if not secret:
        secret = session[ENROL_SECRET] = factors.new_totp_secret()
    form = EnrolAuthenticatorForm()
    if form.validate_on_submit():
        try:
            factors.enrol_totp(user, secret, form.code.data)
        except factors.SecondFactorError as error:
            form.code.errors.append(str(error))
        else:
            codes = factors.new_recovery_codes(user)
            session.pop(ENROL_SECRET, None)
            return redirect(_signed_in(user, codes))
    uri = factors.totp_uri(user, secret)
    status = 422 if form.errors else 200
    return render_template(
        "accounts/enrol_second_factor.html",
        form=form,
        user=user,
        secret=secret,
        uri=uri,
        qr=factors.qr_svg(uri),
    ), status


def recovery_codes():
    """The recovery codes just made, shown this once."""
    shown = session.pop(NEW_CODES, None)
    if not isinstance(shown, dict):
        return redirect(url_for("main.index"))
    return render_template("accounts/recovery_codes.html", codes=shown["codes"], next_url=shown["next"])


# -- passkeys: JSON for static/passkeys.js ---------------------------------------


def _json_refusal(message: str, status: int = 400):
    return jsonify(error={"code": "second_factor_refused", "message": message}), status


@_limited
def passkey_registration_options():
    user = staff_session.pending_user()
    if user is None or factors.has_second_factor(user):
        return _json_refusal("Sign in again to set up a passkey.", 401)
    options, challenge = factors.registration_options(user)
    session[CHALLENGE] = bytes_to_base64url(challenge)
    return current_app.response_class(options, mimetype="application/json")


@_limited
def register_passkey():
    user = staff_session.pending_user()
    challenge = session.pop(CHALLENGE, None)
    if user is None or factors.has_second_factor(user):
        return _json_refusal("Sign in again to set up a passkey.", 401)
    body = request.get_json(silent=True) or {}
    if not challenge or not isinstance(body.get("credential"), dict):
        return _json_refusal("Start again: press the button to set up your passkey.")
    try:
        factors.register_passkey(user, body["credential"], base64url_to_bytes(challenge), str(body.get("name") or ""))
    except factors.SecondFactorError as error:
        return _json_refusal(str(error))
    codes = factors.new_recovery_codes(user)
    return jsonify(redirect=_signed_in(user, codes))


@_limited
def passkey_options():
    user = staff_session.pending_user()
    if user is None or not factors.passkeys(user):
        return _json_refusal("Sign in again.", 401)
    options, challenge = factors.authentication_options(user)
    session[CHALLENGE] = bytes_to_base64url(challenge)
    return current_app.response_class(options, mimetype="application/json")


@_limited
def verify_passkey():
    user = staff_session.pending_user()
    challenge = session.pop(CHALLENGE, None)
    if user is None:
        return _json_refusal("Sign in again.", 401)
    body = request.get_json(silent=True) or {}
    if not challenge or not isinstance(body.get("credential"), dict):
        return _json_refusal("Start again: press the button to use your passkey.")
    if not factors.verify_passkey(user, body["credential"], base64url_to_bytes(challenge)):
        return _json_refusal("That passkey was not accepted. Try again, or use a code.")
    return jsonify(redirect=_signed_in(user))
