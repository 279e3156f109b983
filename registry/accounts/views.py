"""Account pages: thin wrappers around accounts.services."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from registry.accounts import devices, services, staff_session
from registry.accounts.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from registry.accounts.models import Role
from registry.auth import safe_next_url
from registry.extensions import limiter
from registry.forms import keeps_typed_text
from registry.i18n import N_
from registry.unitofwork import refused


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def sign_up_limit() -> str:
    return current_app.config["SIGN_UP_RATE_LIMIT"]


def _sign_in_email_limit() -> str:
    return current_app.config["SIGN_IN_EMAIL_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_email_limit() -> str:
    return current_app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"]


def _email_key() -> str:
    """Attempts on one account count together from every address (distributed guessing)."""
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _sign_in_account_address_limit() -> str:
    return current_app.config["SIGN_IN_ACCOUNT_ADDRESS_RATE_LIMIT"]


def _account_address_key() -> str:
    """Failed sign-ins on one account from one client address."""
    return f"{_email_key()}|{get_remote_address()}"


def _failed(response) -> bool:
    """Only refused sign-ins count towards the per-account limits; signing in never locks anyone out."""
    return response.status_code == 422


def _from_a_known_browser() -> bool:
    """The browser carries the device cookie of an earlier sign-in to this very account.

    A stranger's failed guesses from elsewhere do not stop the owner's own
    browser: the per-account limit applies only to browsers the account has
    never signed in on.
    """
    return devices.signed_in_before(request.form.get("email", ""), devices.device_id_from_request())


# Each role's own page: where it lands after signing in, and the first link of the header on every page.
HOMES: dict[str, tuple[str, str]] = {
    Role.RECIPIENT: ("main.index", N_("Find care")),
    Role.PROVIDER: ("providers.dashboard", N_("Your dashboard")),
    Role.OFFICER: ("main.staff_home", N_("Officer console")),
    Role.ADMIN: ("main.staff_home", N_("Officer console")),
    Role.COMMISSIONER: ("councils.home", N_("Your council lists")),
}


def home_link(user) -> tuple[str, str]:
    """The URL and link text (in the page's language) of ``user``'s own page."""
    endpoint, label = HOMES.get(user.role, HOMES[Role.RECIPIENT])
    return url_for(endpoint), gettext(label)


def home_for(user) -> str:
    """Where a user lands after signing in: their role's own page."""
    return home_link(user)[0]


@keeps_typed_text
@limiter.limit(_sign_in_limit, methods=["POST"])
@limiter.limit(_sign_in_account_address_limit, key_func=_account_address_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(
    _sign_in_email_limit,
    key_func=_email_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_a_known_browser,
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            device_id = devices.device_id_from_request() or devices.new_device_id()
            devices.remember_device(user, device_id)
            if user.needs_second_factor:
                # Staff: the password opens only the second-factor step, never a
                # session, and "keep me signed in" does not apply to them.
                staff_session.begin(user, safe_next_url(request.args.get("next")))
                response = redirect(url_for("accounts.second_factor"))
                devices.set_device_cookie(response, device_id)
                return response
            login_user(user, remember=form.remember.data)
            # A CSRF token seen before signing in (e.g. planted by someone
            # with the browser earlier) must not work afterwards.
            session.pop("csrf_token", None)
            response = redirect(safe_next_url(request.args.get("next")) or home_for(user))
            devices.set_device_cookie(response, device_id)
            return response
        form.form_errors.append(gettext("That email and password do not match an account."))
    status = 200 if request.method == "GET" else 422
    return render_template("accounts/sign_in.html", form=form), status


def sign_out():
    if current_user.is_authenticated:
        # Signing out also ends the account's sessions on every other device
        # and every "keep me signed in" cookie, e.g. one left on a shared computer.
        services.end_all_sessions(current_user)
    logout_user()
    staff_session.forget()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("main.index"))


@keeps_typed_text
@login_required
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        services.update_account(current_user, form.name.data, form.home_postcode.data)
        flash(gettext("Your details are saved."), "success")
        return redirect(url_for("accounts.account"))
    status = 422 if form.errors else 200
    return render_template("accounts/account.html", form=form), status


@keeps_typed_text
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.WrongPassword as error:
            form.current_password.errors.append(str(error))
        except services.WeakPassword as error:
            form.new_password.errors.append(str(error))
        else:
            # Every session has just ended; sign this device in again under the
            # new epoch, keeping its "keep me signed in" cookie if it had one.
            remembered = (
                current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
                and not current_user.needs_second_factor
            )
            login_user(current_user._get_current_object(), remember=remembered)
            flash(gettext("Your password has been changed."), "success")
            return redirect(url_for("accounts.account"))
    status = 422 if form.errors else 200
    return render_template("accounts/change_password.html", form=form), status


@keeps_typed_text
@limiter.limit(_reset_limit, methods=["POST"])
# Counted whether or not the email has an account, so the limit itself tells nothing.
@limiter.limit(_reset_email_limit, key_func=_email_key, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(gettext("If an account uses that email, we have sent it a link to reset the password."), "info")
        return redirect(url_for("accounts.sign_in"))
    status = 422 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


def verify_email(token: str):
    """The link in the confirmation email; it confirms the address but does not sign in."""
    try:
        services.verify_email(token)
    except services.InvalidVerificationLink as error:
        refused(error)
        return redirect(url_for("accounts.account" if current_user.is_authenticated else "accounts.sign_in"))
    flash(gettext("Thank you: your email address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("accounts.sign_in"))


@login_required
@limiter.limit(sign_up_limit)
def resend_verification():
    if not current_user.email_verified:
        services.send_verification(current_user)
    flash(gettext("We have sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    return redirect(safe_next_url(request.form.get("next")) or url_for("accounts.account"))


@keeps_typed_text
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except services.InvalidResetLink as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data)
        except services.WeakPassword as error:
            form.new_password.errors.append(str(error))
        else:
            flash(gettext("Your password has been reset. Please sign in."), "success")
            return redirect(url_for("accounts.sign_in"))
    status = 422 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form), status
