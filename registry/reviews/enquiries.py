"""Enquiries (for oneself or someone one arranges care for), their conversation, engagements and invitations.

An engagement (support has started) is what lets a person review a provider:
see registry/reviews/services.py. Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from registry.accounts.models import Role, User
from registry.accounts.services import mailbox
from registry.checks.listing import listed_now_among, listed_services_now, why_provider_cannot_act
from registry.extensions import db
from registry.families.models import WRITTEN_BY, CaredForPerson
from registry.families.services import ENQUIRE_MAX, person_of
from registry.formatting import long_date
from registry.links import public_url_for
from registry.mail import send_email
from registry.models import today, utcnow
from registry.providers.models import Provider, ServiceType
from registry.providers.vocabulary import availability_mask, availability_text
from registry.reviews.models import (
    IN_CONVERSATION,
    Engagement,
    Enquiry,
    EnquiryMessage,
    EnquiryStatus,
    Invitation,
)
from registry.reviews.services import MAX_HOURS, MAX_MESSAGE, MAX_WHEN, ReviewError, flush_once
from searchindex.geo import PostcodeError, locate


def _check_message(text: str) -> None:
    if not text.strip():
        raise ReviewError(gettext("Write a message."))
    if len(text) > MAX_MESSAGE:
        raise ReviewError(gettext("Use at most %(num)s characters.", num=f"{MAX_MESSAGE:,}"))


@dataclass
class EnquiryRequest:
    """What an enquiry asks for: the help, where, from when, which days and times, how many hours."""

    service: str
    district: str  # empty: the person's district
    hours_per_week: int | None
    message: str
    person_id: int | str | None = None  # someone the account arranges care for; None: the account holder
    times: list[str] = field(default_factory=list)  # slot names, "mon-morning"
    start_date: date | None = None  # None: as soon as possible
    when_needed: str = ""  # anything else about timing


def _district(text: str) -> str:
    try:
        return locate(text).outcode
    except PostcodeError:
        raise ReviewError(gettext("Enter the postcode district where the help is needed, like LS6.")) from None


def _person(recipient: User, person_id: int | str | None) -> CaredForPerson | None:
    if person_id in (None, ""):
        return None
    person = person_of(recipient, int(person_id)) if str(person_id).isdigit() else None
    if person is None:
        raise ReviewError(gettext("Choose yourself or someone you arrange care for."))
    return person


def _times(slots: list[str]) -> int:
    try:
        mask = availability_mask(slots)
    except ValueError:
        raise ReviewError(gettext("Choose days and times from the list.")) from None
    if not mask:
        raise ReviewError(gettext("Tick at least one day and time that would suit."))
    return mask


def open_enquiry(recipient: User, provider: Provider) -> Enquiry | None:
    """The recipient's conversation with ``provider`` that is still going on, if any: there is at most one."""
    return db.session.scalar(
        select(Enquiry).where(
            Enquiry.recipient_id == recipient.id,
            Enquiry.provider_id == provider.id,
            Enquiry.status.in_(IN_CONVERSATION),
        )
    )


@dataclass
class CheckedRequest:
    """An enquiry request that passed every rule, in the form it is stored."""

    service_type: ServiceType
    person: CaredForPerson | None
    district: str
    times: int
    when_needed: str


def check_request(recipient: User, provider: Provider, request: EnquiryRequest) -> CheckedRequest:
    """The rules every request to a provider meets, whether it opens a conversation or joins one."""
    if recipient.role != Role.RECIPIENT:
        raise ReviewError(gettext("Only people looking for care can send enquiries."))
    listed = listed_services_now(provider, today())
    if not listed:
        raise ReviewError(gettext("This provider is not taking enquiries through the registry right now."))
    service_type = next((t for t in listed if t.slug == request.service), None)
    if service_type is None:
        raise ReviewError(gettext("Choose one of the services this provider is listed for."))
    person = _person(recipient, request.person_id)
    district = _district(request.district if request.district.strip() or person is None else person.district)
    if request.start_date is not None and request.start_date < today():
        raise ReviewError(gettext("The start date cannot be in the past. Leave it empty to start as soon as possible."))
    times = _times(request.times)
    if not isinstance(request.hours_per_week, int) or not 1 <= request.hours_per_week <= MAX_HOURS:
        raise ReviewError(gettext("Enter a whole number of hours from 1 to %(max)s.", max=MAX_HOURS))
    when_needed = request.when_needed.strip()
    if len(when_needed) > MAX_WHEN:
        raise ReviewError(gettext("Say anything else about timing in at most %(num)s characters.", num=MAX_WHEN))
    _check_message(request.message)
    return CheckedRequest(service_type, person, district, times, when_needed)


