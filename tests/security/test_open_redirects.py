"""No open redirect: every place that follows a ``next`` address refuses each form safe_next_url refuses.

safe_next_url (registry/auth.py) follows only a same-site path: no scheme, no
host, starting with one "/", and no backslash (browsers read "\\" as "/", so
"/\\evil.example" is "//evil.example", another site). Each form is tried on
every route that uses it, beside a positive control: a same-site path is followed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from registry.auth import safe_next_url
from tests.conftest import PASSWORD, approve_checks, finish_second_factor, signed_in

REFUSED = [
    pytest.param("https://evil.example/", id="scheme-and-host"),
    pytest.param("http:evil.example", id="scheme-without-host"),
    pytest.param("javascript:alert(1)", id="javascript-scheme"),
    pytest.param("//evil.example/", id="scheme-relative"),
    pytest.param("///evil.example/", id="three-slashes"),
    pytest.param("/\\evil.example", id="slash-backslash"),
    pytest.param("\\\\evil.example", id="two-backslashes"),
    pytest.param("/account/\\..\\\\evil.example", id="backslash-later"),
    pytest.param("/\t/evil.example", id="tab-between-slashes"),
    pytest.param("evil.example/account/", id="no-leading-slash"),
    pytest.param(" //evil.example", id="leading-space"),
]
FOLLOWED = "/account/password?from=next"


@pytest.mark.parametrize("target", REFUSED)
def test_safe_next_url_refuses_each_form(target):
    assert safe_next_url(target) is None


def test_safe_next_url_follows_a_same_site_path_and_ignores_nothing():
    assert safe_next_url(FOLLOWED) == FOLLOWED
    assert safe_next_url("/") == "/"
    assert safe_next_url("") is None and safe_next_url(None) is None


def _where(response) -> str:
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    return location


@pytest.mark.parametrize("target", [*REFUSED, pytest.param(FOLLOWED, id="control")])
def test_signing_in_goes_home_unless_next_is_a_same_site_path(client, make_user, target):
    email = make_user("recipient")
    response = client.post(
        "/account/sign-in", query_string={"next": target}, data={"email": email, "password": PASSWORD}
    )
    assert _where(response) == (FOLLOWED if target == FOLLOWED else "/")


@pytest.mark.parametrize("target", [*REFUSED, pytest.param(FOLLOWED, id="control")])
def test_staff_land_after_the_second_factor_where_a_same_site_next_says(client, make_user, target):
    email = make_user("officer")
    signed_in(client.application, email)  # enrols the authenticator app; now the code step follows the password
    password = client.post(
        "/account/sign-in", query_string={"next": target}, data={"email": email, "password": PASSWORD}
    )
    response = finish_second_factor(client, email, password)
    assert _where(response) == (FOLLOWED if target == FOLLOWED else "/staff")


@pytest.mark.parametrize("target", [*REFUSED, pytest.param(FOLLOWED, id="control")])
def test_resending_the_confirmation_link_goes_back_only_to_a_same_site_path(app, make_user, target):
    email = make_user("recipient", email_verified_at=None)
    client = signed_in(app, email)
    response = client.post("/account/verify", data={"next": target})
    assert _where(response) == (FOLLOWED if target == FOLLOWED else "/account/")


@pytest.mark.parametrize("target", [*REFUSED, pytest.param("/search?postcode=LS6", id="control")])
def test_saving_to_the_shortlist_goes_back_only_to_a_same_site_path(app, make_user, make_provider, target):
    slug = make_provider(name="Ann Carer")
    approve_checks(app, slug)
    client = signed_in(app, make_user("recipient"))
    response = client.post(f"/shortlist/{slug}", data={"next": target})
    assert _where(response) == (target if target.startswith("/search") else "/shortlist")
