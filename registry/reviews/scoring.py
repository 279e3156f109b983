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
from sqlalchemy import func, select

from registry.extensions import db
from registry.providers.models import Provider
from registry.reviews.models import DIMENSIONS, ProviderRating, Review, ReviewStatus


def bayesian_score(overall_out_of_ten: list[float], prior_mean: float, prior_weight: float) -> float | None:
    """The formula above for a list of review scores out of 10; None when there are none."""
    if not overall_out_of_ten:
        return None
    return _bayesian(sum(overall_out_of_ten), len(overall_out_of_ten), prior_mean, prior_weight)


def _bayesian(total: float, n: int, prior_mean: float, prior_weight: float) -> float:
    return (prior_weight * prior_mean + total) / (prior_weight + n)


def recompute_rating(provider: Provider) -> ProviderRating:
    """Store the provider's score from its published reviews (one aggregate query) and tell search.

    Call it whenever a review is written, edited, held, released or removed.
    """
    sums = [func.sum(getattr(Review, d)) for d in DIMENSIONS]
    row = db.session.execute(
        select(func.count(Review.id), *sums).where(
            Review.provider_id == provider.id, Review.status == ReviewStatus.PUBLISHED
        )
    ).one()
    n, dimension_sums = row[0], dict(zip(DIMENSIONS, row[1:], strict=True))
    config = current_app.config
    rating = db.session.get(ProviderRating, provider.id) or ProviderRating(provider_id=provider.id)
    rating.review_count = n
    if n:
        # Σ overall_i out of 10 = 2 × Σ (mean of review i's five ratings) = 2 × (sum of every rating) / 5.
        total_out_of_ten = 2 * sum(dimension_sums.values()) / len(DIMENSIONS)
        rating.score = _bayesian(total_out_of_ten, n, config["REVIEW_PRIOR_MEAN"], config["REVIEW_PRIOR_WEIGHT"])
        rating.dimensions = {d: round(dimension_sums[d] / n, 2) for d in DIMENSIONS}
    else:
        rating.score, rating.dimensions = None, {}
    db.session.add(rating)
    db.session.flush()
    return rating


def rating_of(provider_id: int) -> tuple[float | None, int]:
    """(score out of 10 or None, number of published reviews) as stored."""
    rating = db.session.get(ProviderRating, provider_id)
    return (None, 0) if rating is None else (rating.score, rating.review_count)
