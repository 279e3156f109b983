"""Rules for enquiries, engagements and reviews. Services flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from blinker import Namespace
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from registry import audit
from registry.accounts.devices import remember_device, share_a_device
from registry.accounts.models import Role, User
from registry.accounts.services import email_domain, mailbox
from registry.checks.listing import listed_services_now, why_provider_cannot_act
from registry.extensions import db
from registry.families.models import WRITTEN_BY, CaredForPerson
from registry.families.services import person_of
from registry.formatting import long_date
from registry.links import public_url_for
from registry.mail import send_email
from registry.models import today, utcnow
from registry.providers.models import Provider
from registry.providers.vocabulary import availability_mask, availability_text
from registry.reviews.models import (
    DIMENSIONS,
    IN_CONVERSATION,
    Engagement,
    Enquiry,
    EnquiryMessage,
    EnquiryStatus,
    Invitation,
    ReportStatus,
    Review,
    ReviewReport,
    ReviewStatus,
)
from registry.reviews.scoring import recompute_rating
from registry.unitofwork import Refusal
from search.geo import PostcodeError, locate

MAX_TITLE = 120
MAX_BODY = 5000
MAX_MESSAGE = 3000
MAX_WHEN = 120
MAX_HOURS = 168  # every hour of the week: live-in care
MAX_RESPONSE = 2000


# Safeguarding sits above reviews and listens: a held review becomes a concern
# for officers in the same transaction (registry/safeguarding/services.py).
# Sent with the review, ``author`` and ``why`` (one sentence for officers).
review_held = Namespace().signal("review-held")


class ReviewError(Refusal):
    """A rule was broken; the message is safe to show."""


def _flush_once(message: str) -> None:
    """Flush; a unique constraint that fires (two requests at once) becomes a ReviewError.

    The caller rolls back, as it does for every ReviewError.
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise ReviewError(message) from None


# -- enquiries and engagements ---------------------------------------------


def _check_message(text: str) -> None:
    if not text.strip():
        raise ReviewError("Write a message.")
    if len(text) > MAX_MESSAGE:
        raise ReviewError(f"Use at most {MAX_MESSAGE:,} characters.")


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
        raise ReviewError("Enter the postcode district where the help is needed, like LS6.") from None


def _person(recipient: User, person_id: int | str | None) -> CaredForPerson | None:
    if person_id in (None, ""):
        return None
    person = person_of(recipient, int(person_id)) if str(person_id).isdigit() else None
    if person is None:
        raise ReviewError("Choose yourself or someone you arrange care for.")
    return person


def _times(slots: list[str]) -> int:
    try:
        mask = availability_mask(slots)
    except ValueError:
        raise ReviewError("Choose days and times from the list.") from None
    if not mask:
        raise ReviewError("Tick at least one day and time that would suit.")
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


def send_enquiry(recipient: User, provider: Provider, request: EnquiryRequest) -> Enquiry:
    """A recipient asks a listed provider for help with one of its listed services."""
    if recipient.role != Role.RECIPIENT:
        raise ReviewError("Only people looking for care can send enquiries.")
    listed = listed_services_now(provider, today())
    if not listed:
        raise ReviewError("This provider is not taking enquiries through the registry right now.")
    service_type = next((t for t in listed if t.slug == request.service), None)
    if service_type is None:
        raise ReviewError("Choose one of the services this provider is listed for.")
    person = _person(recipient, request.person_id)
    district = _district(request.district if request.district.strip() or person is None else person.district)
    if request.start_date is not None and request.start_date < today():
        raise ReviewError("The start date cannot be in the past. Leave it empty to start as soon as possible.")
    times = _times(request.times)
    if not isinstance(request.hours_per_week, int) or not 1 <= request.hours_per_week <= MAX_HOURS:
        raise ReviewError(f"Enter a whole number of hours from 1 to {MAX_HOURS}.")
    when_needed = request.when_needed.strip()
    if len(when_needed) > MAX_WHEN:
        raise ReviewError(f"Say anything else about timing in at most {MAX_WHEN} characters.")
    _check_message(request.message)
    # One conversation per provider keeps a provider's inbox free of repeats.
    already_open_message = "You already have an open enquiry with this provider: carry on the conversation there."
    if open_enquiry(recipient, provider) is not None:
        raise ReviewError(already_open_message)
    enquiry = Enquiry(
        recipient=recipient,
        provider=provider,
        service_type=service_type,
        district=district,
        start_date=request.start_date,
        times=times,
        hours_per_week=request.hours_per_week,
        when_needed=when_needed or None,
        person=person,
        arranged_by=person.relationship if person else None,
    )
    enquiry.messages.append(EnquiryMessage(author=recipient, body=request.message.strip()))
    db.session.add(enquiry)
    # Two posts at the same moment both pass the check above; the partial unique
    # index (uq_enquiries_one_open) lets only one commit, and the other gets the same message.
    _flush_once(already_open_message)
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
    _flush_once("This enquiry has already been answered.")
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
    _flush_once("This invitation has already been used.")
    return engagement


