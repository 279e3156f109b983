"""Provider profile form."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from registry.forms import MultiCheckboxField, UKPostcode, at_most, multi_line, single_line
from registry.providers.vocabulary import DAYS, GENDERS, LANGUAGES, PARTS

MAX_TRAVEL_MILES = 50
MAX_RATE_POUNDS = Decimal("500")


def _money():
    return [
        Optional(),
        NumberRange(
            min=Decimal("1"), max=MAX_RATE_POUNDS, message=f"Enter an amount between £1 and £{MAX_RATE_POUNDS}."
        ),
    ]


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Name shown to people looking for care",
        filters=[single_line],
        validators=[InputRequired("Enter a name."), at_most(120)],
    )
    about = TextAreaField(
        "About you",
        description="A few sentences: who you support, what you enjoy doing with people, your experience.",
        filters=[multi_line],
        validators=[Optional(), at_most(4000)],
    )
    about_cy = TextAreaField(
        "About you in Welsh (optional)",
        description="The same in Welsh, if you can. People reading the registry in Welsh see it instead.",
        filters=[multi_line],
        validators=[Optional(), at_most(4000)],
    )
    services = MultiCheckboxField("Services you offer", choices=[])
    base_postcode = StringField(
        "Base postcode",
        description="Private: people only see its district, like LS1.",
        filters=[single_line],
        validators=[Optional(), Length(max=10, message="A postcode has at most 8 characters."), UKPostcode()],
    )
    travel_radius_miles = IntegerField(
        "How far you travel (miles)",
        description="A whole number, for example 10.",
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_TRAVEL_MILES, message=f"Enter a whole number of miles from 1 to {MAX_TRAVEL_MILES}."
            ),
        ],
    )
    rate_min = DecimalField("Hourly rate from (£)", places=2, description="For example 17.50.", validators=_money())
    rate_max = DecimalField(
        "Hourly rate up to (£) (optional)",
        places=2,
        description="Leave it empty if you charge one rate.",
        validators=_money(),
    )
    languages = MultiCheckboxField("Languages and communication", choices=list(LANGUAGES.items()))
    availability = MultiCheckboxField(
        "When you are available",
        choices=[(f"{day}-{part}", f"{day} {part}") for day in DAYS for part in PARTS],
    )
    phone = StringField(
        "Phone for enquiries",
        description="A phone number or an email address below, or both. For example 0113 496 0000.",
        filters=[single_line],
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9][0-9 ()-]{8,18}[0-9]$", message="Enter a UK phone number, like 0113 496 0000."),
        ],
    )
    contact_email = EmailField(
        "Email for enquiries",
        filters=[single_line],
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
        ],
    )
    # Personal assistants only.
    gender = SelectField(
        "Gender (optional)",
        description="Some people ask for a carer of a particular gender.",
        choices=[("", "Prefer not to say")] + list(GENDERS.items()),
        validators=[Optional()],
    )
    years_experience = IntegerField(
        "Years of experience (optional)",
        validators=[Optional(), NumberRange(min=0, max=70, message="Enter a number of years from 0 to 70.")],
    )
    # Organisations only.
    cqc_provider_id = StringField(
        "CQC provider ID (optional)",
        description="If you are registered with the CQC (England's care regulator), for example 1-101234567. "
        "In Scotland, Wales or Northern Ireland, add your regulator's registration as a check instead.",
        filters=[single_line],
        validators=[Optional(), Regexp(r"^1-\d{9,11}$", message="A CQC provider ID looks like 1-101234567.")],
    )
    website = URLField(
        "Website (optional)",
        description="Starting with https://",
        filters=[single_line],
        validators=[
            Optional(),
            at_most(200),
            Regexp(r"^https?://[^\s/$.?#].[^\s]*$", message="Enter a web address starting with https://."),
        ],
    )

    def __init__(self, *args, service_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.services.choices = service_choices

    def validate_rate_max(self, field):
        if field.data is None:
            return
        if self.rate_min.data is None:
            # Optional() stops rate_min's own checks when it is empty, so say it here.
            self.rate_min.errors.append("Enter the lower rate too.")
            raise ValidationError("An upper rate needs a lower rate.")
        if field.data < self.rate_min.data:
            raise ValidationError("The upper rate cannot be below the lower rate.")
