"""Safeguarding forms: raising a concern, an officer's steps on it, suspension and reinstatement."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from registry.forms import at_most, multi_line, single_line
from registry.safeguarding.models import SEVERITY_LABELS, ConcernStatus
from registry.safeguarding.services import CLOSING_OUTCOMES, MAX_APPEAL, MAX_CONCERN


class ConcernForm(FlaskForm):
    """A worry about a provider, for safeguarding officers only."""

    text = TextAreaField(
        lazy_gettext("What happened, or what worries you?"),
        description=lazy_gettext(
            "Who was involved, when and where, and what you saw or were told. Only safeguarding officers read this; "
            "it is never published."
        ),
        filters=[multi_line],
        validators=[
            InputRequired(lazy_gettext("Tell us what happened or what worries you.")),
            at_most(MAX_CONCERN),
        ],
    )
    severity = RadioField(
        lazy_gettext("How serious is it?"),
        # The labels are marked for translation where they are defined (N_), and translated as the form is drawn.
        choices=[(key.value, lazy_gettext(label)) for key, label in SEVERITY_LABELS.items()],
        validators=[InputRequired(lazy_gettext("Say how serious it is."))],
        validate_choice=False,  # the service refuses anything else in the same words
    )
    # Only asked of someone without an account (a neighbour, a visitor): both optional.
    reporter_name = StringField(
        lazy_gettext("Your name (optional)"),
        filters=[single_line],
        validators=[Optional(), at_most(120)],
    )
    reporter_contact = StringField(
        lazy_gettext("A phone number or email address we can reach you on (optional)"),
        description=lazy_gettext("Only safeguarding officers see it, and only to ask you more about this concern."),
        filters=[single_line],
        validators=[Optional(), at_most(200)],
    )


class SeverityForm(FlaskForm):
    severity = RadioField(
        "Severity (a change goes on the record)",
        choices=[(key.value, label) for key, label in SEVERITY_LABELS.items()],
        validators=[InputRequired("Choose how serious the concern is.")],
        validate_choice=False,  # the service refuses anything else in the same words
    )


class MissedVisitsForm(FlaskForm):
    """One step from the visits page: the missed visits go to officers, listed; a note is optional."""

    note = TextAreaField(
        "Anything else officers should know? (optional)",
        filters=[multi_line],
        validators=[Optional(), at_most(MAX_CONCERN)],
    )


class ConcernUpdateForm(FlaskForm):
    # Choices are keeping the status and the moves the concern can still make; the service explains a refused one.
    status = SelectField(
        "Status",
        choices=[(s, s.capitalize()) for s in (ConcernStatus.INVESTIGATING, ConcernStatus.CLOSED)],
        validate_choice=False,
    )
    outcome = TextAreaField(
        "Outcome (optional)",
        description="For officers and the record. Needed to close the concern.",
        filters=[multi_line],
        validators=[Optional(), at_most(MAX_CONCERN)],
    )
    # validate_choice off: an unknown value reaches the service, which explains what is missing.
    closed_outcome = RadioField(
        "When closing: what to tell the person who raised it",
        description="They are emailed this sentence and nothing else, so no private details reach them.",
        choices=list(CLOSING_OUTCOMES.items()),
        validate_choice=False,
        validators=[Optional()],
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Reason for suspending",
        filters=[multi_line],
        validators=[InputRequired("Give a reason."), at_most(2000)],
    )


class ReinstateForm(FlaskForm):
    note = TextAreaField("Note", filters=[multi_line], validators=[Optional(), Length(max=2000)])


class SuspensionAppealForm(FlaskForm):
    reasons = TextAreaField(
        "Why should the suspension be lifted?",
        description="You can appeal once. An officer who did not suspend you decides, and you are told the outcome by email.",
        filters=[multi_line],
        validators=[
            InputRequired("Explain why the suspension should be lifted."),
            at_most(MAX_APPEAL),
        ],
    )


class AppealDecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[("uphold", "Keep the suspension"), ("allow", "Allow the appeal and reinstate")],
        validators=[InputRequired("Choose a decision.")],
    )
    reason = TextAreaField(
        "Reason (the provider will see this)",
        filters=[multi_line],
        validators=[
            InputRequired("Give a reason the provider will see."),
            at_most(2000),
        ],
    )
