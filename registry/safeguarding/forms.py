"""Safeguarding forms: raising a concern, an officer's steps on it, suspension and reinstatement."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from registry.forms import multi_line
from registry.safeguarding.services import MAX_CONCERN


class ConcernForm(FlaskForm):
    """A worry about a provider, for safeguarding officers only."""

    text = TextAreaField(
        "What happened, or what worries you?",
        description="Who was involved, when and where, and what you saw or were told. Only safeguarding officers read this; it is never published.",
        filters=[multi_line],
        validators=[InputRequired("Tell us what happened or what worries you."), Length(max=MAX_CONCERN, message=f"Use at most {MAX_CONCERN:,} characters.")],
    )


class ConcernUpdateForm(FlaskForm):
    # Choices are the moves the concern can still make; the service explains a refused one.
    status = SelectField("Move to", choices=[("investigating", "Investigating"), ("closed", "Closed")], validate_choice=False)
    outcome = TextAreaField("Outcome (optional)", filters=[multi_line], validators=[Optional(), Length(max=MAX_CONCERN, message=f"Use at most {MAX_CONCERN:,} characters.")])


class SuspendForm(FlaskForm):
    reason = TextAreaField("Reason for suspending", filters=[multi_line], validators=[InputRequired("Give a reason."), Length(max=2000, message="Use at most 2,000 characters.")])


class ReinstateForm(FlaskForm):
    note = TextAreaField("Note", filters=[multi_line], validators=[Optional(), Length(max=2000)])
