"""Demo reviews: listed providers get believable verified reviews and scores."""

from __future__ import annotations

import random
from datetime import timedelta

from registry.accounts.models import User
from registry.extensions import db
from registry.models import utcnow
from registry.providers.models import Provider
from registry.reviews.models import DIMENSIONS, Engagement, Review
from registry.reviews.scoring import recompute_rating

TITLES = ["Kind, calm and always on time", "Made a real difference to Mum", "Reliable and thoughtful", "Good, some hiccups early on",
          "Lovely with my dad", "Great cook, great company", "Patient and respectful", "Dependable every week"]
BODIES = [
    "Arrives when they say, chats with Dad about the football and never rushes him. We trust them completely.",
    "They learned Mum's routines quickly and let us know when something seemed off. Worth every penny.",
    "A couple of late visits in the first month, but communication has been excellent since.",
    "Speaks my grandmother's language, which means she finally has someone to talk to during the day.",
    "Helped me get back out to the library and the shops. I feel much more confident now.",
]


def seed_reviews(provider: Provider, recipients: list[User], rng: random.Random) -> int:
    """Give a listed provider 0 to 8 reviews from demo recipients; returns how many."""
    count = rng.choice([0, 1, 2, 3, 3, 5, 8])
    for n in range(count):
        recipient = recipients[n % len(recipients)]
        engagement = Engagement(recipient_id=recipient.id, provider_id=provider.id)
        db.session.add(engagement)
        base = rng.choice([3, 4, 4, 5, 5])
        review = Review(
            engagement=engagement, provider_id=provider.id, author_id=recipient.id,
            title=rng.choice(TITLES), body=rng.choice(BODIES),
            supported_for=rng.choice([None, "3-12-months", "1-3-years"]),
            created_at=utcnow() - timedelta(days=rng.randint(20, 400)),
            **{d: max(1, min(5, base + rng.choice([-1, 0, 0, 0, 1]))) for d in DIMENSIONS},
        )
        db.session.add(review)
    if count:
        db.session.flush()
        recompute_rating(provider)
    return count
