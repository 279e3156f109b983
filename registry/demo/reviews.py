"""Demo reviews: listed providers get believable verified reviews and scores.

Called by ``registry.demo.seed`` for each provider it has just listed, so it is
idempotent the same way (existing providers are never seeded again). The first
suitable providers also get one example of each piece of officer and provider
work, so every queue has something in it: an open enquiry, a review reported
by its provider and a review held back as a safeguarding concern.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import exists, select

from registry.accounts.models import User
from registry.checks.listing import listed_services_now
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import Provider
from registry.providers.vocabulary import DAYS, availability_mask
from registry.reviews import services
from registry.reviews.models import DIMENSIONS, Engagement, Enquiry, EnquiryMessage, Review, ReviewReport, ReviewStatus
from registry.reviews.scoring import recompute_rating

# Words that match the ratings: a 5-star review does not complain of late visits.
GLOWING = [
    (
        "Kind, calm and always on time",
        "Arrives when they say, chats with Dad about the football and never rushes him. We trust them completely.",
    ),
    (
        "Made a real difference to Mum",
        "They learned Mum's routines quickly and let us know when something seemed off. Worth every penny.",
    ),
    (
        "Lovely with my dad",
        "Dad looks forward to every visit. They remember the little things, like how he takes his tea.",
    ),
    (
        "Great cook, great company",
        "A hot meal every day and a proper conversation in my own language. I am eating well again.",
    ),
    ("Patient and respectful", "Always asks before helping and treats my husband with real dignity."),
]
GOOD = [
    (
        "Reliable and thoughtful",
        "Dependable every week and easy to talk to. Occasionally a few minutes late, but always calls ahead.",
    ),
    ("Dependable every week", "Helped me get back out to the library and the shops. I feel much more confident now."),
    (
        "Speaks Nan's language",
        "Speaks my grandmother's language, which means she finally has someone to talk to during the day.",
    ),
]
MIXED = [
    (
        "Good, some hiccups early on",
        "A couple of late visits in the first month and one missed visit, but communication has been better since.",
    ),
    (
        "Caring but stretched",
        "Very kind when here, but visits are often shorter than booked. We have raised it and it is improving.",
    ),
]
SUPPORTED_FOR = [None, "under-3-months", "3-12-months", "1-3-years", "over-3-years"]


def _review(provider: Provider, recipient: User, rng: random.Random, days_ago: int) -> Review:
    base = rng.choice([3, 4, 4, 5, 5, 5])
    ratings = {
        d: max(
            1,
            min(
                5, base + rng.choice([-1, 0, 0, 0, 1]) - (1 if d == "value" and base == 5 and rng.random() < 0.3 else 0)
            ),
        )
        for d in DIMENSIONS
    }
    mean = sum(ratings.values()) / len(ratings)
    title, body = rng.choice(GLOWING if mean >= 4.5 else GOOD if mean >= 3.6 else MIXED)
    engagement = Engagement(
        recipient_id=recipient.id,
        provider_id=provider.id,
        confirmed_at=utcnow() - timedelta(days=days_ago + rng.randint(10, 200)),
    )
    written = utcnow() - timedelta(days=days_ago)
    review = Review(
        engagement=engagement,
        provider_id=provider.id,
        author_id=recipient.id,
        title=title,
        body=body,
        supported_for=rng.choice(SUPPORTED_FOR),
        created_at=written,
        written_at=written,
        **ratings,
    )
    if mean >= 4.4 and rng.random() < 0.35:
        review.response, review.responded_at = (
            "Thank you so much for taking the time to write this. It means a lot to the whole team.",
            review.created_at + timedelta(days=2),
        )
    db.session.add_all([engagement, review])
    return review


def seed_reviews(provider: Provider, recipients: list[User], rng: random.Random) -> int:
    """Give a listed provider 0 to 12 published reviews from demo recipients; returns how many."""
    count = rng.choice([0, 1, 2, 3, 3, 4, 5, 8, 12])
    # Each from a different person (one review per person and provider); the last recipient is kept for the held example.
    reviews = [
        _review(provider, recipients[n % (len(recipients) - 1)], rng, days_ago=rng.randint(3, 500))
        for n in range(count)
    ]
    db.session.flush()
    if reviews:
        _examples(provider, recipients, reviews)
    recompute_rating(provider)
    return count


def _examples(provider: Provider, recipients: list[User], reviews: list[Review]) -> None:
    """One open enquiry, one reported review and one held review, on the first providers that fit."""
    listed = listed_services_now(provider, today())
    if not db.session.scalar(select(exists().where(Enquiry.id.is_not(None)))) and listed:
        recipient = recipients[0]
        weekday_mornings = availability_mask([f"{day}-morning" for day in DAYS[:5]])
        enquiry = Enquiry(
            recipient_id=recipient.id,
            provider_id=provider.id,
            service_type_id=listed[0].id,
            district=provider.outcode,
            start_date=today() + timedelta(days=28),
            times=weekday_mornings,
            hours_per_week=5,
        )
        enquiry.messages.append(
            EnquiryMessage(
                author_id=recipient.id,
                body="Hello, my mother needs help getting up and dressed, about an hour each morning. Do you have space?",
            )
        )
        db.session.add(enquiry)
    elif not db.session.scalar(select(exists().where(ReviewReport.id.is_not(None)))):
        services.report_review(
            reviews[0],
            provider.user,
            "We have no record of supporting this person; please check it is a real engagement.",
        )
    elif not db.session.scalar(select(exists().where(Review.status == ReviewStatus.HELD))):
        held = _review(provider, recipients[-1], random.Random(provider.id), days_ago=1)
        held.title, held.body, held.status = (
            "Worried about last week",
            "Mum had a bruise on her arm after the Tuesday visit and was upset. Nobody explained it.",
            ReviewStatus.HELD,
        )
        db.session.flush()
        services.review_held.send(held, author=held.author, why="It mentions “bruise”.")
    db.session.flush()
