"""Forms for agreed support, ending an engagement, and recording and confirming visits."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from registry.forms import at_most, multi_line, single_line
from registry.money import to_pence
from registry.visits.models import COULD_NOT_COME_REASONS, FUNDING_LABELS, RECIPIENT_LABELS
from registry.visits.services import DAY_NAMES, MAX_NOTE, MAX_RATE_PENCE, MAX_REASON, AgreementInput

TIME_INPUT = {"type": "time", "inputmode": "numeric", "placeholder": "HH:MM", "autocomplete": "off"}


class AgreementForm(FlaskForm):
    service = SelectField(
        "Service", choices=[], validate_choice=False, validators=[InputRequired("Choose the service.")]
    )
    starts_on = DateField(
        "Starts on",
        description="The first day this applies. A change starts today or later.",
        validators=[InputRequired("Enter the date this starts from, like 2026-12-14.")],
    )
    price_basis = RadioField(
        "Price",
        choices=[("hourly", "By the hour"), ("per-visit", "By the visit")],
        validators=[InputRequired("Say whether the price is by the hour or by the visit.")],
    )
    rate = DecimalField(
        "Agreed price in pounds",
        description="For example 16.50.",
        places=2,
        validators=[
            InputRequired("Enter the agreed price in pounds, like 16.50."),
            NumberRange(
                min=Decimal("0.01"),
                max=Decimal(MAX_RATE_PENCE) / 100,
                message=f"Enter a price more than £0 and at most £{MAX_RATE_PENCE // 100:,}.",
            ),
        ],
    )
    funding = RadioField(
        "How it is paid for",
        choices=list(FUNDING_LABELS.items()),
        validators=[InputRequired("Say how the support is paid for.")],
    )
    one_offs = TextAreaField(
        "One-off visits (optional)",
        description="One a line: date, start and end, like 2026-12-24 09:00-11:00.",
        filters=[multi_line],
        validators=[Optional(), at_most(4000)],
    )

    def to_input(self) -> AgreementInput:
        weekly = {
            day: ((getattr(self, f"start_{day}").data or ""), (getattr(self, f"end_{day}").data or ""))
            for day in range(7)
        }
        return AgreementInput(
            service=self.service.data or "",
            price_basis=self.price_basis.data or "",
            rate_pence=to_pence(self.rate.data),
            funding=self.funding.data or "",
            starts_on=self.starts_on.data,
            weekly=weekly,
            one_offs=self.one_offs.data or "",
        )


for _day, _name in enumerate(DAY_NAMES):
    setattr(
        AgreementForm,
        f"start_{_day}",
        StringField(f"{_name} from", filters=[single_line], validators=[Optional()], render_kw=TIME_INPUT),
    )
    setattr(
        AgreementForm,
        f"end_{_day}",
        StringField(f"{_name} until", filters=[single_line], validators=[Optional()], render_kw=TIME_INPUT),
    )


class EndForm(FlaskForm):
    last_day = DateField("Last day of support", validators=[InputRequired("Enter the last day, like 2026-12-31.")])
    reason = TextAreaField(
        "Why is it ending?",
        description="Both of you see this. It is kept with the engagement.",
        filters=[multi_line],
        validators=[InputRequired("Say why the support is ending."), at_most(MAX_REASON)],
    )


class CameForm(FlaskForm):
    arrived = StringField(
        "Arrived", filters=[single_line], validators=[InputRequired("Enter when you arrived.")], render_kw=TIME_INPUT
    )
    left = StringField(
        "Left", filters=[single_line], validators=[InputRequired("Enter when you left.")], render_kw=TIME_INPUT
    )
    note = StringField("Note (optional)", filters=[single_line], validators=[Optional(), at_most(MAX_NOTE)])


class CouldNotComeForm(FlaskForm):
    reason = RadioField(
        "Why could you not come?",
        choices=list(COULD_NOT_COME_REASONS.items()),
        validators=[InputRequired("Choose why you could not come.")],
    )
    note = StringField("Note (optional)", filters=[single_line], validators=[Optional(), at_most(MAX_NOTE)])


class ConfirmForm(FlaskForm):
    says = RadioField(
        "Did they come?",
        choices=[(str(k), v) for k, v in RECIPIENT_LABELS.items()],
        validators=[InputRequired("Say whether they came, came late, or did not come.")],
    )
    note = StringField("Note (optional)", filters=[single_line], validators=[Optional(), at_most(MAX_NOTE)])
