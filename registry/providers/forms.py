"""Provider profile form."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from registry.forms import MultiCheckboxField, UKPostcode, WholeNumberField, at_most, multi_line, single_line
from registry.money import to_pence
from registry.providers.prices import TRAVEL_CHOICES, Prices, price_errors
from registry.providers.vocabulary import DAYS, GENDERS, LANGUAGES, PARTS

MAX_TRAVEL_MILES = 50
MAX_RATE_POUNDS = Decimal("500")


def _money():
    return [
        Optional(),
        NumberRange(
            min=Decimal("1"),
            max=MAX_RATE_POUNDS,
            message=lazy_gettext("Enter an amount between £1 and £%(max)s.", max=MAX_RATE_POUNDS),
        ),
    ]


class PoundsField(DecimalField):
    """An amount in pounds that says what to type when it is not one (and never takes "NaN" or "Infinity")."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(lazy_gettext("Enter an amount in pounds, like 17.50.")) from None
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(lazy_gettext("Enter an amount in pounds, like 17.50."))


# The price fields beyond the hourly range: form field -> Prices field. Each is checked by
# registry.providers.prices.price_errors, the rule update_profile applies too.
PRICE_POUNDS = {
    "rate_min": "rate_min_pence",
    "rate_max": "rate_max_pence",
    "visit_price": "visit_price_pence",
    "travel_charge": "travel_pence",
    "sleeping_night": "sleeping_night_pence",
    "waking_night": "waking_night_pence",
}
PRICE_OTHER = {
    "visit_minutes": "visit_minutes",
    "minimum_hours": "minimum_hours",
    "minimum_per": "minimum_per",
    "travel": "travel",
    "weekend_uplift": "weekend_uplift_percent",
    "bank_holiday_uplift": "bank_holiday_uplift_percent",
}
PRICE_FORM_FIELDS = {**PRICE_POUNDS, **PRICE_OTHER}


