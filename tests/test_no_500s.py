"""Garbage in, never a 500: every page and endpoint, for every kind of visitor."""

import pytest

from tests.conftest import approve_checks, assert_signed_in_as, sign_in

GARBAGE = {
    "page": "-1",
    "radius": "nan",
    "postcode": "'; DROP TABLE users;--",
    "service": ["<script>", ""],
    "kind": "x" * 500,
    "q": '"unbalanced (AND',
    "sort": "🙂",
    "inline": "1",
    "provider": "../../etc",
    "next": "//evil.example",
    "kind_": "\x00",
}


def _visitor(app, make_user, make_provider, role):
    """A client signed in as ``role`` (None: anonymous), and a listed provider's slug."""
    slug = make_provider("pa", name="Garbage Test", email="garbage-provider@example.com")
    approve_checks(app, slug)
    client = app.test_client()
    email = "garbage-provider@example.com" if role == "provider" else (make_user(role) if role else None)
    if email:
        assert sign_in(client, email).status_code == 302, f"signing in as {role} was refused"
        assert_signed_in_as(client, email, role)
    else:
        assert client.get("/account/").status_code == 302  # anonymous: sent to sign in
    return client, slug, email


def _still_the_same_visitor(client, email, role):
    """Garbage must not have signed the visitor out (the rest of the run would have been anonymous)."""
    if email:
        assert_signed_in_as(client, email, role)


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
    client, slug, email = _visitor(app, make_user, make_provider, role)
    urls = list(_urls(app, slug))
    # Every page the app has, not a handful: a rule the builder skipped (or none at all) would pass silently.
    assert len(urls) > 60, len(urls)
    for url in urls:
        for query in ({}, GARBAGE):
            response = client.get(url, query_string=query)
            if url in ("/healthz", "/readyz") and response.status_code == 503:
                # A truthful "not ready" (no worker has run in this test), never a crash.
                assert response.get_json()["status"] == "unavailable"
                continue
            assert response.status_code < 500, (role, url, query, response.status_code)
    _still_the_same_visitor(client, email, role)


def _post_urls(app, slug):
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if converter.__class__.__name__ == "AnyConverter":
                values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else None
            elif converter.__class__.__name__ == "IntegerConverter":
                values[name] = 1
            else:
                values[name] = slug if name == "slug" else "nonsense"
        try:
            yield rule.build(values, append_unknown=False)[1]
        except Exception:  # noqa: BLE001 - skip rules whose converter refuses the value
            continue


POST_GARBAGE = {
    "text": "x" * 10000,
    "reason": "\x00" * 3,
    "note": "",
    "method": "teleport",
    "valid_until": "yesterday",
    "version": "NaN",
    "status": "exploded",
    "outcome": "",
    "email": "not-an-email",
    "service": "brain-surgery",
    "when_needed": "",
    "message": "",
    "district": "\x00",
    "times": "mon-teatime",
    "hours_per_week": "1e9",
    "start_date": "2026-13-45",
    "reliability": "99",
    "title": "",
    "body": "",
    "name": "",
    "display_name": "",
    "rate_min": "-5",
    "document": "not a file",
    "level": "platinum",
    "certificate_number": "abc",
    "issue_date": "2099-99-99",
    "account_type": "overlord",
}


@pytest.mark.parametrize("role", [None, "recipient", "provider", "officer", "admin"])
def test_no_post_route_answers_garbage_with_a_500(app, make_user, make_provider, role):
    client, slug, email = _visitor(app, make_user, make_provider, role)
    urls = [url for url in _post_urls(app, slug) if not url.endswith("/sign-out")]
    assert len(urls) > 15
    for url in urls:
        response = client.post(url, data=POST_GARBAGE)
        assert response.status_code < 500, (role, url, response.status_code)
    _still_the_same_visitor(client, email, role)