def send_enquiry(recipient: User, provider: Provider, request: EnquiryRequest) -> Enquiry:
    """A recipient asks a listed provider for help with one of its listed services."""
    checked = check_request(recipient, provider, request)
    service_type, person = checked.service_type, checked.person
    # One conversation per provider keeps a provider's inbox free of repeats.
    already_open_message = gettext(
        "You already have an open enquiry with this provider: carry on the conversation there."
    )
    if open_enquiry(recipient, provider) is not None:
        raise ReviewError(already_open_message)
    enquiry = Enquiry(
        recipient=recipient,
        provider=provider,
        service_type=service_type,
        district=checked.district,
        start_date=request.start_date,
        times=checked.times,
        hours_per_week=request.hours_per_week,
        when_needed=checked.when_needed or None,
        person=person,
        arranged_by=person.relationship if person else None,
    )
    enquiry.messages.append(EnquiryMessage(author=recipient, body=request.message.strip()))
    db.session.add(enquiry)
    # Two posts at the same moment both pass the check above; the partial unique
    # index (uq_enquiries_one_open) lets only one commit, and the other gets the same message.
    flush_once(already_open_message)
    _tell(
        provider.user,
        "reviews/new_enquiry",
        enquiry,
        recipient_name=recipient.name,
        person_name=person.name if person else None,
        arranged_by=WRITTEN_BY[person.relationship] if person else None,
        service=service_type.name.lower(),
        summary=enquiry_summary(enquiry),
        message=request.message.strip(),
    )
    return enquiry


@dataclass
class SentEnquiries:
    """What one enquiry to several providers did: the conversations it opened, and those already going on
    with providers it therefore skipped."""

    sent: list[Enquiry]
    already_open: list[Enquiry]


def send_enquiries(recipient: User, providers: list[Provider], request: EnquiryRequest) -> SentEnquiries:
    """Send one enquiry to several providers (1 to ``ENQUIRE_MAX``): each gets its own conversation and email.

    Each provider must be listed today, asked again now; one that is not
    refuses the whole send, naming it. A provider this recipient is already
    talking to is skipped (the result names that conversation). Any other
    refusal, for any provider, sends nothing: every request is checked before
    the first is sent.
    """
    if not 1 <= len(providers) <= ENQUIRE_MAX or len({p.id for p in providers}) != len(providers):
        raise ReviewError(gettext("Choose from 1 to %(max)s different providers on your shortlist.", max=ENQUIRE_MAX))
    listed = listed_now_among([p.id for p in providers], today())
    if gone := [p.display_name for p in providers if p.id not in listed]:
        raise ReviewError(
            gettext(
                "%(names)s is no longer listed on the registry, so nothing was sent. Go back to your shortlist, "
                "untick it and ask the others.",
                names=_names(gone),
            )
            if len(gone) == 1
            else gettext(
                "%(names)s are no longer listed on the registry, so nothing was sent. Go back to your shortlist, "
                "untick them and ask the others.",
                names=_names(gone),
            )
        )
    already_open, to_send = [], []
    for provider in providers:
        talking = open_enquiry(recipient, provider)
        if talking is None:
            to_send.append(provider)
        else:
            already_open.append(talking)
    if not to_send:
        raise ReviewError(gettext("You are already talking to each of these providers: carry on those conversations."))
    for provider in to_send:
        try:
            check_request(recipient, provider, request)
        except ReviewError as error:
            raise ReviewError(
                gettext("%(name)s: %(error)s Nothing was sent.", name=provider.display_name, error=error)
            ) from None
    return SentEnquiries([send_enquiry(recipient, provider, request) for provider in to_send], already_open)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def enquiry_summary(enquiry: Enquiry) -> str:
    """The request in plain lines, for emails (pages lay the same facts out themselves)."""
    lines = []
    if enquiry.district:
        lines.append(f"Where: {enquiry.district}")
    if enquiry.times is not None:
        start = long_date(enquiry.start_date) if enquiry.start_date else "as soon as possible"
        lines.append(f"Starting: {start}")
        lines.append(f"When: {availability_text(enquiry.times)}")
    if enquiry.hours_per_week:
        lines.append(f"Hours a week: {enquiry.hours_per_week}")
    if enquiry.when_needed:
        lines.append(f"Also: {enquiry.when_needed}")
    return "\n".join(lines)


def _tell(user: User, template: str, enquiry: Enquiry, **context) -> None:
    send_email(user.email, template, name=user.name, enquiry_id=enquiry.id, **context)


def can_see_enquiry(user: User, enquiry: Enquiry) -> bool:
    return user.id == enquiry.recipient_id or (enquiry.provider.user_id == user.id)


def reply(enquiry: Enquiry, author: User, body: str) -> EnquiryMessage:
    if not can_see_enquiry(author, enquiry):
        raise ReviewError("This conversation is not yours.")
    if author.id == enquiry.provider.user_id and (reason := why_provider_cannot_act(enquiry.provider, today())):
        raise ReviewError(reason)
    _check_message(body)
    message = EnquiryMessage(enquiry=enquiry, author=author, body=body.strip())
    db.session.add(message)
    db.session.flush()
    other = enquiry.provider.user if author.id == enquiry.recipient_id else enquiry.recipient
    _tell(other, "reviews/new_message", enquiry, author_name=author.name, message=body.strip())
    return message


def can_answer(user: User, enquiry: Enquiry) -> bool:
    """The provider answers (accept, start or decline) while the conversation is going on."""
    return enquiry.provider.user_id == user.id and enquiry.status in IN_CONVERSATION


