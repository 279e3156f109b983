"""Every role has a home: sign-in lands there, and the header on every page leads back to it."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from registry.accounts import services as accounts
from registry.councils import services as councils
from registry.extensions import db
from tests.conftest import PASSWORD, sign_in


class _Links(HTMLParser):
    """The links of a page as (href, text), and which of them sit in the main navigation."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.nav_links: list[tuple[str, str]] = []
        self._nav_depth = 0
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and (a.get("aria-label") == "Main" or self._nav_depth):
            self._nav_depth += 1
        if tag == "a" and "href" in a:
            self._href, self._text = a["href"], []

    def handle_endtag(self, tag):
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1
        if tag == "a" and self._href is not None:
            link = (self._href, " ".join("".join(self._text).split()))
            self.links.append(link)
            if self._nav_depth:
                self.nav_links.append(link)
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)


def links(page: str) -> _Links:
    reader = _Links()
    reader.feed(page)
    return reader


# role: (where sign-in lands, the header's link text, a link on that page to the role's work)
HOMES = {
    "recipient": ("/", "Find care", "/people"),
    "provider": ("/dashboard", "Your dashboard", "/dashboard/checks/new"),
    "officer": ("/staff", "Officer console", "/officer/queue"),
    "admin": ("/staff", "Officer console", "/admin/services"),
    "commissioner": ("/council", "Your council lists", "/council/coverage"),
}


@pytest.fixture
def account_for(app, make_user, make_provider):
    def _make(role: str) -> str:
        if role == "provider":
            make_provider(name="Nia Morgan", email="nia@example.com")
            return "nia@example.com"
        if role == "commissioner":
            with app.app_context():
                council = councils.create_council("Leeds City Council", "council", ["LS1", "LS2"])
                user = accounts.create_user("cam@leeds.example", PASSWORD, "Cam Commissioner", "recipient")
                councils.make_commissioner(user, council)
                db.session.commit()
            return "cam@leeds.example"
        return make_user(role, email=f"{role}@example.com")

    return _make


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_lands_on_its_own_page_and_reaches_its_work_in_one_click(app, client, account_for, role):
    home, label, work = HOMES[role]
    email = account_for(role)
    if role in ("officer", "admin", "commissioner"):
        # Staff enrol a second factor the first time (and are shown their recovery codes); from then on:
        sign_in(client, email)
        client.post("/account/sign-out")
    signed_in = sign_in(client, email)
    assert signed_in.status_code == 302
    assert urlsplit(signed_in.headers["Location"]).path == home

    landing = client.get(home)
    assert landing.status_code == 200
    hrefs = {urlsplit(href).path for href, _ in links(landing.get_data(as_text=True)).links}
    assert work in hrefs, f"{role} cannot reach {work} from {home}"
    assert client.get(work).status_code == 200


@pytest.mark.parametrize("role", list(HOMES))
@pytest.mark.parametrize("elsewhere", ["/search?postcode=LS1+1AA", "/help", "/account/"])
def test_the_header_on_every_page_leads_home(app, client, account_for, role, elsewhere):
    home, label, _ = HOMES[role]
    sign_in(client, account_for(role))
    page = client.get(elsewhere)
    assert page.status_code == 200
    nav = links(page.get_data(as_text=True)).nav_links
    assert nav[0] == (home, label), f"the header's first link for a {role} is {nav[0]}"


def test_a_commissioner_on_the_public_search_page_sees_the_way_to_the_council_pages(app, client, account_for):
    sign_in(client, account_for("commissioner"))
    page = client.get("/search?postcode=LS1+1AA").get_data(as_text=True)
    assert ("/council", "Your council lists") in links(page).nav_links


def test_signed_out_the_header_offers_sign_in_not_a_home(client):
    nav = links(client.get("/help").get_data(as_text=True)).nav_links
    assert [text for _, text in nav] == ["Sign in", "Join"]
