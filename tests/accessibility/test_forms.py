"""Forms in the GOV.UK error pattern, and nothing typed is lost when a form's token is refused."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.providers.models import Provider
from tests.conftest import PASSWORD
from tests.html_forms import as_post_data, form_fields


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_refused_form_says_error_in_the_title_and_links_each_problem_to_its_field(client, make_user):
    client.post(
        "/account/sign-up",
        data={"account_type": "recipient", "name": "", "email": "nope", "password": PASSWORD, "confirm": "different"},
    )
    page = client.post(
        "/account/sign-up",
        data={"account_type": "recipient", "name": "", "email": "nope", "password": PASSWORD, "confirm": "different"},
    ).get_data(as_text=True)
    assert re.search(r"<title>Error: ", page)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary and 'tabindex="-1" autofocus' in page.split('class="error-summary"')[1].split(">")[0]
    links = re.findall(r'<a href="#([\w-]+)">', summary.group(1))
    assert "name" in links and "email" in links
    for field_id in links:
        # Each error sits between the label and the input, and the input points at it.
        field = re.search(
            rf'<p class="error" id="{field_id}-error">.*?</p>\s*<(input|select|textarea)[^>]*id="{field_id}"[^>]*>',
            page,
            re.S,
        )
        assert field, field_id
        assert f'aria-describedby="{field_id}-error"' in field.group(0) and 'aria-invalid="true"' in field.group(0)


def test_sign_in_gets_an_error_summary_too(client, make_user):
    make_user("recipient", email="kim@example.com")
    page = client.post("/account/sign-in", data={"email": "kim@example.com", "password": "wrong-password"}).get_data(
        as_text=True
    )
    assert "<title>Error: Sign in" in page
    assert 'class="error-summary"' in page and "do not match an account" in page


def test_a_page_without_errors_has_a_plain_title_and_no_summary(client):
    page = client.get("/account/sign-up").get_data(as_text=True)
    assert "<title>Error" not in page and "error-summary" not in page and "aria-invalid" not in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_refused_token_gives_the_form_back_as_typed_with_a_fresh_token(app, client, make_provider):
    slug = make_provider("pa", name="Ceri Morgan", email="ceri@example.com")
    sign_in = client.get("/account/sign-in").get_data(as_text=True)
    client.post(
        "/account/sign-in", data={"email": "ceri@example.com", "password": PASSWORD, "csrf_token": _token(sign_in)}
    )
    form = as_post_data(form_fields(client.get("/dashboard/profile").get_data(as_text=True), action=""))
    typed = "I have supported older people at home for twelve years, and I speak Welsh at home."
    form["about"] = [typed]
    form["csrf_token"] = ["a-token-from-a-session-that-has-ended"]

    refused = client.post("/dashboard/profile", data=form)

    assert refused.status_code == 422  # never a bare "Bad Request" page
    page = refused.get_data(as_text=True)
    assert "<title>Error: " in page and "Everything you typed is still below" in page
    assert typed in page
    with app.app_context():
        assert db.session.scalar(select(Provider.about).where(Provider.slug == slug)) != typed  # nothing saved
    # Sending it again with the fresh token on the page saves it.
    again = as_post_data(form_fields(page, action=""))
    assert again["csrf_token"] != form["csrf_token"]
    assert client.post("/dashboard/profile", data=again).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Provider.about).where(Provider.slug == slug)) == typed


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_without_that_promise_still_refuses_a_bad_token_plainly(client, make_provider):
    make_provider("pa", name="Ceri Morgan", email="ceri@example.com")
    sign_in = client.get("/account/sign-in").get_data(as_text=True)
    client.post(
        "/account/sign-in", data={"email": "ceri@example.com", "password": PASSWORD, "csrf_token": _token(sign_in)}
    )
    response = client.post("/dashboard/submit", data={"csrf_token": "forged"})
    assert response.status_code == 400


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_left_open_for_three_hours_still_saves(app, client, make_provider, monkeypatch):
    """Flask-WTF's default would refuse it after an hour; the token lasts as long as the session."""
    from itsdangerous import TimestampSigner

    make_provider("pa", name="Ceri Morgan", email="ceri@example.com")
    sign_in = client.get("/account/sign-in").get_data(as_text=True)
    client.post(
        "/account/sign-in", data={"email": "ceri@example.com", "password": PASSWORD, "csrf_token": _token(sign_in)}
    )
    form = as_post_data(form_fields(client.get("/dashboard/profile").get_data(as_text=True), action=""))
    form["display_name"] = ["Ceri Morgan-Jones"]
    later = int(time.time()) + 3 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert client.post("/dashboard/profile", data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Provider.display_name)) == "Ceri Morgan-Jones"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
@pytest.mark.parametrize(
    "url, data, kept",
    [
        (
            "/account/sign-up",
            {"account_type": "recipient", "name": "Rosa Lewis", "email": "rosa@example.com"},
            "Rosa Lewis",
        ),
        ("/account/forgot-password", {"email": "rosa@example.com"}, "rosa@example.com"),
    ],
)
def test_signed_out_forms_also_come_back_as_typed(client, url, data, kept):
    response = client.post(url, data={**data, "csrf_token": "stale"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert kept in page and "Everything you typed is still below" in page
    assert 'name="csrf_token" type="hidden" value="' in page
