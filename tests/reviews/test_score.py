"""The score a family reads on a profile and in the API, worked out here from the documented formula.

    score = (W × M + Σ 2 × overall_i) / (W + n)

with overall_i the mean of review i's five ratings, M = REVIEW_PRIOR_MEAN and W = REVIEW_PRIOR_WEIGHT; held and
removed reviews do not count. The expected figures are computed in the test from the ratings it writes, never
read back from the code under test.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.providers.services import get_by_slug
from registry.reviews import services
from registry.reviews.models import Engagement, ProviderRating, Review
from registry.reviews.scoring import recompute_rating
from tests.conftest import approve_checks

# Three people's ratings: reliability, quality, kindness, communication, value.
RATINGS = [(5, 5, 5, 4, 4), (3, 4, 4, 4, 3), (2, 3, 3, 4, 3)]
DIMENSIONS = ("reliability", "quality", "kindness", "communication", "value")
LABELS = ("Reliability and punctuality", "Quality of care", "Kindness and respect", "Communication", "Value for money")


def _documented_score(ratings, prior_mean=7.0, prior_weight=5.0):
    overall = [2 * sum(r) / 5 for r in ratings]
    return (prior_weight * prior_mean + sum(overall)) / (prior_weight + len(overall))


def _review(app, slug: str, email: str, ratings) -> int:
    """A person the provider supports (the engagement is test set-up) reviews it through the service; returns its id."""
    with app.app_context():
        provider = get_by_slug(slug)
        person = db.session.scalar(select(User).where(User.email == email))
        engagement = Engagement(recipient_id=person.id, provider_id=provider.id)
        db.session.add(engagement)
        db.session.flush()
        review = services.write_review(
            engagement,
            person,
            services.ReviewInput(
                ratings=dict(zip(DIMENSIONS, ratings, strict=True)),
                title="Our experience",
                body="She comes when she says she will and my dad likes her.",
                supported_for=None,
                is_concern=False,
            ),
        )
        assert review.status == "published"
        db.session.commit()
        return review.id


def _api_rating(app, slug: str) -> dict:
    response = app.test_client().get(f"/api/v1/providers/{slug}/reviews")
    assert response.status_code == 200
    return response.get_json()["rating"]


def test_a_provider_nobody_has_reviewed_has_no_score(app, listed, make_user):
    assert _api_rating(app, listed) == {"score": None, "count": 0}
    assert "No reviews yet." in app.test_client().get(f"/providers/{listed}").text


def test_the_score_and_the_averages_follow_the_documented_formula(app, listed, make_user):
    for n, ratings in enumerate(RATINGS):
        _review(app, listed, make_user(), ratings)
    expected = _documented_score(RATINGS)  # (35 + 9.2 + 7.2 + 6.0) / 8 = 7.175
    assert expected == pytest.approx(7.175)
    assert _api_rating(app, listed) == {"score": round(expected, 1), "count": 3}
    page = app.test_client().get(f"/providers/{listed}").text
    assert "<strong>7.2/10</strong> from 3 verified reviews" in page
    # Each dimension's average over the three reviews, to two places.
    for label, column in zip(LABELS, zip(*RATINGS, strict=True), strict=True):
        assert f"{label}: {round(sum(column) / 3, 2)}/5" in page
    assert "Reliability and punctuality: 3.33/5" in page and "Quality of care: 4.0/5" in page
    with app.app_context():
        stored = db.session.scalar(select(ProviderRating))
        assert stored.score == pytest.approx(expected)
        assert stored.dimensions == {
            "reliability": 3.33,
            "quality": 4.0,
            "kindness": 4.0,
            "communication": 4.0,
            "value": 3.33,
        }


def test_one_review_reads_singular_and_is_pulled_towards_the_prior(app, listed, make_user):
    _review(app, listed, make_user(), (5, 5, 5, 5, 5))
    assert _api_rating(app, listed) == {"score": 7.5, "count": 1}  # (35 + 10) / 6
    page = app.test_client().get(f"/providers/{listed}").text
    assert re.search(r"<strong>7\.5/10</strong> from 1 verified review\s", page)


@pytest.mark.parametrize("app_config", [{"REVIEW_PRIOR_MEAN": 6.0, "REVIEW_PRIOR_WEIGHT": 2.0}])
def test_the_prior_comes_from_the_settings(app, listed, make_user, app_config):
    for n, ratings in enumerate(RATINGS[:2]):
        _review(app, listed, make_user(), ratings)
    expected = _documented_score(RATINGS[:2], prior_mean=6.0, prior_weight=2.0)  # (12 + 9.2 + 7.2) / 4 = 7.1
    assert _api_rating(app, listed) == {"score": round(expected, 1), "count": 2}
    with app.app_context():
        assert db.session.scalar(select(ProviderRating.score)) == pytest.approx(7.1)


def test_a_held_review_leaves_the_score_and_the_last_one_leaves_no_score(app, listed, make_user):
    first = _review(app, listed, make_user(), RATINGS[0])
    _review(app, listed, make_user(), RATINGS[1])
    assert _api_rating(app, listed)["count"] == 2
    with app.app_context():
        for review in db.session.scalars(select(Review)):
            review.status = "held" if review.id == first else review.status
        rating = recompute_rating(get_by_slug(listed))
        assert (rating.review_count, rating.score) == (1, pytest.approx(_documented_score(RATINGS[1:2])))
        db.session.commit()
    assert _api_rating(app, listed) == {"score": round(_documented_score(RATINGS[1:2]), 1), "count": 1}
    with app.app_context():
        for review in db.session.scalars(select(Review)):
            review.status = "removed"
        rating = recompute_rating(get_by_slug(listed))
        assert (rating.review_count, rating.score, rating.dimensions) == (0, None, {})
        db.session.commit()
    assert _api_rating(app, listed) == {"score": None, "count": 0}
    assert "No reviews yet." in app.test_client().get(f"/providers/{listed}").text


def test_each_provider_is_scored_on_its_own_reviews_only(app, listed, make_provider, make_user):
    other = make_provider("pa", name="Other Provider")
    approve_checks(app, other)
    _review(app, listed, make_user(), RATINGS[0])
    _review(app, other, make_user(), RATINGS[2])
    _review(app, other, make_user(), RATINGS[2])
    assert _api_rating(app, listed) == {"score": round(_documented_score(RATINGS[:1]), 1), "count": 1}
    assert _api_rating(app, other) == {"score": round(_documented_score([RATINGS[2]] * 2), 1), "count": 2}
    assert "Reliability and punctuality: 2.0/5" in app.test_client().get(f"/providers/{other}").text
