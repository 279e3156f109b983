"""Forms for enquiries and reviews."""

from __future__ import annotations

from flask_babel import LazyString, gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Email, InputRequired, Length, NumberRange, Optional

from registry.accounts.models import Role
from registry.checks.listing import listed_services_now
from registry.families.services import people_of
from registry.forms import MultiCheckboxField, WholeNumberField, at_most, multi_line, single_line
from registry.models import today
from registry.providers.vocabulary import DAY_LABELS, DAYS, PART_LABELS, PARTS
from registry.reviews.enquiries import EnquiryRequest
from registry.reviews.models import DIMENSIONS, SUPPORTED_FOR
from registry.reviews.services import MAX_BODY, MAX_HOURS, MAX_MESSAGE, MAX_TITLE, MAX_WHEN

STARS = [(str(n), str(n)) for n in range(1, 6)]


def _slot_label(day: int, part: int) -> str:
    """A tick box of the enquiry's days and times, like "Monday morning", in the reader's language."""
    return f"{gettext(DAY_LABELS[day])} {gettext(PART_LABELS[part]).lower()}"


class EnquiryForm(FlaskForm):
    """What a provider needs to answer: the help, where, from when, which days and times, how many hours."""

    # Offered when the account arranges care for other people; the service checks the choice is theirs.
    person = SelectField(lazy_gettext("Who is the help for?"), choices=[], validate_choice=False)
    # The service checks the choice against what the provider is listed for, with a clearer message.
    service = SelectField(
        lazy_gettext("Help you need"),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Choose the help you need."))],
    )
    district = StringField(
        lazy_gettext("Postcode district where the help is needed"),
        description=lazy_gettext(
            "The first part of the postcode, like LS6. A full postcode is fine: the provider only sees the district, "
            "never an address."
        ),
        filters=[single_line],
        # Not required here: for someone on the account it can come from their details (the service decides).
        validators=[Optional(), Length(max=10, message=lazy_gettext("A postcode has at most 8 characters."))],
    )
    start_date = DateField(
        lazy_gettext("Start date (optional)"),
        description=lazy_gettext(
            "Leave it empty to start as soon as possible. Type it or choose it from the calendar."
        ),
        validators=[Optional()],
    )
    times = MultiCheckboxField(
        lazy_gettext("Which days and times?"),
        description=lazy_gettext("Tick every time that would suit."),
        choices=[
            (f"{day}-{part}", LazyString(_slot_label, d, p))
            for d, day in enumerate(DAYS)
            for p, part in enumerate(PARTS)
        ],
        validate_choice=False,
    )
    hours_per_week = WholeNumberField(
        lazy_gettext("How many hours a week?"),
        description=lazy_gettext("A whole number from 1 to %(max)s, for example 6.", max=MAX_HOURS),
        not_a_number=lazy_gettext("Enter how many hours a week as a whole number, like 6."),
        validators=[
            InputRequired(
                lazy_gettext("Enter how many hours a week, a whole number from 1 to %(max)s.", max=MAX_HOURS)
            ),
            NumberRange(
                min=1,
                max=MAX_HOURS,
                message=lazy_gettext("Enter a whole number of hours from 1 to %(max)s.", max=MAX_HOURS),
            ),
        ],
    )
    when_needed = StringField(
        lazy_gettext("Anything else about timing? (optional)"),
        description=lazy_gettext("For example, not during school holidays."),
        filters=[single_line],
        validators=[Optional(), at_most(MAX_WHEN)],
    )
    message = TextAreaField(
        lazy_gettext("Your message"),
        description=lazy_gettext(
            "Who the help is for and what would make a difference. They see your name, not your email."
        ),
        filters=[multi_line],
        validators=[
            InputRequired(lazy_gettext("Write a message.")),
            at_most(MAX_MESSAGE),
        ],
    )

    def to_request(self) -> EnquiryRequest:
        return EnquiryRequest(
            service=self.service.data,
            district=self.district.data or "",
            person_id=self.person.data or None,
            hours_per_week=self.hours_per_week.data,
            message=self.message.data,
            times=self.times.data or [],
            start_date=self.start_date.data,
            when_needed=self.when_needed.data or "",
        )


