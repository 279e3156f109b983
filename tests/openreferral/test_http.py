"""The feed's HTTP: parameters refused by name, CORS everywhere, one URL per record, cheap 304s."""

from __future__ import annotations

import pytest

from registry.openreferral import ids
from tests.conftest import approve_checks


@pytest.fixture
def listed(app, make_provider):
    slug = make_provider("pa", name="Ceri Morgan", base_postcode="LS6 2AA")  # works Monday mornings, Tuesday afternoons
    approve_checks(app, slug)
    from registry.providers.services import get_by_slug

    with app.app_context():
        return get_by_slug(slug).id


@pytest.mark.parametrize(
    "endpoint, param, value",
    [
        ("services", "start_time", "09:00"),
        ("services", "end_time", "17:00"),
        ("services", "minimum_age", "18"),
        ("service_at_locations", "maximum_age", "65"),
        ("services", "minimal", "true"),
        ("services", "format", "xml"),
        ("organizations", "format", "ndjson"),
        ("service_at_locations", "format", "ndjson"),
        ("service_at_locations", "full", "true"),
        ("services", "day", "someday"),
        ("services", "modified_after", "yesterday"),
        ("services", "modified_after", "2026-13-45T00:00:00Z"),
        ("organizations", "modified_after", "not a date"),
        ("deletions", "modified_after", "soon"),
        ("services", "colour", "blue"),
        ("organizations", "search", "x"),
        ("taxonomies", "search", "x"),
        ("taxonomy_terms", "top_only", "true"),
        ("taxonomy_terms", "taxonomy_id", "nonsense"),
        ("services", "cursor", "not-a-cursor"),
        ("services", "per_page", "10.5"),
        ("services", "per_page", "Infinity"),
        ("services", "day", "ſu"),  # "ſ".upper() is "S": only the documented ASCII names count
        ("services", "text", " ".join(["word"] * 21)),
    ],
)
def test_a_parameter_the_feed_cannot_answer_is_refused_by_name(client, endpoint, param, value):
    response = client.get(f"/openreferral/{endpoint}", query_string={param: value})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameters" and param in error["fields"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_what_the_data_supports_is_answered(client, listed):
    def count(**params):
        return client.get("/openreferral/services", query_string=params).get_json()["total_items"]

    assert count(day="MO") == 2 and count(day="tuesday") == 2 and count(day="SU") == 0
    assert count(format="json") == 2
    assert count(postcode="LS6 2AA   ") == 2  # trailing spaces trimmed
    full = client.get("/openreferral/services", query_string={"full": "true"}).get_json()["contents"]
    assert all(item["attributes"] and item["schedules"] for item in full)
    assert count(modified_after="2000-01-01") == 2
    # The ends of the calendar are moments too (they once overflowed into a 500).
    assert count(modified_after="0001-01-01") == 2 and count(modified_after="0001-01-01T00:00:00+18:00") == 2
    assert count(modified_after="9999-12-31T23:59:59-18:00") == 0
    assert count(per_page="1e1") == 2 and count(per_page="10.0") == 2  # integers as JSON Schema counts them
    terms = client.get(
        "/openreferral/taxonomy_terms",
        query_string={"taxonomy_id": ids.taxonomy_id(ids.CHECKS_TAXONOMY), "per_page": 100},
    ).get_json()["contents"]
    assert terms and all(t["taxonomy_id"] == ids.taxonomy_id(ids.CHECKS_TAXONOMY) for t in terms)
    found = client.get("/openreferral/taxonomy_terms", query_string={"search": "barring"}).get_json()["contents"]
    assert [t["code"] for t in found] == ["dbs"]


def test_cors_on_errors_and_allow_on_405(client):
    for response in (
        client.get("/openreferral/services/nonsense"),
        client.get("/openreferral/no-such-list"),
        client.post("/openreferral/services"),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    refused = client.post("/openreferral/services")
    assert refused.status_code == 405
    assert set(refused.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}


def test_one_url_per_record(client, listed):
    canonical = ids.service_id(listed, 1)
    assert client.get(f"/openreferral/services/{canonical}").status_code == 200
    for other in (canonical.upper(), "{" + canonical + "}", "urn:uuid:" + canonical, canonical.replace("-", "")):
        response = client.get(f"/openreferral/services/{other}")
        assert response.status_code == 308
        assert response.headers["Location"].endswith(f"/openreferral/services/{canonical}")


def test_a_conditional_get_is_answered_before_the_page_is_built(client, listed, count_queries):
    first = client.get("/openreferral/services?per_page=1000")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    with count_queries() as statements:
        again = client.get("/openreferral/services?per_page=1000", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert len(statements) == 1  # the fingerprint only
    since = client.get(
        "/openreferral/services?per_page=1000", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    # Another page of the same data has its own ETag.
    assert client.get("/openreferral/services?per_page=999").headers["ETag"] != first.headers["ETag"]
