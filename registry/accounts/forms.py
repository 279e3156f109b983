"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from registry.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from registry.forms import NoLinks, UKPostcode, at_most, single_line

ACCOUNT_TYPES = [
    ("recipient", lazy_gettext("I am looking for care (for myself or someone I support)")),
    ("pa", lazy_gettext("I am a personal assistant offering care")),
    ("organisation", lazy_gettext("I represent a care organisation or community business")),
]


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        description=lazy_gettext(
            "At least %(num)s characters. Three or four unrelated words are easy to remember and hard to guess.",
            num=MIN_PASSWORD_LENGTH,
        ),
        # Lets a password manager offer a strong password and remember it.
        render_kw={"autocomplete": "new-password"},
        validators=[
            InputRequired(lazy_gettext("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=lazy_gettext(
                    "Use between %(min)s and %(max)s characters.", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH
                ),
            ),
        ],
    )


def _email_field() -> EmailField:
    return EmailField(
        lazy_gettext("Email"),
        filters=[single_line],
        render_kw={"autocomplete": "email"},
        validators=[
            InputRequired(lazy_gettext("Enter your email address.")),
            Length(max=254),
            Email(lazy_gettext("Enter an email address like name@example.com."), check_deliverability=False),
        ],
    )


class SignUpForm(FlaskForm):
    account_type = RadioField(
        lazy_gettext("What brings you here?"),
        choices=ACCOUNT_TYPES,
        validators=[InputRequired(lazy_gettext("Choose one."))],
    )
    name = StringField(
        lazy_gettext("Your name (or your organisation's name)"),
        filters=[single_line],
        # The name goes into the confirmation email, sent to whatever address was typed.
        validators=[InputRequired(lazy_gettext("Enter a name.")), at_most(120), NoLinks()],
    )
    email = _email_field()
    password = _new_password_field(lazy_gettext("Password"))
    confirm = PasswordField(
        lazy_gettext("Repeat the password"),
        render_kw={"autocomplete": "new-password"},
        validators=[EqualTo("password", lazy_gettext("The passwords do not match."))],
    )


class SignInForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email"),
        filters=[single_line],
        validators=[InputRequired(lazy_gettext("Enter your email address."))],
    )
    password = PasswordField(lazy_gettext("Password"), validators=[InputRequired(lazy_gettext("Enter your password."))])
    remember = BooleanField(lazy_gettext("Keep me signed in on this device"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("Current password"),
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired(lazy_gettext("Enter your current password."))],
    )
    new_password = _new_password_field(lazy_gettext("New password"))
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        render_kw={"autocomplete": "new-password"},
        validators=[EqualTo("new_password", lazy_gettext("The passwords do not match."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    new_password = _new_password_field(lazy_gettext("New password"))
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        render_kw={"autocomplete": "new-password"},
        validators=[EqualTo("new_password", lazy_gettext("The passwords do not match."))],
    )


class AccountForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name"),
        filters=[single_line],
        render_kw={"autocomplete": "name"},
        validators=[InputRequired(lazy_gettext("Enter a name.")), at_most(120), NoLinks()],
    )
    home_postcode = StringField(
        lazy_gettext("Home postcode (optional)"),
        description=lazy_gettext("Where your searches start. Never shown to anyone."),
        filters=[single_line],
        render_kw={"autocomplete": "postal-code"},
        validators=[
            Optional(),
            Length(max=10, message=lazy_gettext("A postcode has at most 8 characters.")),
            UKPostcode(),
        ],
    )


class EnrolAuthenticatorForm(FlaskForm):
    code = StringField(
        lazy_gettext("The 6-digit code your app shows now"),
        filters=[single_line],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        validators=[InputRequired(lazy_gettext("Enter the 6-digit code from your authenticator app.")), Length(max=12)],
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        lazy_gettext("Code"),
        description=lazy_gettext("The 6 digits your authenticator app shows now, or one of your recovery codes."),
        filters=[single_line],
        render_kw={"autocomplete": "one-time-code"},
        validators=[
            InputRequired(lazy_gettext("Enter the code from your authenticator app, or a recovery code.")),
            Length(max=40),
        ],
    )