# -- reviews ---------------------------------------------------------------


@dataclass
class ReviewInput:
    ratings: dict[str, int]
    title: str
    body: str
    supported_for: str | None
    is_concern: bool


def _validate(data: ReviewInput) -> None:
    for dimension, label in DIMENSIONS.items():
        value = data.ratings.get(dimension)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ReviewError(f"Rate {label.lower()} from 1 to 5.")
    if not data.title.strip() or len(data.title) > MAX_TITLE:
        raise ReviewError(f"Give the review a title of at most {MAX_TITLE} characters.")
    if not data.body.strip() or len(data.body) > MAX_BODY:
        raise ReviewError(f"Write your review in at most {MAX_BODY:,} characters.")


def warning_phrase(text: str) -> str | None:
    """The first configured warning phrase in ``text`` (whole words, any case), or None."""
    for phrase in current_app.config["CONCERN_WARNING_PHRASES"]:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, flags=re.IGNORECASE):
            return phrase
    return None


def latest_engagement(recipient_id: int, provider_id: int) -> Engagement | None:
    """The recipient's newest engagement with the provider: the one a review is written for."""
    return db.session.scalar(
        select(Engagement)
        .where(Engagement.recipient_id == recipient_id, Engagement.provider_id == provider_id)
        .order_by(Engagement.confirmed_at.desc(), Engagement.id.desc())
        .limit(1)
    )


def review_by(author_id: int, provider_id: int) -> Review | None:
    """The author's one review of the provider that an officer has not removed, if any."""
    return db.session.scalar(
        select(Review).where(
            Review.author_id == author_id, Review.provider_id == provider_id, Review.status != ReviewStatus.REMOVED
        )
    )


def write_review(engagement: Engagement, author: User, data: ReviewInput, device_id: str | None = None) -> Review:
    """The person supported reviews the provider: one review per person and provider.

    If they have reviewed this provider before, the review is updated instead
    (within ``REVIEW_EDIT_DAYS`` of writing it, or at any time after a later
    engagement, which it then belongs to). ``device_id`` is the browser the
    review is written from. A review that looks like the provider's own is
    refused or flagged for an officer; a possible harm is held for officers.
    """
    if author.id != engagement.recipient_id:
        raise ReviewError("Only the person who was supported can review this engagement.")
    if engagement.provider.user_id == author.id:
        raise ReviewError("You cannot review yourself.")
    latest = latest_engagement(author.id, engagement.provider_id)
    if latest is not None and latest.id != engagement.id:
        engagement = latest  # a review is about the person and provider, written for their newest engagement
    existing = review_by(author.id, engagement.provider_id)
    if existing is not None:
        return edit_review(existing, author, data, engagement=engagement, device_id=device_id)
    if engagement.review is not None:
        raise ReviewError(
            "A safeguarding officer removed your review of this provider. You can review them again after a later engagement."
        )
    _validate(data)
    if device_id:
        remember_device(author, device_id)
    _refuse_self_review(engagement, author)
    now = utcnow()
    review = Review(
        engagement=engagement,
        provider_id=engagement.provider_id,
        author=author,
        written_at=now,
        written_by=_written_by(engagement),
        **_fields(data),
    )
    db.session.add(review)
    _flush_once("You have already reviewed this provider. You can edit your review instead.")
    _flag(review, engagement, author, now)
    _screen(review, data, author)
    recompute_rating(engagement.provider)
    if review.status == ReviewStatus.PUBLISHED:
        provider = engagement.provider
        send_email(
            provider.user.email,
            "reviews/new_review",
            name=provider.display_name,
            author_name=author.name,
            title=review.title,
            slug=provider.slug,
        )
    return review


