"""The service editing form and the staff-account form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from registry.admin.services import REQUIREMENTS, STAFF_ROLES
from registry.forms import at_most, multi_line, single_line

NOT_REQUIRED = "none"
APPLIES_CHOICES = [
    (NOT_REQUIRED, "Not required"),
    ("all", "Every provider"),
    ("pa", "Personal assistants only"),
    ("organisation", "Organisations only"),
]


class ServiceForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[single_line],
        validators=[InputRequired("Enter a name."), at_most(80)],
    )
    description = TextAreaField(
        "Plain-English description",
        filters=[multi_line],
        validators=[InputRequired("Enter a description."), at_most(400)],
    )

    def requirement_fields(self):
        return [getattr(self, f"req_{code}") for code in REQUIREMENTS if code != "identity"]

    def requirements(self) -> list[tuple[str, str | None]]:
        """The chosen (code, provider kind or None) pairs."""
        chosen = []
        for code in REQUIREMENTS:
            if code == "identity":
                continue
            value = getattr(self, f"req_{code}").data
            if value != NOT_REQUIRED:
                chosen.append((code, None if value == "all" else value))
        return chosen


for _code, _label in REQUIREMENTS.items():
    if _code != "identity":
        setattr(ServiceForm, f"req_{_code}", SelectField(_label, choices=APPLIES_CHOICES, default=NOT_REQUIRED))


def applies_to(service, code: str) -> str:
    """How a service currently asks for ``code``, as a form value."""
    kinds = {r.provider_kind for r in service.requirements if r.requirement == code}
    if not kinds:
        return NOT_REQUIRED
    if None in kinds or kinds >= {"pa", "organisation"}:
        return "all"
    return next(iter(kinds))


class StaffAccountForm(FlaskForm):
    """An officer or commissioner account; the council choices are set by the view."""

    name = StringField(
        "Full name",
        filters=[single_line],
        render_kw={"autocomplete": "off"},
        validators=[InputRequired("Enter their name."), at_most(120)],
    )
    email = EmailField(
        "Email address",
        description="They are sent a link to choose their password.",
        filters=[single_line],
        render_kw={"autocomplete": "off"},
        validators=[
            InputRequired("Enter their email address."),
            Length(max=254),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
        ],
    )
    role = RadioField("Role", choices=list(STAFF_ROLES.items()), validators=[InputRequired("Choose a role.")])
    council = SelectField(
        "Council (commissioners only) (optional)", choices=[], validate_choice=False, validators=[Optional()]
    )

    def validate_council(self, field):
        if self.role.data == "commissioner" and not field.data:
            raise ValidationError("Choose the council this commissioner works for.")
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a council from the list.")
