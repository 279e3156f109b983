"""The API's OpenAPI document, its docs page, CORS and caching."""

from __future__ import annotations

import html
import re

from openapi_spec_validator import validate

from tests.conftest import approve_checks

OPERATIONS = {
    ("get", "/api/v1/search"),
    ("get", "/api/v1/providers/{slug}"),
    ("get", "/api/v1/providers/{slug}/reviews"),
    ("get", "/openreferral/"),
    ("get", "/openreferral/services"),
    ("get", "/openreferral/services/{id}"),
    ("get", "/openreferral/service_at_locations"),
    ("get", "/openreferral/service_at_locations/{id}"),
    ("get", "/openreferral/organizations"),
    ("get", "/openreferral/deletions"),
    ("get", "/openreferral/organizations/{id}"),
    ("get", "/openreferral/taxonomies"),
    ("get", "/openreferral/taxonomies/{id}"),
    ("get", "/openreferral/taxonomy_terms"),
    ("get", "/openreferral/taxonomy_terms/{id}"),
}


def test_the_document_is_valid_openapi_3_1_and_covers_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == OPERATIONS
    # Every JSON route of the app is in it (the document itself aside).
    routes = {
        re.sub(r"<[^>]+>", "{}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/v1/", "/openreferral/")) and not rule.rule.endswith("openapi.json")
    }
    assert routes == {re.sub(r"{[^}]+}", "{}", path) for _, path in OPERATIONS}


def test_every_parameter_and_response_is_described(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert operation["summary"], path
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (path, parameter["name"])
            for status, response in operation["responses"].items():
                assert response["description"], (path, status)
            if path.startswith("/api/v1/search"):
                assert (
                    operation["responses"]["400"]["content"]["application/json"]["example"]["error"]["code"]
                    == "invalid_parameters"
                )
    search = {p["name"]: p for p in document["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert search["postcode"]["required"] is True
    assert "personal-care" in search["service"]["schema"]["items"]["enum"]
    assert search["radius"]["schema"]["exclusiveMinimum"] == 0
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]


def test_the_openapi_document_describes_the_prices(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    prices = schemas["Provider"]["properties"]["prices"]
    assert prices["type"] == "array" and prices["items"]["$ref"].endswith("/Price")
    assert set(schemas["Price"]["properties"]) == {"kind", "text", "option", "amount_pounds"}


def test_the_docs_page_reads_without_javascript(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert "GET /openreferral/services" in page
    assert "<code>postcode</code> (required)" in page
    assert '"code": "invalid_parameters"' in html.unescape(page)  # the error example
    assert 'id="schema-HsdsService"' in page


def test_read_only_api_and_feed_answer_cross_origin_gets_without_credentials(app, client, make_provider):
    slug = make_provider("pa", name="Ceri Morgan")
    approve_checks(app, slug)
    for url in (
        "/api/v1/openapi.json",
        f"/api/v1/providers/{slug}",
        "/api/v1/search?postcode=LS6",
        "/openreferral/services",
        "/openreferral/services/nonsense",
        "/api/v1/search?postcode=nowhere",
    ):
        response = client.get(url, headers={"Origin": "https://council.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/openreferral/services",
        headers={
            "Origin": "https://council.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_nothing_else_answers_cross_origin(app, client, make_provider):
    slug = make_provider("pa", name="Ceri Morgan")
    for url in ("/", f"/providers/{slug}", "/search?postcode=LS6", "/api/docs", "/account/sign-in"):
        response = client.get(url, headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in response.headers, url
    response = client.post("/account/sign-in", headers={"Origin": "https://evil.example"}, data={})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_conditional_get_of_the_feed_costs_a_304_until_something_changes(app, client, make_provider):
    slug = make_provider("pa", name="Ceri Morgan")
    approve_checks(app, slug)
    first = client.get("/openreferral/services")
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    again = client.get("/openreferral/services", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    other = make_provider("pa", name="Dee Evans")
    approve_checks(app, other)
    changed = client.get("/openreferral/services", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["total_items"] == 4