def _written_by(engagement: Engagement) -> str | None:
    """Care arranged through an enquiry made for someone else is reviewed on their behalf, and says so."""
    return engagement.enquiry.arranged_by if engagement.enquiry is not None else None


def edit_review(
    review: Review, author: User, data: ReviewInput, engagement: Engagement | None = None, device_id: str | None = None
) -> Review:
    """The author changes their review; the new text is screened again.

    Allowed for ``REVIEW_EDIT_DAYS`` after it was written for its engagement,
    and again after a later ``engagement``, which the review then belongs to.
    """
    if review.author_id != author.id:
        raise ReviewError("Only the author can edit this review.")
    if review.is_removed:
        raise ReviewError("This review was removed by an officer.")
    later = (
        engagement is not None
        and engagement.id != review.engagement_id
        and engagement.recipient_id == author.id
        and engagement.provider_id == review.provider_id
    )
    days = current_app.config["REVIEW_EDIT_DAYS"]
    if not later and utcnow() - review.written_at > timedelta(days=days):
        raise ReviewError(
            f"Reviews can be edited for {days} days after they are written. You can update yours after they support you again."
        )
    _validate(data)
    changes = _fields(data)
    if not later and all(getattr(review, key) == value for key, value in changes.items()):
        return review  # saved unchanged: nothing stored changes
    if device_id:
        remember_device(author, device_id)
    _refuse_self_review(engagement if later else review.engagement, author)
    for key, value in changes.items():
        setattr(review, key, value)
    if later:
        now = utcnow()
        review.engagement, review.written_at, review.written_by = engagement, now, _written_by(engagement)
        _flag(review, engagement, author, now)
    db.session.flush()
    if review.status in (ReviewStatus.PUBLISHED, ReviewStatus.FLAGGED):
        _screen(review, data, author)
    recompute_rating(review.provider)
    return review


# -- a provider reviewing itself ------------------------------------------------


def _refuse_self_review(engagement: Engagement, author: User) -> None:
    """Refuse a review the provider could be writing about itself, as far as it shows.

    The same mailbox as the provider's account or public contact address
    (case and plus-addressing ignored), or an account signed in on the same
    browser as the provider's account.
    """
    provider = engagement.provider
    own = {mailbox(provider.user.email)} | ({mailbox(provider.contact_email)} if provider.contact_email else set())
    if mailbox(author.email) in own:
        raise ReviewError("Your account's email address is the provider's own, so you cannot review them.")
    if share_a_device(author.id, provider.user_id):
        raise ReviewError(
            "This account and the provider's account have been signed in on the same device, so reviews from it "
            "cannot count as independent. If you share a computer with them, ask a safeguarding officer through Help and contact."
        )


