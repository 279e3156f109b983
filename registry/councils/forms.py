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


class AddProviderForm(FlaskForm):
    provider = StringField(
        "Provider's profile address or slug",
        filters=[single_line],
        validators=[InputRequired("Enter the provider's profile address, for example /providers/sunrise-care-leeds.")],
    )
    service = SelectField("Service", validators=[InputRequired("Choose a service.")])
    rate = DecimalField("Agreed hourly rate (£)", places=2, validators=RATE)


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
