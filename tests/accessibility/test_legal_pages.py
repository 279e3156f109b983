"""The pages a UK public service must have, reachable from every page, telling the truth about this deployment."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

FOOTER_LINKS = {
    "Help and contact": "/help",
    "How checks and scores work": "/how-it-works",
    "Privacy": "/privacy",
    "Cookies": "/cookies",
    "Accessibility statement": "/accessibility",
}


def _footer(page: str) -> str:
    return page.split('<footer class="site-footer">', 1)[1]


@pytest.mark.parametrize(
    "path", ["/", "/search?postcode=LS6", "/account/sign-in", "/account/sign-up", "/privacy", "/no/such/page"]
)
def test_every_page_links_to_help_and_the_policies_in_the_same_place(client, path):
    footer = _footer(client.get(path).get_data(as_text=True))
    links = re.findall(r'<a href="(?:http://registry\.test)?(/[\w-]*)">([^<]+)</a>', footer)
    # Same links, same order, help first: someone who found help once finds it again (WCAG 3.2.6).
    assert [(text, href) for href, text in links[:5]] == list(FOOTER_LINKS.items())


@pytest.mark.parametrize("path", FOOTER_LINKS.values())
def test_each_policy_page_opens_for_anyone(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "app_config", [{"DOCUMENT_RETENTION_DAYS": 90, "DBS_RECHECK_DAYS": 730, "CHECK_REMINDER_DAYS": 21}]
)
def test_the_privacy_notice_states_the_retention_periods_this_registry_is_configured_with(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "90 days (about 3 months) after a safeguarding officer&#39;s decision" in page
    assert "730 days (about 2 years) from the certificate&#39;s issue date" in page
    assert "reminded 21 days before" in page
    assert "180 days" not in page  # the default is not what this registry does
    # The appropriate policy document for criminal-offence data.
    assert "Article 10" in page and "Schedule 1, Part 2, paragraph 18" in page and 'id="criminal-records"' in page


def test_the_cookie_page_names_every_cookie_the_registry_actually_sets(client, make_user):
    user = make_user("recipient", email="ann@example.com")
    client.get("/account/sign-in")
    response = client.post("/account/sign-in", data={"email": user, "password": PASSWORD, "remember": "y"})
    set_cookies = {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set_cookies
    page = client.get("/cookies").get_data(as_text=True)
    for name in set_cookies:
        assert f"<code>{name}</code>" in page
    assert "analytics" in page  # says plainly that there are none


def test_help_and_accessibility_give_the_configured_contact_address(app, client):
    app.config["CONTACT_EMAIL"] = "care-help@council.example"
    for path in ("/help", "/accessibility", "/privacy"):
        assert 'href="mailto:care-help@council.example"' in client.get(path).get_data(as_text=True), path
