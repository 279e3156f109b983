"""The service editing form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from registry.admin.services import REQUIREMENTS
from registry.forms import multi_line, single_line

NOT_REQUIRED = "none"
APPLIES_CHOICES = [(NOT_REQUIRED, "Not required"), ("all", "Every provider"), ("pa", "Personal assistants only"), ("organisation", "Organisations only")]


class ServiceForm(FlaskForm):
    name = StringField("Name", filters=[single_line], validators=[InputRequired("Enter a name."), Length(max=80, message="Use at most 80 characters.")])
    description = TextAreaField(
        "Plain-English description",
        filters=[multi_line],
        validators=[InputRequired("Enter a description."), Length(max=400, message="Use at most 400 characters.")],
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
