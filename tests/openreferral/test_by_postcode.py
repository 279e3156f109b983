"""The feed by postcode answers from the search index, in a bounded number of queries, and shows only what the
database lists today (issue 25)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.extensions import db
from tests.factories import ProviderFactory

# The fingerprint; the taxonomy; the confirming listing query; the page's providers, checks, languages and change
# stamps (one statement each); and, at most once a second, the search index's catch-up with the log.
STATEMENTS = 8


@pytest.fixture
def nearby(app):
    """105 providers listed for companionship in LS6 and 20 in Bradford (about 9 miles away)."""
    with app.app_context():
        for n in range(105):
            ProviderFactory(
                listed=True, display_name=f"Near {n:03d}", base_postcode="LS6 2AA", services=["companionship"]
            )
        for n in range(20):
            ProviderFactory(
                listed=True, display_name=f"Far {n:03d}", base_postcode="BD1 1AA", services=["companionship"]
            )
        db.session.commit()


def _page(client, count_queries, per_page: int, **params):
    url = "/openreferral/services"
    query = {"postcode": "LS6 2AA", "proximity": "30000", "per_page": per_page, **params}
    client.get(url, query_string=query)  # warm: per-process caches
    with count_queries() as statements:
        response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), statements


def test_a_page_of_20_and_one_of_100_run_the_same_few_queries(app, client, count_queries, nearby):
    twenty, small = _page(client, count_queries, 20)
    hundred, large = _page(client, count_queries, 100)
    assert len(small) == len(large) <= STATEMENTS, (len(small), len(large))
    # What was counted is the page: the nearest first, every one of them, and all 125 counted.
    assert [s["name"] for s in twenty["contents"]] == [f"Companionship: Near {n:03d}" for n in range(20)]
    assert [s["name"] for s in hundred["contents"]] == [f"Companionship: Near {n:03d}" for n in range(100)]
    assert twenty["total_items"] == hundred["total_items"] == 125
    # The listing rule is weighed for the page's providers only, never for everyone within reach.
    (confirming,) = [s for s in large if "provider_services.listed" in s]
    # (its ids as one array on PostgreSQL, an IN list on SQLite: registry.models.one_of)
    by_id = (
        "provider_services.provider_id = ANY"
        if "postgresql" in str(app.config["SQLALCHEMY_DATABASE_URI"])
        else ("provider_services.provider_id IN")
    )
    assert by_id in confirming and "outcode IN" not in confirming


def test_the_cursor_from_an_index_page_goes_on_where_it_ended(app, client, nearby):
    first = client.get("/openreferral/services", query_string={"postcode": "LS6 2AA", "proximity": "30000"})
    names = [s["name"] for s in first.get_json()["contents"]]
    link = first.headers["Link"].split('rel="first", <')[1].split(">")[0]
    while link:
        page = client.get(link)
        assert page.status_code == 200
        names += [s["name"] for s in page.get_json()["contents"]]
        nexts = [p for p in page.headers["Link"].split(", ") if p.endswith('rel="next"')]
        link = nexts[0][1:].split(">")[0] if nexts else None
    expected = [f"Companionship: Near {n:03d}" for n in range(105)] + [f"Companionship: Far {n:03d}" for n in range(20)]
    assert names == expected


def test_a_provider_the_index_still_holds_is_not_shown_once_the_database_stops_listing_it(app, client, nearby):
    """A suspension written straight to the database (no session hook, so no outbox row): the index never hears
    of it, and the page still leaves the provider out."""
    query = {"postcode": "LS6 2AA", "proximity": "30000", "per_page": 5}
    before = [s["name"] for s in client.get("/openreferral/services", query_string=query).get_json()["contents"]]
    assert before[0] == "Companionship: Near 000"  # the positive control: shown while listed
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE providers SET suspended_at = CURRENT_TIMESTAMP WHERE display_name = 'Near 000'")
        )
        db.session.commit()
    after = client.get("/openreferral/services", query_string=query).get_json()
    assert "Companionship: Near 000" not in [s["name"] for s in after["contents"]]
    assert [s["name"] for s in after["contents"]] == before[1:]
    at_location = client.get("/openreferral/service_at_locations", query_string=query).get_json()
    assert "Near 000" not in str(at_location["contents"])


def test_a_node_whose_index_is_not_built_yet_answers_from_the_database(app, client, count_queries, nearby, tmp_path):
    from searchindex import SearchIndex

    with app.app_context():  # a log pruned long ago: a new node has nothing to catch up from until it rebuilds
        db.session.execute(sa.text("DELETE FROM search_outbox"))
        db.session.commit()
    app.extensions["search_index"] = SearchIndex(str(tmp_path / "new-node-index"))
    body, statements = _page(client, count_queries, 20)
    assert [s["name"] for s in body["contents"]] == [f"Companionship: Near {n:03d}" for n in range(20)]
    assert body["total_items"] == 125
    assert any("outcode IN" in s for s in statements)  # the SQL way, over every district within reach
