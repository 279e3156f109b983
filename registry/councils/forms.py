"""Commissioner and provider forms for approved lists."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from registry.councils.calloffs import ORDER_FUNDING
from registry.forms import at_most, multi_line, single_line
from registry.reviews.forms import EnquiryForm, enquiry_form_for

RATE = [
    InputRequired("Enter the hourly rate in pounds, for example 24.50."),
    NumberRange(min=Decimal("1"), max=Decimal("500"), message="Enter an hourly rate between £1 and £500."),
]


class FrameworkForm(FlaskForm):
    name = StringField(
        "Name of the approved list",
        filters=[single_line],
        validators=[InputRequired("Enter a name."), at_most(160)],
    )
    description = TextAreaField(
        "What it covers",
        filters=[multi_line],
        validators=[Optional(), at_most(2000)],
    )
    starts_on = DateField("In force from", validators=[InputRequired("Enter the start date.")])
    ends_on = DateField("Until", validators=[InputRequired("Enter the end date.")])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError("The end date must be after the start date.")


class PoundsField(DecimalField):
    """An amount in pounds that says so when what was typed is not a number."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter the hourly rate in pounds, for example 24.50.") from error


class FindProviderForm(FlaskForm):
    """The first step of "Add a provider": part of a name (a GET form, so no token)."""

    class Meta:
        csrf = False

    find = StringField(
        "Provider's name, or part of it",
        description="For example “helping hands”. Only listed providers are found.",
        filters=[single_line],
        validators=[InputRequired("Enter part of the provider's name."), at_most(80)],
    )


class AddProviderForm(FlaskForm):
    # Choices are the providers the name search found; the view refuses any other.
    provider = RadioField(
        "Choose the provider", validate_choice=False, validators=[InputRequired("Choose a provider.")]
    )
    find = HiddenField()  # the search that found them, so a refused form shows the same choices again
    service = SelectField("Service", validators=[InputRequired("Choose a service.")])
    rate = PoundsField("Agreed hourly rate (£)", places=2, validators=RATE)


class CoverageFilterForm(FlaskForm):
    """Narrow coverage to one service or one district (a GET form; choices set by the view)."""

    class Meta:
        csrf = False

    # The view says plainly when a value is not one of the choices.
    service = SelectField("Service", validate_choice=False)
    district = SelectField("District", validate_choice=False)


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[InputRequired()])
    rate = DecimalField(
        "Agreed hourly rate (£)",
        places=2,
        validators=[
            Optional(),
            NumberRange(min=Decimal("1"), max=Decimal("500"), message="Enter an hourly rate between £1 and £500."),
        ],
    )
    reason = TextAreaField(
        "Reason the provider will see",
        filters=[multi_line],
        validators=[Optional(), at_most(1000)],
    )

    def validate_reason(self, field):
        if self.decision.data in ("decline", "remove") and not field.data:
            raise ValidationError("Give a reason the provider will see.")


class ApplyForm(FlaskForm):
    service = SelectField("Service", validators=[InputRequired("Choose a service.")])
    rate = DecimalField("Your proposed hourly rate (£)", places=2, validators=RATE)


class OrderForm(EnquiryForm):
    """An enquiry that orders at an approved list's agreed rate: the same questions, and how it is paid for."""

    funding = RadioField(
        "How will the support be paid for?",
        choices=list(ORDER_FUNDING.items()),
        validate_choice=False,  # the service refuses anything else with a clearer message
        validators=[InputRequired("Say how the support will be paid for.")],
    )


def order_form_for(provider, user, entries) -> OrderForm:
    """The order form, offering only the services the provider is on an approved list for today."""
    form = enquiry_form_for(provider, user, form_class=OrderForm)
    on_a_list = {e.service_type.slug for e in entries}
    form.service.choices = [(slug, name) for slug, name in form.service.choices if slug in on_a_list]
    return form
