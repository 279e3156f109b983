"""The form for someone an account arranges care for."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from registry.families.models import AUTHORITY_LABELS, CONSENT_HOW, RELATIONSHIP_LABELS
from registry.families.services import MAX_GIVEN_BY, MAX_NAME
from registry.forms import MultiCheckboxField, at_most, single_line
from registry.providers.vocabulary import COMMUNICATION_SUPPORT, SPOKEN_LANGUAGES


class PersonForm(FlaskForm):
    # Choices are checked again by the service, which explains a refused one.
    name = StringField(
        "Their name or initials",
        description="Whatever you would like providers to call them, for example Dad, or J.S.",
        filters=[single_line],
        validators=[
            InputRequired("Enter their name or initials."),
            at_most(MAX_NAME),
        ],
    )
    district = StringField(
        "Postcode district where they live",
        description="The first part of the postcode, like LS6. A full postcode is fine: only the district is kept.",
        filters=[single_line],
        validators=[
            InputRequired("Enter the postcode district where they live, like LS6."),
            Length(max=10, message="A postcode has at most 8 characters."),
        ],
    )
    relationship = RadioField(
        "You are",
        choices=list(RELATIONSHIP_LABELS.items()),
        validate_choice=False,
        validators=[InputRequired("Say how you know them.")],
    )
    needs = MultiCheckboxField("Help they need", choices=[], validate_choice=False)
    communication = MultiCheckboxField(
        "Communication support they need (optional)", choices=list(COMMUNICATION_SUPPORT.items()), validate_choice=False
    )
    language = SelectField(
        "Language they prefer (optional)",
        choices=[("", "No preference"), *SPOKEN_LANGUAGES.items()],
        validate_choice=False,
        validators=[Optional()],
    )
    authority = RadioField(
        "Why you can arrange care for them",
        choices=list(AUTHORITY_LABELS.items()),
        validate_choice=False,
        validators=[InputRequired("Say whether they agreed or you hold legal authority to arrange their care.")],
    )
    consent_given_by = StringField(
        "If they agreed: who gave consent? (optional otherwise)",
        description="For example, Dad himself, or Mum with my sister present.",
        filters=[single_line],
        validators=[Optional(), at_most(MAX_GIVEN_BY)],
    )
    consent_how = RadioField(
        "If they agreed: how? (optional otherwise)",
        choices=list(CONSENT_HOW.items()),
        validate_choice=False,
        validators=[Optional()],
    )
    authority_date = DateField(
        "Date they agreed, or the power or order was made",
        description="Type it or choose it from the calendar.",
        validators=[InputRequired("Enter the date they agreed, or the date the power or order was made.")],
    )