# What each answer does: the statuses it may follow, the new status and what the recipient is told.
ANSWERS = {
    "accept": (
        {EnquiryStatus.OPEN},
        EnquiryStatus.ACCEPTED,
        "can help: carry on the conversation to agree the details. Once they have started supporting you, you can review them",
    ),
    "start": (
        {EnquiryStatus.OPEN, EnquiryStatus.ACCEPTED},
        EnquiryStatus.STARTED,
        "has started supporting you: you can now review their care",
    ),
    "decline": ({EnquiryStatus.OPEN, EnquiryStatus.ACCEPTED}, EnquiryStatus.DECLINED, "cannot help this time"),
}


def answer_enquiry(enquiry: Enquiry, provider_user: User, answer: str) -> Engagement | None:
    """The provider answers: accept (we can help, let's talk), start (support has begun) or decline.

    Only "start" confirms an engagement, the right to review: a provider that
    is only talking to someone has not yet cared for them.
    """
    if enquiry.provider.user_id != provider_user.id:
        raise ReviewError("This enquiry is not yours.")
    if answer not in ANSWERS:
        raise ReviewError("Choose accept, started or decline.")
    # Declining is always possible; taking someone on speaks for the registry.
    if answer != "decline" and (reason := why_provider_cannot_act(enquiry.provider, today())) is not None:
        raise ReviewError(reason)
    allowed_from, status, news = ANSWERS[answer]
    if enquiry.status not in allowed_from:
        raise ReviewError(
            "This enquiry has already been answered."
            if enquiry.status != EnquiryStatus.STARTED
            else "You have already said that support has started."
        )
    enquiry.status = status
    engagement = None
    if status == EnquiryStatus.STARTED:
        engagement = Engagement(
            recipient_id=enquiry.recipient_id, provider_id=enquiry.provider_id, enquiry_id=enquiry.id
        )
        db.session.add(engagement)
    flush_once("This enquiry has already been answered.")
    _tell(
        enquiry.recipient,
        "reviews/enquiry_answered",
        enquiry,
        provider_name=enquiry.provider.display_name,
        started=status == EnquiryStatus.STARTED,
        status=status,
        news=news,
    )
    return engagement


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="review-invitation")


def invite(provider: Provider, email: str) -> Invitation:
    """Email someone the provider supports a single-use link that confirms an engagement.

    A provider cannot invite its own account, and may send at most
    ``INVITATIONS_PER_DAY`` in any 24 hours so the feature cannot be used to spam.
    """
    if (reason := why_provider_cannot_act(provider, today())) is not None:
        raise ReviewError(reason)
    email = email.strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise ReviewError("Enter an email address like name@example.com.")
    if mailbox(email) == mailbox(provider.user.email):
        raise ReviewError("You cannot invite yourself to review your own service.")
    since = utcnow() - timedelta(days=1)
    sent = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.provider_id == provider.id, Invitation.created_at >= since)
    )
    if sent >= current_app.config["INVITATIONS_PER_DAY"]:
        raise ReviewError(
            f"You can send at most {current_app.config['INVITATIONS_PER_DAY']} invitations a day. Try again tomorrow."
        )
    invitation = Invitation(provider=provider, email=email)
    db.session.add(invitation)
    db.session.flush()
    token = _invitation_serializer().dumps(invitation.id)
    days = current_app.config["INVITATION_MAX_AGE_DAYS"]
    link = public_url_for("reviews.accept_invitation", token=token)
    send_email(invitation.email, "reviews/invitation", provider_name=provider.display_name, link=link, days=days)
    return invitation


def invitation_for(token: str) -> Invitation:
    max_age = current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400
    try:
        invitation_id = _invitation_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ReviewError("This invitation has expired. Ask the provider for a new one.") from None
    except BadSignature:
        raise ReviewError("This invitation link is not valid.") from None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise ReviewError("This invitation link is not valid.")
    return invitation


def accept_invitation(token: str, recipient: User) -> Engagement:
    """Use an invitation once, as the person it was sent to: it confirms an engagement."""
    invitation = invitation_for(token)
    if invitation.used_at is not None:
        raise ReviewError("This invitation has already been used.")
    if recipient.role != Role.RECIPIENT:
        raise ReviewError("Sign in with the account of the person who is supported to accept this invitation.")
    if recipient.email.lower() != invitation.email:
        raise ReviewError("This invitation was sent to someone else. Sign in with the email address it was sent to.")
    invitation.used_at, invitation.used_by_id = utcnow(), recipient.id
    engagement = Engagement(recipient_id=recipient.id, provider_id=invitation.provider_id, invitation_id=invitation.id)
    db.session.add(engagement)
    flush_once("This invitation has already been used.")
    return engagement


def keep_enquiries_without_the_person(person: CaredForPerson) -> None:
    """A deleted person's past enquiries stay, saying only that they were for someone else."""
    # Said here as well as by the foreign key: SQLite does not enforce ON DELETE by default.
    db.session.execute(
        update(Enquiry)
        .where(Enquiry.person_id == person.id)
        .values(person_id=None)
        .execution_options(synchronize_session="fetch")
    )
