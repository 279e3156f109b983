"""Rules for reviews: writing and editing one, a provider reviewing itself, responses, reports and
moderation, and what a profile shows. Enquiries and engagements are in registry/reviews/enquiries.py.
Services flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from registry import audit
from registry.accounts.devices import remember_device, share_a_device
from registry.accounts.models import User
from registry.accounts.services import email_domain, mailbox
from registry.extensions import db
from registry.mail import send_email
from registry.models import utcnow
from registry.providers.models import Provider
from registry.reviews.models import (
    DIMENSIONS,
    Engagement,
    Enquiry,
    EnquiryStatus,
    ReportStatus,
    Review,
    ReviewReport,
    ReviewStatus,
)
from registry.reviews.scoring import recompute_rating
from registry.unitofwork import Refusal

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


def flush_once(message: str) -> None:
    """Flush; a unique constraint that fires (two requests at once) becomes a ReviewError.

    The caller rolls back, as it does for every ReviewError.
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise ReviewError(message) from None


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
    flush_once("You have already reviewed this provider. You can edit your review instead.")
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
