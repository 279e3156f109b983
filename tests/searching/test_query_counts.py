"""A search answers from the index plus two queries, whatever the page size."""

import re

import pytest

from tests.searching.conftest import suspend
from tests.searching.test_search_app import _hold_index_lock


@pytest.fixture
def app_config():
    # The catch-up query runs at most once a second per process; keep it out of
    # the counted request, and count it separately below.
    return {"SEARCH_CATCHUP_SECONDS": 3600, "SEARCH_LOCK_TIMEOUT": 0.05}


SEARCHES = [
    "/api/v1/search?postcode=LS6+2AA",
    "/api/v1/search?postcode=LS6+2AA&service=personal-care&sort=price&q=provider",
    "/search?postcode=LS6+2AA",
    "/search?postcode=LS6+2AA&service=companionship&language=cy",
]


@pytest.fixture
def providers(app, listed_provider):
    def _make(n):
        return [listed_provider() for _ in range(n)]

    return _make


@pytest.mark.parametrize("url", SEARCHES)
@pytest.mark.parametrize("rows", [3, 30])
def test_a_search_runs_at_most_two_queries_whatever_the_rows(client, count_queries, providers, url, rows):
    providers(rows)
    client.get(url)  # the first search of a process loads the taxonomy and catches up
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    shown = (
        len(response.get_json()["results"])
        if url.startswith("/api")
        else response.get_data(as_text=True).count('class="result"')
    )
    assert shown == min(rows, 20)
    assert len(statements) <= 2, statements


def test_the_page_shows_what_the_index_holds(client, providers):
    providers(1)
    body = client.get("/search?postcode=LS6+2AA").get_data(as_text=True)
    assert "£18–£22 an hour" in body
    # Exactly these languages and services, in whichever order the index keeps them.
    assert set(re.search(r"Speaks ([^<]+)</p>", body).group(1).split(", ")) == {"English", "Welsh"}
    assert re.search(r"(Personal care, Companionship|Companionship, Personal care)\b", body)


def test_a_suspension_the_index_missed_is_still_caught_by_the_two_queries(app, client, count_queries, providers):
    slugs = providers(3)
    client.get("/api/v1/search?postcode=LS6+2AA")
    writer = _hold_index_lock(app)
    try:
        suspend(app, slugs[0])  # committed; the index cannot hear of it
    finally:
        writer.cancel()
    with count_queries() as statements:
        body = client.get("/api/v1/search?postcode=LS6+2AA").get_json()
    assert slugs[0] not in [r["slug"] for r in body["results"]]
    assert {r["slug"] for r in body["results"]} == set(slugs[1:])
    assert len(statements) <= 2


def test_the_catch_up_adds_one_cheap_query_when_due(app, client, count_queries, providers):
    slugs = providers(3)
    client.get("/api/v1/search?postcode=LS6+2AA")
    app.config["SEARCH_CATCHUP_SECONDS"] = 0
    with count_queries() as statements:
        response = client.get("/api/v1/search?postcode=LS6+2AA")
    assert response.status_code == 200
    assert {r["slug"] for r in response.get_json()["results"]} == set(slugs)
    assert len(statements) <= 3, statements


def test_a_taxonomy_edit_in_another_process_reaches_this_ones_search(app, database_url, tmp_path, client):
    """Each process caches the taxonomy; an admin's edit elsewhere reaches it within the catch-up interval."""
    from registry.extensions import db
    from registry.providers.models import ServiceType
    from tests.conftest import make_app

    assert client.get("/api/v1/search?postcode=LS6&service=gardening").status_code == 400  # cached now
    other = make_app(database_url, tmp_path / "other", SEARCH_CATCHUP_SECONDS=3600)
    with other.app_context():
        db.session.add(
            ServiceType(slug="gardening", name="Gardening help", description="Light garden work.", position=99)
        )
        db.session.commit()
    assert client.get("/api/v1/search?postcode=LS6&service=gardening").status_code == 400  # not due yet
    app.config["SEARCH_CATCHUP_SECONDS"] = 0
    assert client.get("/api/v1/search?postcode=LS6&service=gardening").status_code == 200
    assert "Gardening help" in client.get("/search?postcode=LS6").get_data(as_text=True)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
