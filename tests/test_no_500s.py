"""Garbage in, never a 500: every page and endpoint, for every kind of visitor."""

import pytest

from tests.conftest import PASSWORD, approve_checks

GARBAGE = {"page": "-1", "radius": "nan", "postcode": "'; DROP TABLE users;--", "service": ["<script>", ""], "kind": "x" * 500,
           "q": '"unbalanced (AND', "sort": "🙂", "inline": "1", "provider": "../../etc", "next": "//evil.example", "kind_": "\x00"}


def _urls(app, slug):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name].__class__.__name__
            values[name] = {"IntegerConverter": 1}.get(converter, slug if name == "slug" else "nonsense")
        try:
            yield rule.build(values, append_unknown=False)[1]
        except Exception:  # noqa: BLE001 - a rule with an 'any(...)' converter needs one of its words
            continue


@pytest.mark.parametrize("role", [None, "recipient", "provider", "officer", "admin"])
def test_no_get_route_answers_garbage_with_a_500(app, make_user, make_provider, role):
    slug = make_provider("pa", name="Garbage Test", email="garbage-provider@example.com")
    approve_checks(app, slug)
    client = app.test_client()
    if role == "provider":
        client.post("/account/sign-in", data={"email": "garbage-provider@example.com", "password": PASSWORD})
    elif role:
        client.post("/account/sign-in", data={"email": make_user(role), "password": PASSWORD})
    for url in _urls(app, slug):
        for query in ({}, GARBAGE):
            response = client.get(url, query_string=query)
            assert response.status_code < 500, (role, url, query, response.status_code)
