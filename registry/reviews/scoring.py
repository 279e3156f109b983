"""The provider's score out of 10.

    score = (W × M + Σ 2 × overall_i) / (W + n)

where overall_i is review i's mean rating over the five dimensions (1–5,
doubled to be out of 10), n the number of published reviews, M the prior
mean (``REVIEW_PRIOR_MEAN``, default 7.0) and W the prior weight
(``REVIEW_PRIOR_WEIGHT``, default 5): as if five reviews of 7/10 had been
given before the first real one. One 10/10 review gives 7.5; fifty reviews
averaging 9/10 give 8.8, so a single glowing review never outranks fifty good
ones. Held and removed reviews do not count.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from registry.extensions import db
from registry.providers.models import Provider
from registry.reviews.models import DIMENSIONS, ProviderRating, Review
from registry.searching.outbox import enqueue_reindex


def bayesian_score(overall_out_of_ten: list[float], prior_mean: float, prior_weight: float) -> float | None:
    if not overall_out_of_ten:
        return None
    return (prior_weight * prior_mean + sum(overall_out_of_ten)) / (prior_weight + len(overall_out_of_ten))


def recompute_rating(provider: Provider) -> ProviderRating:
    """Store the provider's score from its published reviews and tell search."""
    reviews = list(db.session.scalars(select(Review).where(Review.provider_id == provider.id, Review.status == "published")))
    config = current_app.config
    rating = db.session.get(ProviderRating, provider.id) or ProviderRating(provider_id=provider.id)
    rating.review_count = len(reviews)
    rating.score = bayesian_score([2 * r.overall for r in reviews], config["REVIEW_PRIOR_MEAN"], config["REVIEW_PRIOR_WEIGHT"])
    rating.dimensions = {d: round(sum(getattr(r, d) for r in reviews) / len(reviews), 2) for d in DIMENSIONS} if reviews else {}
    db.session.add(rating)
    db.session.flush()
    enqueue_reindex(provider.id)
    return rating


def rating_of(provider_id: int) -> tuple[float | None, int]:
    rating = db.session.get(ProviderRating, provider_id)
    return (None, 0) if rating is None else (rating.score, rating.review_count)
