"""Sign-up: an account and, for a provider (organisation or PA), its draft profile."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from registry.accounts import services as accounts
from registry.accounts.forms import SignUpForm
from registry.accounts.models import Role, User
from registry.accounts.views import home_for, sign_up_limit
from registry.extensions import limiter
from registry.forms import keeps_typed_text
from registry.providers.services import create_draft_profile


def sign_up(email: str, password: str, name: str, account_type: str) -> User | None:
    """Register a recipient, or a provider with a draft profile, in one transaction.

    ``account_type`` is ``recipient`` or a provider kind. Returns None when
    the email already had an account (its owner is emailed instead; see
    :func:`registry.accounts.services.sign_up`).
    """
    role = Role.RECIPIENT if account_type == Role.RECIPIENT else Role.PROVIDER
    user = accounts.sign_up(email, password, name, role)
    if user is not None and role == Role.PROVIDER:
        create_draft_profile(user, kind=account_type, display_name=name)
    return user


@keeps_typed_text
@limiter.limit(sign_up_limit, methods=["POST"])
def sign_up_page():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            sign_up(form.email.data, form.password.data, form.name.data, form.account_type.data)
        except accounts.WeakPassword as error:
            form.password.errors.append(str(error))
        else:
            # The same answer whether the email was new or already had an
            # account (its owner got an email saying so): sign-up does not
            # tell anyone which emails are registered.
            flash(
                gettext(
                    "Thank you. We have sent an email to %(email)s: open the link in it to confirm "
                    "your address, then sign in.",
                    email=form.email.data,
                ),
                "success",
            )
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/sign_up.html", form=form), 200 if request.method == "GET" else 422