class ProfileForm(FlaskForm):
    display_name = StringField(
        lazy_gettext("Name shown to people looking for care"),
        filters=[single_line],
        validators=[InputRequired(lazy_gettext("Enter a name.")), at_most(120)],
    )
    about = TextAreaField(
        lazy_gettext("About you"),
        description=lazy_gettext(
            "A few sentences: who you support, what you enjoy doing with people, your experience."
        ),
        filters=[multi_line],
        validators=[Optional(), at_most(4000)],
    )
    about_cy = TextAreaField(
        lazy_gettext("About you in Welsh (optional)"),
        description=lazy_gettext("The same in Welsh, if you can. People reading the registry in Welsh see it instead."),
        filters=[multi_line],
        validators=[Optional(), at_most(4000)],
    )
    services = MultiCheckboxField(lazy_gettext("Services you offer"), choices=[])
    base_postcode = StringField(
        lazy_gettext("Base postcode"),
        description=lazy_gettext("Private: people only see its district, like LS1."),
        filters=[single_line],
        validators=[
            Optional(),
            Length(max=10, message=lazy_gettext("A postcode has at most 8 characters.")),
            UKPostcode(),
        ],
    )
    travel_radius_miles = IntegerField(
        lazy_gettext("How far you travel (miles)"),
        description=lazy_gettext("A whole number, for example 10."),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_TRAVEL_MILES,
                message=lazy_gettext("Enter a whole number of miles from 1 to %(max)s.", max=MAX_TRAVEL_MILES),
            ),
        ],
    )
    rate_min = PoundsField(
        lazy_gettext("Hourly rate from (£)"),
        places=2,
        description=lazy_gettext("For example 17.50."),
        validators=_money(),
    )
    rate_max = PoundsField(
        lazy_gettext("Hourly rate up to (£) (optional)"),
        places=2,
        description=lazy_gettext("Leave it empty if you charge one rate."),
        validators=_money(),
    )
    visit_price = PoundsField(
        lazy_gettext("Price a visit or session (£) (optional)"),
        places=2,
        description=lazy_gettext("If you charge by the visit, for example 25 for a half-hour call."),
        validators=[Optional()],
    )
    visit_minutes = WholeNumberField(
        lazy_gettext("How long a visit is (minutes) (optional)"),
        description=lazy_gettext("For example 30. Needed with a price a visit."),
        not_a_number=lazy_gettext("Enter how long a visit is as a whole number of minutes, like 30."),
        validators=[Optional()],
    )
    minimum_hours = WholeNumberField(
        lazy_gettext("Fewest hours you book (optional)"),
        description=lazy_gettext("For example 2, if you do not take shorter visits."),
        not_a_number=lazy_gettext("Enter a whole number of hours, like 2."),
        validators=[Optional()],
    )
    minimum_per = RadioField(
        lazy_gettext("Those hours are"),
        choices=[
            ("", lazy_gettext("No minimum")),
            ("visit", lazy_gettext("A visit")),
            ("week", lazy_gettext("A week")),
        ],
        default="",
        validators=[Optional()],
    )
    travel = RadioField(
        lazy_gettext("Travel"),
        description=lazy_gettext("What people pay for you to get to them."),
        choices=[("", lazy_gettext("Not said"))]
        + [(key, lazy_gettext(label)) for key, label in TRAVEL_CHOICES.items()],
        default="",
        validators=[Optional()],
    )
    travel_charge = PoundsField(
        lazy_gettext("Travel charge (£) (optional)"),
        places=2,
        description=lazy_gettext("Only with a charge per mile or per visit, for example 0.45 a mile."),
        validators=[Optional()],
    )
    sleeping_night = PoundsField(
        lazy_gettext("Sleeping night (£) (optional)"),
        places=2,
        description=lazy_gettext("For a night you sleep at the person's home and are there if needed."),
        validators=[Optional()],
    )
    waking_night = PoundsField(
        lazy_gettext("Waking night (£) (optional)"),
        places=2,
        description=lazy_gettext("For a night you stay awake to help."),
        validators=[Optional()],
    )
    weekend_uplift = WholeNumberField(
        lazy_gettext("Extra at weekends (%) (optional)"),
        description=lazy_gettext("How much more than your usual prices, in per cent. For example 20."),
        not_a_number=lazy_gettext("Enter a whole number of per cent, like 20."),
        validators=[Optional()],
    )
    bank_holiday_uplift = WholeNumberField(
        lazy_gettext("Extra on bank holidays (%) (optional)"),
        description=lazy_gettext("How much more than your usual prices, in per cent. For example 50."),
        not_a_number=lazy_gettext("Enter a whole number of per cent, like 50."),
        validators=[Optional()],
    )
    languages = MultiCheckboxField(lazy_gettext("Languages and communication"), choices=list(LANGUAGES.items()))
    availability = MultiCheckboxField(
        lazy_gettext("When you are available"),
        choices=[(f"{day}-{part}", f"{day} {part}") for day in DAYS for part in PARTS],
    )
    phone = StringField(
        lazy_gettext("Phone for enquiries"),
        description=lazy_gettext("A phone number or an email address below, or both. For example 0113 496 0000."),
        filters=[single_line],
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9][0-9 ()-]{8,18}[0-9]$", message=lazy_gettext("Enter a UK phone number, like 0113 496 0000.")
            ),
        ],
    )
    contact_email = EmailField(
        lazy_gettext("Email for enquiries"),
        filters=[single_line],
        validators=[
            Optional(),
            Length(max=254),
            Email(lazy_gettext("Enter an email address like name@example.com."), check_deliverability=False),
        ],
    )
    # Personal assistants only.
    gender = SelectField(
        lazy_gettext("Gender (optional)"),
        description=lazy_gettext("Some people ask for a carer of a particular gender."),
        choices=[("", lazy_gettext("Prefer not to say"))]
        + [(key, lazy_gettext(label)) for key, label in GENDERS.items()],
        validators=[Optional()],
    )
    years_experience = IntegerField(
        lazy_gettext("Years of experience (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=70, message=lazy_gettext("Enter a number of years from 0 to 70.")),
        ],
    )
    # Organisations only.
    cqc_provider_id = StringField(
        lazy_gettext("CQC provider ID (optional)"),
        description=lazy_gettext(
            "If you are registered with the CQC (England's care regulator), for example 1-101234567. "
            "In Scotland, Wales or Northern Ireland, add your regulator's registration as a check instead."
        ),
        filters=[single_line],
        validators=[
            Optional(),
            Regexp(r"^1-\d{9,11}$", message=lazy_gettext("A CQC provider ID looks like 1-101234567.")),
        ],
    )
    website = URLField(
        lazy_gettext("Website (optional)"),
        description=lazy_gettext("Starting with https://"),
        filters=[single_line],
        validators=[
            Optional(),
            at_most(200),
            Regexp(
                r"^https?://[^\s/$.?#].[^\s]*$", message=lazy_gettext("Enter a web address starting with https://.")
            ),
        ],
    )

    def __init__(self, *args, service_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.services.choices = service_choices

    def prices(self) -> Prices:
        """The prices as typed, in pence (a field that could not be read counts as empty)."""
        values = {name: to_pence(getattr(self, field).data) for field, name in PRICE_POUNDS.items()}
        for field, name in PRICE_OTHER.items():
            data = getattr(self, field).data
            values[name] = data if data not in ("", None) else None
        return Prices(**values)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the rules between prices (the one rule services apply too)."""
        valid = super().validate(extra_validators)
        if any(getattr(self, field).errors for field in PRICE_FORM_FIELDS):
            return False
        by_name = {name: field for field, name in PRICE_FORM_FIELDS.items()}
        for name, message in price_errors(self.prices()).items():
            getattr(self, by_name[name]).errors.append(message)
            valid = False
        return valid

    def validate_rate_max(self, field):
        if field.data is None:
            return
        if self.rate_min.data is None:
            # Optional() stops rate_min's own checks when it is empty, so say it here.
            self.rate_min.errors.append(lazy_gettext("Enter the lower rate too."))
            raise ValidationError(lazy_gettext("An upper rate needs a lower rate."))
        if field.data < self.rate_min.data:
            raise ValidationError(lazy_gettext("The upper rate cannot be below the lower rate."))
