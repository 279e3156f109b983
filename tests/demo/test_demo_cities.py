"""The demo feels real: a newcomer searching any big city finds a full page.

Seeds only the cities' cores (the country-wide spread adds nothing these
tests need and would only slow CI; the full seed is timed in the README), then
asks the real search API, so the listing rule, the index and the presenter's
database confirmation all have their say.
"""

from __future__ import annotations

from sqlalchemy import func, select

from registry import demo
from registry.checks.models import Check
from registry.extensions import db
from registry.providers.models import Provider, ProviderService
from registry.providers.vocabulary import ProviderKind


def test_a_newcomer_finds_a_full_page_in_every_big_city(app, client):
    # One seed for all the assertions: seeding the cores takes most of this test's time.
    with app.app_context():
        demo.seed(demo.plan(cities=len(demo.CITIES), spread=0))
        db.session.commit()

    short = {}
    for city, centre in demo.CITIES:
        for service in demo.COMMON_SERVICES:
            body = client.get(
                "/api/v1/search", query_string={"postcode": centre, "service": service, "radius": 10}
            ).get_json()
            if body["total"] < 15:
                short[(city, service)] = body["total"]
    assert short == {}

    # The home page suggests LS6 2AA: typing it fills the first page.
    api = client.get("/api/v1/search", query_string={"postcode": "LS6 2AA"}).get_json()
    assert api["total"] > 20 and len(api["results"]) == 20

    with app.app_context():
        # Listed by the rule, from approved checks; never set by hand.
        for provider in db.session.scalars(select(Provider).where(Provider.status == "listed")):
            assert any(c.status == "approved" for c in provider.checks), provider.slug
        # The demo still shows every state, and suspended providers are listed for nothing.
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ProviderService)
                .join(Provider)
                .where(Provider.status == "suspended", ProviderService.listed.is_(True))
            )
            == 0
        )
        assert db.session.scalar(select(func.count()).select_from(Check).where(Check.status == "lapsed")) > 0


def test_rates_look_like_the_market():
    plans = demo.plan()
    pas = [p for p in plans if p.kind == ProviderKind.PA and "personal-care" in p.services]
    agencies = [p for p in plans if p.kind == ProviderKind.ORGANISATION and "personal-care" in p.services]
    assert all(1300 <= p.rate_min <= 1800 for p in pas)
    assert all(2500 <= p.rate_min <= 3200 for p in agencies)
    # Demand-heavy services are common, specialist ones rare.
    offered = {
        slug: sum(slug in p.services for p in plans) for slug in ("personal-care", "companionship", "physiotherapy")
    }
    assert (
        offered["personal-care"] > 5 * offered["physiotherapy"]
        and offered["companionship"] > 5 * offered["physiotherapy"]
    )


def test_the_plan_is_the_same_every_time():
    assert [(p.email, p.outcode, p.services, p.state) for p in demo.plan(cities=2, spread=10)] == [
        (p.email, p.outcode, p.services, p.state) for p in demo.plan(cities=2, spread=10)
    ]
