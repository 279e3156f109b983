"""Item 6: security headers on every response."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.checks.models import Check
from registry.extensions import db
from tests.checks.conftest import add_check, officer_client, provider_client  # noqa: F401 (fixtures)
from tests.conftest import PASSWORD
from tests.security.conftest import production_app

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_CSP = [
    "default-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
]


def _policy(response) -> list[str]:
    return [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]


@pytest.mark.parametrize(
    "path", ["/", "/search", "/account/sign-in", "/how-it-works", "/no/such/page", "/api/v1/no-such-thing"]
)
def test_every_response_carries_the_strict_policy_and_its_companions(client, path):
    response = client.get(path)
    for directive in REQUIRED_CSP:
        assert directive in _policy(response)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not over plain http in development


def test_signed_in_pages_are_never_stored_but_public_ones_may_be(client, auth, make_user):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.sign_in(make_user("recipient"))
    for path in ("/", "/account/", "/search"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_a_check_document_may_not_be_framed_and_runs_in_a_sandbox(app, provider_client, officer_client):  # noqa: F811
    client, _ = provider_client
    add_check(client)
    with app.app_context():
        check_id = db.session.scalar(select(Check.id))
    officer = officer_client()
    for url in (f"/checks/{check_id}/document", f"/checks/{check_id}/document?inline=1"):
        document = officer.get(url)
        assert document.headers["X-Frame-Options"] == "DENY"
        assert document.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert document.headers["Content-Disposition"].startswith("attachment;")


def test_production_sends_hsts():
    app = production_app()
    response = app.test_client().get(
        "/no/such/page", headers={"Host": "registry.example.org"}, base_url="https://registry.example.org"
    )
    assert re.fullmatch(r"max-age=\d{8,}; includeSubDomains", response.headers["Strict-Transport-Security"])


def test_no_template_has_inline_script_or_style_that_the_policy_would_block():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", text, re.IGNORECASE):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_pages_added_since_keep_the_headers_and_no_store_when_signed_in(app, client, auth):
    """Councils' pages, the Open Referral feed and the API docs came after the headers were set."""
    from registry.accounts import services as accounts
    from registry.councils import services as councils

    for path in ("/api/docs", "/openreferral/services", "/openreferral/taxonomy_terms", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        for directive in REQUIRED_CSP:
            assert directive in _policy(response), path
        assert (
            response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
        ), path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path  # public: caches may keep it
    with app.app_context():
        council = councils.create_council("Leeds City Council", "council", ["LS6"])
        councils.make_commissioner(accounts.create_user("cam@leeds.example", PASSWORD, "Cam", "recipient"), council)
        db.session.commit()
    auth.sign_in("cam@leeds.example")
    for path in ("/council", "/council/coverage", "/council/coverage.csv", "/api/docs", "/openreferral/services"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        for directive in REQUIRED_CSP:
            assert directive in _policy(response), path
