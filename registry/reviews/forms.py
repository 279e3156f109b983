"""Forms for enquiries and reviews."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Email, InputRequired, Length, Optional

from registry.forms import multi_line, single_line
from registry.reviews.models import DIMENSIONS
from registry.reviews.services import MAX_BODY, MAX_MESSAGE, MAX_TITLE, MAX_WHEN

STARS = [(str(n), str(n)) for n in range(1, 6)]


class EnquiryForm(FlaskForm):
    # The service checks the choice against what the provider is listed for, with a clearer message.
    service = SelectField("Help you need", choices=[], validate_choice=False, validators=[InputRequired("Choose the help you need.")])
    when_needed = StringField("When do you need help?", description="For example, weekday mornings from March, or two nights a week.", filters=[single_line], validators=[InputRequired("Say when you need help, e.g. weekday mornings from March."), Length(max=MAX_WHEN, message=f"Say when in at most {MAX_WHEN} characters.")])
    message = TextAreaField("Your message", description="Who the help is for and what would make a difference. They see your name, not your email.", filters=[multi_line], validators=[InputRequired("Write a message."), Length(max=MAX_MESSAGE, message=f"Use at most {MAX_MESSAGE:,} characters.")])


class MessageForm(FlaskForm):
    body = TextAreaField("Reply", filters=[multi_line], validators=[InputRequired("Write a message."), Length(max=MAX_MESSAGE, message=f"Use at most {MAX_MESSAGE:,} characters.")])


class InvitationForm(FlaskForm):
    email = EmailField("Their email address", filters=[single_line], validators=[InputRequired("Enter their email address."), Email("Enter an email address like name@example.com.", check_deliverability=False)])


class ReviewForm(FlaskForm):
    title = StringField("Title", filters=[single_line], validators=[InputRequired("Give your review a title."), Length(max=MAX_TITLE, message=f"Use at most {MAX_TITLE} characters.")])
    body = TextAreaField("Your review", filters=[multi_line], validators=[InputRequired("Write your review."), Length(max=MAX_BODY, message=f"Use at most {MAX_BODY:,} characters.")])
    supported_for = SelectField("How long have you been supported? (optional)", choices=[("", "Prefer not to say"), ("under-3-months", "Under 3 months"), ("3-12-months", "3 to 12 months"), ("1-3-years", "1 to 3 years"), ("over-3-years", "Over 3 years")], validators=[Optional()])
    is_concern = BooleanField("This is a safeguarding concern: something harmful happened or might happen (an officer will read it; it will not be published)")

    def ratings(self) -> dict[str, int]:
        return {d: int(getattr(self, d).data) for d in DIMENSIONS}


for _dimension, _label in DIMENSIONS.items():
    _message = f"Rate {_label.lower()} from 1 to 5."
    # Which end is good is said before choosing, not left to guess (WCAG 3.3.2).
    setattr(ReviewForm, _dimension, RadioField(_label, description="1 is very poor, 5 is excellent.", choices=STARS, validate_choice=False, validators=[InputRequired(_message), AnyOf([v for v, _ in STARS], message=_message)]))


class TextForm(FlaskForm):
    """One free-text field: a response, a report reason, a concern, a decision reason."""

    text = TextAreaField("Text", filters=[multi_line], validators=[InputRequired("This cannot be empty."), Length(max=MAX_BODY, message=f"Use at most {MAX_BODY:,} characters.")])
