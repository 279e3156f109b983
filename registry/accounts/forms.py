"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from registry.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from registry.forms import NoLinks, UKPostcode, at_most, single_line

ACCOUNT_TYPES = [
    ("recipient", "I am looking for care (for myself or someone I support)"),
    ("pa", "I am a personal assistant offering care"),
    ("organisation", "I represent a care organisation or community business"),
]


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Three or four unrelated words are easy to remember and hard to guess.",
        # Lets a password manager offer a strong password and remember it.
        render_kw={"autocomplete": "new-password"},
        validators=[
            InputRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters.",
            ),
        ],
    )


def _email_field() -> EmailField:
    return EmailField(
        "Email",
        filters=[single_line],
        render_kw={"autocomplete": "email"},
        validators=[
            InputRequired("Enter your email address."),
            Length(max=254),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
        ],
    )


class SignUpForm(FlaskForm):
    account_type = RadioField("What brings you here?", choices=ACCOUNT_TYPES, validators=[InputRequired("Choose one.")])
    name = StringField(
        "Your name (or your organisation's name)",
        filters=[single_line],
        # The name goes into the confirmation email, sent to whatever address was typed.
        validators=[InputRequired("Enter a name."), at_most(120), NoLinks()],
    )
    email = _email_field()
    password = _new_password_field("Password")
    confirm = PasswordField(
        "Repeat the password",
        render_kw={"autocomplete": "new-password"},
        validators=[EqualTo("password", "The passwords do not match.")],
    )


class SignInForm(FlaskForm):
    email = EmailField("Email", filters=[single_line], validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired("Enter your current password.")],
    )
    new_password = _new_password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        render_kw={"autocomplete": "new-password"},
        validators=[EqualTo("new_password", "The passwords do not match.")],
    )


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    new_password = _new_password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        render_kw={"autocomplete": "new-password"},
        validators=[EqualTo("new_password", "The passwords do not match.")],
    )


class AccountForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[single_line],
        render_kw={"autocomplete": "name"},
        validators=[InputRequired("Enter a name."), at_most(120), NoLinks()],
    )
    home_postcode = StringField(
        "Home postcode (optional)",
        description="Where your searches start. Never shown to anyone.",
        filters=[single_line],
        render_kw={"autocomplete": "postal-code"},
        validators=[Optional(), Length(max=10, message="A postcode has at most 8 characters."), UKPostcode()],
    )


class EnrolAuthenticatorForm(FlaskForm):
    code = StringField(
        "The 6-digit code your app shows now",
        filters=[single_line],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        validators=[InputRequired("Enter the 6-digit code from your authenticator app."), Length(max=12)],
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        filters=[single_line],
        render_kw={"autocomplete": "one-time-code"},
        validators=[InputRequired("Enter the code from your authenticator app, or a recovery code."), Length(max=40)],
    )