def enquiry_form_for(
    provider, user, blank: bool = False, for_person: str | None = None, form_class: type[EnquiryForm] = EnquiryForm
) -> EnquiryForm:
    """The enquiry form offering the provider's listed services and the people the account arranges care for.

    The district starts as the account's own, or, ``for_person`` (an id from
    "people I arrange care for"), as that person's, with the first of their
    needs the provider is listed for. ``blank`` ignores any posted data (the
    form shown on a profile page).
    """
    form = form_class(formdata=None) if blank else form_class()
    return _offer(form, listed_services_now(provider, today()), user, for_person)


def enquiry_form_for_many(providers, user, for_person: str | None = None) -> EnquiryForm:
    """One enquiry form for several providers: it offers the help every one of them is listed for today."""
    day = today()
    offered = [listed_services_now(provider, day) for provider in providers]
    common = [t for t in offered[0] if all(t in other for other in offered[1:])] if offered else []
    return _offer(EnquiryForm(), common, user, for_person)


def _offer(form: EnquiryForm, services: list, user, for_person: str | None) -> EnquiryForm:
    form.service.choices = [(t.slug, t.name) for t in services]
    people = people_of(user) if getattr(user, "role", None) == Role.RECIPIENT else []
    form.person.choices = [("", gettext("Me")), *((str(p.id), p.name) for p in people)]
    if not form.is_submitted():
        chosen = next((p for p in people if str(p.id) == for_person), None)
        if chosen is not None:
            form.person.data, form.district.data = str(chosen.id), chosen.district
            form.service.data = next((t.slug for t in chosen.needs if t in services), None)
        # With people on the account an empty district means the chosen person's, so the account's own is not filled in.
        elif not people and not form.district.data and getattr(user, "home_postcode", None):
            form.district.data = user.home_postcode.split()[0]
    return form


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Reply",
        filters=[multi_line],
        validators=[
            InputRequired("Write a message."),
            at_most(MAX_MESSAGE),
        ],
    )


class InvitationForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Their email address"),
        filters=[single_line],
        validators=[
            InputRequired(lazy_gettext("Enter their email address.")),
            Email(lazy_gettext("Enter an email address like name@example.com."), check_deliverability=False),
        ],
    )


def _capitalised(words: str) -> str:
    return gettext(words).capitalize()


def _lowered(words: str) -> str:
    return gettext(words).lower()


class ReviewForm(FlaskForm):
    # Labels and messages in the reviewer's language (Welsh or English), worked out as the form is drawn.
    title = StringField(
        lazy_gettext("Title"),
        filters=[single_line],
        validators=[
            InputRequired(lazy_gettext("Give your review a title.")),
            at_most(MAX_TITLE),
        ],
    )
    body = TextAreaField(
        lazy_gettext("Your review"),
        filters=[multi_line],
        validators=[
            InputRequired(lazy_gettext("Write your review.")),
            at_most(MAX_BODY),
        ],
    )
    supported_for = SelectField(
        lazy_gettext("How long have you been supported? (optional)"),
        choices=[
            ("", lazy_gettext("Prefer not to say")),
            *((code, LazyString(_capitalised, label)) for code, label in SUPPORTED_FOR.items()),
        ],
        validators=[Optional()],
    )
    is_concern = BooleanField(
        lazy_gettext(
            "This is a safeguarding concern: something harmful happened or might happen (an officer will read it; "
            "it will not be published)"
        )
    )

    def ratings(self) -> dict[str, int]:
        return {d: int(getattr(self, d).data) for d in DIMENSIONS}


for _dimension, _label in DIMENSIONS.items():
    _message = lazy_gettext("Rate %(what)s from 1 to 5.", what=LazyString(_lowered, _label))
    # Which end is good is said before choosing, not left to guess (WCAG 3.3.2).
    setattr(
        ReviewForm,
        _dimension,
        RadioField(
            LazyString(gettext, _label),
            description=lazy_gettext("1 is very poor, 5 is excellent."),
            choices=STARS,
            validate_choice=False,
            validators=[InputRequired(_message), AnyOf([v for v, _ in STARS], message=_message)],
        ),
    )


class TextForm(FlaskForm):
    """One free-text field: a response, a report reason, a concern, a decision reason."""

    text = TextAreaField(
        "Text",
        filters=[multi_line],
        validators=[
            InputRequired("This cannot be empty."),
            at_most(MAX_BODY),
        ],
    )
