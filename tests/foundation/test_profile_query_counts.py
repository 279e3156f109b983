"""The profile page and the provider API run a bounded number of queries, however many services, checks and reviews
the provider has (issue 25): each is asked with few and with many, and what was counted is shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.checks.kinds import CheckStatus
from registry.extensions import db
from registry.providers.models import Provider, ProviderService
from tests.factories import CheckFactory, ProviderFactory, ReviewFactory, relist, service_type

# Every service a PA with the usual checks can be listed for (children's support asks for the children's list).
SERVICES = [
    "personal-care",
    "help-at-home",
    "live-in-care",
    "respite",
    "companionship",
    "dementia-support",
    "learning-disability-support",
    "mental-health-support",
    "meal-preparation",
    "meal-delivery",
    "shopping-and-errands",
    "transport-and-escort",
    "cleaning",
    "day-activities",
    "arts-and-music",
    "physiotherapy",
    "nursing",
    "pet-care",
    "end-of-life-care",
]
KINDS = ("identity", "dbs", "right_to_work", "insurance", "food_hygiene", "qualification", "first_aid")
# Provider with its account, services and languages; checks; the services' requirements; then, on the page only,
# the rating, a page of reviews, the CQC location, the council lists; visits kept and reply time.
PROFILE_QUERIES = 9
API_QUERIES = 5


@pytest.fixture
def provider_id(app):
    """A PA listed for companionship, with the checks every service above asks for."""
    with app.app_context():
        provider = ProviderFactory(display_name="Asha Care", services=["companionship"])
        db.session.add_all(CheckFactory.build(provider=provider, kind=kind, relisted=False) for kind in KINDS)
        relist(provider)
        db.session.commit()
        return provider.id


def _slug(app, provider_id) -> str:
    with app.app_context():
        return db.session.get(Provider, provider_id).slug


def add_services(app, provider_id, slugs):
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        provider.services.extend(ProviderService(service_type=service_type(slug)) for slug in slugs)
        relist(provider)
        db.session.commit()
        return [row.service_type.name for row in provider.services if row.listed]


def add_old_checks(app, provider_id, n):
    """Checks replaced long ago: a provider's history grows with every renewal."""
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        for i in range(n):
            db.session.add(CheckFactory.build(provider=provider, kind=KINDS[i % len(KINDS)], relisted=False))
        db.session.flush()
        for check in provider.checks[len(KINDS) : len(KINDS) + n]:
            check.status = CheckStatus.SUPERSEDED
        relist(provider)
        db.session.commit()
        return len(provider.checks)


def add_reviews(app, provider_id, start, n):
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        for i in range(start, start + n):
            ReviewFactory(engagement__enquiry__provider=provider, title=f"Kind and on time {i:03d}")
        db.session.commit()
    return [f"Kind and on time {i:03d}" for i in range(start, start + n)]


def _queries(client, count_queries, url) -> tuple[int, str]:
    client.get(url)  # warm: per-process caches
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "ceiling"), [("/providers/{}", PROFILE_QUERIES), ("/api/v1/providers/{}", API_QUERIES)]
)
def test_one_service_or_nineteen(app, client, count_queries, provider_id, url, ceiling):
    url = url.format(_slug(app, provider_id))
    few, body = _queries(client, count_queries, url)
    assert "Companionship" in body and "Personal care" not in body
    names = add_services(app, provider_id, [s for s in SERVICES if s != "companionship"])
    assert len(names) == len(SERVICES)  # every one listed
    many, body = _queries(client, count_queries, url)
    assert all(name in body for name in names), [name for name in names if name not in body]
    assert few == many <= ceiling, (few, many)


@pytest.mark.parametrize(
    ("url", "ceiling"), [("/providers/{}", PROFILE_QUERIES), ("/api/v1/providers/{}", API_QUERIES)]
)
def test_seven_checks_or_twenty(app, client, count_queries, provider_id, url, ceiling):
    url = url.format(_slug(app, provider_id))
    few, body = _queries(client, count_queries, url)
    assert add_old_checks(app, provider_id, 13) == 20
    many, after = _queries(client, count_queries, url)
    # The current checks still speak for the provider (the food hygiene rating among them); the old ones count too.
    assert "hygiene" in body.lower() and "hygiene" in after.lower()
    assert few == many <= ceiling, (few, many)


@pytest.mark.parametrize(
    ("url", "ceiling"), [("/providers/{}", PROFILE_QUERIES), ("/api/v1/providers/{}", API_QUERIES)]
)
def test_one_review_or_twenty(app, client, count_queries, provider_id, url, ceiling):
    url = url.format(_slug(app, provider_id))
    first = add_reviews(app, provider_id, 0, 1)
    few, body = _queries(client, count_queries, url)
    if url.startswith("/providers/"):
        assert first[0] in body
    titles = first + add_reviews(app, provider_id, 1, 19)
    many, body = _queries(client, count_queries, url)
    if url.startswith("/providers/"):
        # The first page of reviews (ten), newest first, and the rating counts all twenty.
        assert sum(title in body for title in titles) == 10 and "from 20 verified reviews" in body
    assert few == many <= ceiling, (few, many)


def test_the_profile_shows_council_lists_only_for_services_listed_today(app, client, provider_id):
    """The lists come from the listing rule asked once, in Python, for the page: a lapsed check hides the list of
    the service that needs it, while the page stays up for the service that does not."""
    from datetime import timedelta

    from registry.checks.models import Check
    from registry.councils.models import Council, EntryStatus, Framework, FrameworkEntry
    from registry.models import today

    add_services(app, provider_id, ["meal-delivery"])  # identity, food hygiene and insurance: no DBS check
    with app.app_context():
        framework = Framework(
            council=Council(name="Leeds City Council", slug="leeds"),
            name="Home support 2026",
            starts_on=today() - timedelta(days=1),
            ends_on=today() + timedelta(days=300),
        )
        db.session.add(
            FrameworkEntry(
                framework=framework,
                provider_id=provider_id,
                service_type=service_type("companionship"),
                rate_pence=2000,
                status=EntryStatus.APPROVED,
            )
        )
        db.session.commit()
    url = f"/providers/{_slug(app, provider_id)}"
    assert "Leeds City Council" in client.get(url).text  # the positive control
    with app.app_context():
        dbs = db.session.scalar(select(Check).where(Check.provider_id == provider_id, Check.kind == "dbs"))
        dbs.valid_until = today() - timedelta(days=1)  # lapsed at midnight; no job has run
        db.session.commit()
    page = client.get(url)
    assert page.status_code == 200 and "Meal delivery" in page.text
    assert "Leeds City Council" not in page.text