def _flag(review: Review, engagement: Engagement, author: User, now: datetime) -> None:
    """Hold a review for an officer when it looks like a self-review loop; the reasons go with it.

    The loop: enquiry (or invitation), acceptance and review within
    ``SELF_REVIEW_LOOP_MINUTES``, by an account with the provider's own email
    domain (domains anyone can sign up at, ``PUBLIC_EMAIL_DOMAINS``, say nothing).
    """
    reasons = []
    config = current_app.config
    began = (
        engagement.enquiry.created_at
        if engagement.enquiry_id
        else (engagement.invitation.created_at if engagement.invitation_id else None)
    )
    domain = email_domain(author.email)
    if (
        began is not None
        and domain not in config["PUBLIC_EMAIL_DOMAINS"]
        and domain == email_domain(engagement.provider.user.email)
    ):
        minutes = (now - began).total_seconds() / 60
        if minutes <= config["SELF_REVIEW_LOOP_MINUTES"]:
            start = "enquiry was sent" if engagement.enquiry_id else "provider sent its invitation"
            reasons.append(
                f"Written {max(1, round(minutes))} minutes after the {start}, by an account "
                f"at the provider's own email domain ({domain})."
            )
    review.flag_reasons = reasons or None
    if reasons and review.status in (ReviewStatus.PUBLISHED, ReviewStatus.FLAGGED):
        review.status = ReviewStatus.FLAGGED


def decide_flagged(review: Review, officer: User, publish: bool, reason: str) -> None:
    """An officer publishes or removes a review flagged as possibly the provider's own (audited)."""
    if review.status != ReviewStatus.FLAGGED:
        raise ReviewError("This review is not waiting for a decision.")
    if not reason.strip():
        raise ReviewError("Give a reason for the decision.")
    review.status = ReviewStatus.PUBLISHED if publish else ReviewStatus.REMOVED
    if not publish:
        review.moderation_reason = reason.strip()
    audit.record(
        "review.flag_published" if publish else "review.flag_removed",
        review,
        actor_id=officer.id,
        provider_id=review.provider_id,
        details={"reason": reason.strip(), "flags": review.flag_reasons or []},
    )
    recompute_rating(review.provider)
    send_email(
        review.author.email,
        "reviews/held_review_decided",
        name=review.author.name,
        provider_name=review.provider.display_name,
        title=review.title,
        published=publish,
        reason=reason.strip(),
    )


def flagged_reviews():
    """Reviews waiting for an officer's decision because they may be the provider's own, oldest first."""
    return select(Review).where(Review.status == ReviewStatus.FLAGGED).order_by(Review.written_at, Review.id)


def _fields(data: ReviewInput) -> dict:
    return {
        **data.ratings,
        "title": data.title.strip(),
        "body": data.body.strip(),
        "supported_for": data.supported_for or None,
    }


def _screen(review: Review, data: ReviewInput, author: User) -> None:
    phrase = warning_phrase(f"{data.title} {data.body}")
    if data.is_concern or phrase:
        review.status = ReviewStatus.HELD
        why = "The author marked it as a safeguarding concern." if data.is_concern else f"It mentions “{phrase}”."
        review_held.send(review, author=author, why=why)


def respond(review: Review, provider_user: User, text: str) -> Review:
    """The provider's one public response: writing again replaces it."""
    if review.provider.user_id != provider_user.id:
        raise ReviewError("You can only respond to reviews of your own service.")
    if review.status != ReviewStatus.PUBLISHED:
        raise ReviewError("You can only respond to a published review.")
    if not text.strip() or len(text) > MAX_RESPONSE:
        raise ReviewError(f"Write a response of at most {MAX_RESPONSE:,} characters.")
    review.response, review.responded_at = text.strip(), utcnow()
    db.session.flush()
    return review


def report_review(review: Review, provider_user: User, reason: str) -> ReviewReport:
    """The provider asks officers to look at a published review of its service."""
    if review.provider.user_id != provider_user.id:
        raise ReviewError("You can only report reviews of your own service.")
    if review.status != ReviewStatus.PUBLISHED:
        raise ReviewError("You can only report a published review.")
    if not reason.strip() or len(reason) > MAX_BODY:
        raise ReviewError("Say why an officer should look at this review.")
    if any(r.status == ReportStatus.OPEN for r in review.reports):
        raise ReviewError("You have already reported this review; an officer will look at it.")
    report = ReviewReport(review=review, reason=reason.strip())
    db.session.add(report)
    db.session.flush()
    return report


