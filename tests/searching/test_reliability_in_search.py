"""Visit reliability in search: on the card and in /api/v1/search from the index (no query), and in best match."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from registry.visits.services import respond_to_visit
from tests.searching.conftest import suspend
from tests.visits.conftest import give_visit_history

MIN_VISITS = 5


@pytest.fixture
def app_config():
    # The catch-up query runs at most once a second per process; keep it out of the counted requests.
    return {"RELIABILITY_MIN_VISITS": MIN_VISITS, "SEARCH_CATCHUP_SECONDS": 3600}


class _Cards(HTMLParser):
    """Each result card's name (its heading) and its reliability line, as a reader sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cards: list[dict] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "article" and "result" in classes:
            self.cards.append({"name": "", "reliability": None})
        elif self.cards and tag == "h3":
            self._in = "name"
        elif self.cards and tag == "p" and "reliability" in classes:
            self._in, self.cards[-1]["reliability"] = "reliability", ""

    def handle_endtag(self, tag):
        if tag in ("h3", "p"):
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.cards[-1][self._in] += data


def cards(html: str) -> dict[str, str | None]:
    parser = _Cards()
    parser.feed(html)
    return {card["name"].strip(): card["reliability"] for card in parser.cards}


def _history(app, slug: str, kept: int, missed: int = 0) -> None:
    """``kept`` visits the person confirmed and ``missed`` they said were missed, all in the last month."""
    with app.app_context():
        person = db.session.scalar(select(User.id).where(User.email == "visited@example.com"))
        if person is None:
            from registry.accounts.services import create_user

            person = create_user("visited@example.com", "a long passphrase 1", "Visited", "recipient").id
        day = today() - timedelta(days=10)
        give_visit_history(
            get_by_slug(slug).id,
            person,
            [{"day": day, "provider": "came", "person": "kept"}] * kept + [{"day": day, "person": "missed"}] * missed,
        )
        db.session.commit()  # the outbox follows the visit records: the index rewrites the provider's document


def test_the_card_and_the_api_show_the_figure_only_at_or_above_the_minimum(app, client, listed_provider):
    listed_provider(name="Steady Carer")
    listed_provider(name="New Carer")
    _history(app, get_by_slug_in(app, "Steady Carer"), kept=19, missed=1)
    _history(app, get_by_slug_in(app, "New Carer"), kept=4)  # below the minimum of 5
    shown = cards(client.get("/search?postcode=LS6+2AA").get_data(as_text=True))
    assert shown == {"Steady Carer": "Kept 95 % of 20 confirmed visits in the last 12 months", "New Carer": None}
    results = {r["name"]: r for r in client.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]}
    assert results["Steady Carer"]["visits"] == {
        "kept": 19,
        "confirmed": 20,
        "percent": 95,
        "text": "Kept 95 % of 20 confirmed visits in the last 12 months",
    }
    assert results["New Carer"]["visits"] is None


def get_by_slug_in(app, name: str) -> str:
    from registry.providers.models import Provider

    with app.app_context():
        return db.session.scalar(select(Provider.slug).where(Provider.display_name == name))


@pytest.mark.parametrize("url", ["/search?postcode=LS6+2AA", "/api/v1/search?postcode=LS6+2AA"])
@pytest.mark.parametrize("rows", [3, 30])
def test_showing_reliability_costs_no_query_per_card(app, client, count_queries, listed_provider, url, rows):
    for n in range(rows):
        _history(app, listed_provider(name=f"Carer {n}"), kept=5 + n % 3, missed=n % 2)
    client.get(url)  # the first search of a process loads the taxonomy and catches up
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    if url.startswith("/api"):
        figures = [r["visits"]["text"] for r in response.get_json()["results"]]
    else:
        figures = list(cards(response.get_data(as_text=True)).values())
    assert len(figures) == min(rows, 20) and all(f and f.startswith("Kept ") for f in figures)
    assert len(statements) <= 2, statements


def test_best_match_puts_the_provider_that_keeps_its_visits_first(app, client, listed_provider):
    """Three providers alike in all but their visits, in the same district: the figure decides the order."""
    for name in ("Alpha Care", "Beta Care", "Gamma Care"):
        listed_provider(name=name)
    order = lambda: [r["name"] for r in client.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]]  # noqa: E731
    assert order() == ["Alpha Care", "Beta Care", "Gamma Care"]  # equal scores: the older first
    _history(app, get_by_slug_in(app, "Alpha Care"), kept=6, missed=4)  # 60 % kept: below the neutral 0.9
    _history(app, get_by_slug_in(app, "Gamma Care"), kept=10)  # 100 %: above it
    # Beta has no figure: it gets the neutral 0.9, between the two.
    assert order() == ["Gamma Care", "Beta Care", "Alpha Care"]
    scores = {r["name"]: r for r in client.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]}
    assert scores["Gamma Care"]["visits"]["percent"] == 100 and scores["Alpha Care"]["visits"]["percent"] == 60


def test_a_confirmation_through_the_visits_flow_reaches_the_card(app, client, listed_provider, make_user):
    """The outbox follows a visit record to its provider: the person's answer changes the card after the commit."""
    slug = listed_provider(name="Kim Lewis")
    _history(app, slug, kept=4)  # one short of the minimum
    assert cards(client.get("/search?postcode=LS6+2AA").get_data(as_text=True)) == {"Kim Lewis": None}
    with app.app_context():
        from registry.reviews.models import Engagement
        from registry.visits.models import Agreement

        provider = get_by_slug(slug)
        engagement = db.session.scalar(select(Engagement).where(Engagement.provider_id == provider.id))
        db.session.add(
            Agreement(
                engagement_id=engagement.id,
                service_type_id=provider.services[0].service_type_id,
                slots=[{"date": today().isoformat(), "start": "14:00", "end": "15:00"}],
                price_basis="hourly",
                rate_pence=1650,
                funding="self-funded",
                starts_on=today(),
                status="agreed",
                proposed_by_id=engagement.recipient_id,
            )
        )
        db.session.flush()
        from datetime import time

        respond_to_visit(engagement, db.session.get(User, engagement.recipient_id), today(), time(14), "late")
        db.session.commit()
    shown = cards(client.get("/search?postcode=LS6+2AA").get_data(as_text=True))
    assert shown == {"Kim Lewis": "Kept 100 % of 5 confirmed visits in the last 12 months"}


def test_a_reliable_provider_that_is_not_listed_is_never_shown(app, client, listed_provider):
    reliable, other = listed_provider(name="Reliable Carer"), listed_provider(name="Other Carer")
    _history(app, reliable, kept=30)
    suspend(app, reliable)
    names = [r["name"] for r in client.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]]
    assert names == ["Other Carer"]
    assert "Reliable Carer" not in cards(client.get("/search?postcode=LS6+2AA").get_data(as_text=True))
    assert other
