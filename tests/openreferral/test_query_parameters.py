"""The feed's query string through the app's one parser: strangers refused by name, repeats read as before."""

from __future__ import annotations

import pytest

from tests.conftest import approve_checks


@pytest.fixture
def two_listed(app, make_provider):
    for name in ("Ceri Morgan", "Dev Patel"):
        approve_checks(app, make_provider("pa", name=name, base_postcode="LS6 2AA"))


def test_a_parameter_given_twice_takes_its_first_value(client, two_listed):
    body = client.get("/openreferral/services?per_page=1&per_page=abc").get_json()
    assert body["size"] == 1 and body["total_pages"] == body["total_items"] > 1
    refused = client.get("/openreferral/services?per_page=abc&per_page=1")
    assert refused.status_code == 400 and list(refused.get_json()["error"]["fields"]) == ["per_page"]


def test_every_stranger_and_every_bad_value_is_named_at_once(client):
    response = client.get("/openreferral/organizations?colour=blue&page=0&per_page=5000")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error == {
        "code": "invalid_parameters",
        "message": "Some parameters are not valid.",
        "fields": {
            "colour": ["This feed has no such parameter."],
            "page": ["Choose a page from 1 to 1,000,000."],
            "per_page": ["Choose from 1 to 1000 per page."],
        },
    }
    assert response.headers["Access-Control-Allow-Origin"] == "*" and "ETag" not in response.headers


def test_a_cursor_comes_alone_and_only_from_the_feed(client, two_listed):
    first = client.get("/openreferral/services?per_page=1")
    cursor = first.headers["Link"].split("cursor=")[1].split(">")[0].split("&")[0]
    following = client.get(f"/openreferral/services?per_page=1&cursor={cursor}")
    assert following.status_code == 200 and following.get_json()["page_number"] == 2
    both = client.get(f"/openreferral/services?per_page=1&cursor={cursor}&page=2")
    assert both.status_code == 400
    assert both.get_json()["error"]["fields"] == {"cursor": ["Give either `page` or `cursor`, not both."]}
    made_up = client.get("/openreferral/services?cursor=bm90LWEtY3Vyc29y").get_json()["error"]
    assert list(made_up["fields"]) == ["cursor"]
