"""The erasure confirmation form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField
from wtforms.validators import InputRequired, Length

from registry.accounts.services import MAX_PASSWORD_LENGTH
from registry.datarights.services import ReviewChoice

REVIEW_CHOICES = [
    (ReviewChoice.KEEP.value, "Leave my reviews up, shown as written by \u201ca former user\u201d"),
    (ReviewChoice.REMOVE.value, "Remove my reviews (the providers' scores are worked out again without them)"),
]


class EraseForm(FlaskForm):
    reviews = RadioField("Your reviews", choices=REVIEW_CHOICES, default=ReviewChoice.KEEP.value)
    understood = BooleanField(
        "I understand this closes my account for good and cannot be undone",
        validators=[InputRequired("Tick the box to say you understand this cannot be undone.")],
    )
    password = PasswordField(
        "Your password",
        description="To show it is really you.",
        render_kw={"autocomplete": "current-password"},
        validators=[InputRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)],
    )