def decide_report(report: ReviewReport, officer: User, remove: bool, reason: str) -> None:
    """An officer keeps or removes a reported review, with a reason on the audit record."""
    if report.status != ReportStatus.OPEN:
        raise ReviewError("This report has already been decided.")
    if not reason.strip():
        raise ReviewError("Give a reason for the decision.")
    review = report.review
    if review.is_removed:
        raise ReviewError("This review has already been removed.")
    report.status, report.decided_by_id, report.decision_reason = (
        (ReportStatus.REMOVED if remove else ReportStatus.KEPT),
        officer.id,
        reason.strip(),
    )
    if remove:
        review.status, review.moderation_reason = ReviewStatus.REMOVED, reason.strip()
    audit.record(
        "review.removed" if remove else "review.kept",
        review,
        actor_id=officer.id,
        provider_id=review.provider_id,
        details={"reason": reason, "report": report.id},
    )
    recompute_rating(review.provider)
    send_email(
        review.provider.user.email,
        "reviews/report_decided",
        name=review.provider.display_name,
        title=review.title,
        removed=remove,
        reason=reason.strip(),
    )
    if remove:
        send_email(
            review.author.email,
            "reviews/review_removed",
            name=review.author.name,
            title=review.title,
            provider_name=review.provider.display_name,
            reason=reason.strip(),
        )


def release_review(review: Review, officer: User, reason: str) -> None:
    """Publish a held review after an officer has looked at it."""
    if not review.is_held:
        raise ReviewError("Only a held review can be released.")
    if not reason.strip():
        raise ReviewError("Say why the review can be published.")
    review.status = ReviewStatus.PUBLISHED
    audit.record(
        "review.released", review, actor_id=officer.id, provider_id=review.provider_id, details={"reason": reason}
    )
    recompute_rating(review.provider)


def published_reviews(provider: Provider, limit: int | None = None, offset: int = 0) -> list[Review]:
    """Published reviews, newest first; held and removed reviews never appear here."""
    query = (
        select(Review)
        .where(Review.provider_id == provider.id, Review.status == ReviewStatus.PUBLISHED)
        .order_by(Review.written_at.desc(), Review.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def published_review_count(provider: Provider) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Review)
        .where(Review.provider_id == provider.id, Review.status == ReviewStatus.PUBLISHED)
    )


def engagement_to_review(recipient: User, provider: Provider) -> Engagement | None:
    """The engagement the recipient's review form is for, or None while they have none to write or update.

    With no review yet (or only a removed one for an earlier engagement), their
    newest engagement; with one, only a later engagement than it was written for.
    """
    latest = latest_engagement(recipient.id, provider.id)
    if latest is None or latest.review is not None:
        return None
    return latest


@dataclass(frozen=True)
class ProviderReviewSummary:
    """What the provider dashboard shows of this feature's work."""

    open_enquiries: list[Enquiry]
    latest_reviews: list[Review]
    unanswered: int


def provider_review_summary(provider: Provider) -> ProviderReviewSummary:
    """Open enquiries waiting for the provider, its three latest reviews and how many have no response."""
    open_enquiries = list(
        db.session.scalars(
            select(Enquiry)
            .where(Enquiry.provider_id == provider.id, Enquiry.status == EnquiryStatus.OPEN)
            .order_by(Enquiry.id.desc())
        )
    )
    unanswered = db.session.scalar(
        select(func.count())
        .select_from(Review)
        .where(Review.provider_id == provider.id, Review.status == ReviewStatus.PUBLISHED, Review.response.is_(None))
    )
    return ProviderReviewSummary(open_enquiries, published_reviews(provider, limit=3), unanswered or 0)


def keep_enquiries_without_the_person(person: CaredForPerson) -> None:
    """A deleted person's past enquiries stay, saying only that they were for someone else."""
    # Said here as well as by the foreign key: SQLite does not enforce ON DELETE by default.
    db.session.execute(
        update(Enquiry)
        .where(Enquiry.person_id == person.id)
        .values(person_id=None)
        .execution_options(synchronize_session="fetch")
    )
