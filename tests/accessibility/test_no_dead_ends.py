"""No dead ends: every page a role can reach by following links leads somewhere, and every link it is shown works.

For each kind of visitor (someone looking, a family arranging care, a provider, an officer, an admin and a
council's commissioner), the walk signs in to the demo world `make run` shows, starts at the page sign-in lands
on, and follows every link on every page it reaches (a few pages per kind of page, so it covers every page the
role can reach without reading every provider's profile). Every link must answer (after its redirects) with a
page, not an error; every page must offer the role's own home from its header, so no page leaves anyone stuck.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from registry.demo import (
    ADMIN_EMAIL,
    COMMISSIONER_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    FAMILY_EMAIL,
    OFFICER_EMAIL,
)
from tests.conftest import totp_code
from tests.html_forms import main_text

PER_KIND_OF_PAGE = 2  # pages visited per endpoint: every kind of page, not every provider's profile
# Links the walk must not follow: they act (signing out) or leave the registry's pages for a file it streams whole.
NOT_FOLLOWED = re.compile(r"^/(account/sign-out|static/)")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _links(page: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    out = []
    for href in parser.hrefs:
        url = urldefrag(urljoin("http://localhost" + base, href)).url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == "localhost":
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


@pytest.fixture
def demo_world(app):
    """The demo world `make run` shows (one city, its council and family)."""
    seeded = app.test_cli_runner().invoke(args=["demo", "seed", "--cities", "1", "--providers", "0"])
    assert seeded.exit_code == 0, seeded.output
    provider = re.search(r"listed (provider\d+)", seeded.output)
    assert provider, seeded.output  # the walk needs a listed provider to sign in as
    return app, f"{provider.group(1)}@demo.trustedcare.example"


def _signed_in(app, email: str | None, staff: bool):
    client = app.test_client()
    if email is None:
        return client
    response = client.post("/account/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{email} could not sign in"
    if staff:
        response = client.post("/account/second-factor", data={"code": totp_code(DEMO_TOTP_SECRET)})
        assert response.status_code == 302, f"{email}'s second factor was refused"
    assert f"Signed in as {email}." in client.get("/account/").get_data(as_text=True)
    return client


ROLES = {
    # role: (email, staff, the pages the walk starts from, the header link every page must carry to the role's home)
    "anonymous": (None, False, ("/", "/search?postcode=WC2N+5DU"), "/"),
    "family": (FAMILY_EMAIL, False, ("/",), "/"),
    "provider": ("provider", False, ("/dashboard",), "/dashboard"),
    "officer": (OFFICER_EMAIL, True, ("/staff",), "/staff"),
    "admin": (ADMIN_EMAIL, True, ("/staff",), "/staff"),
    "commissioner": (COMMISSIONER_EMAIL, True, ("/council",), "/council"),
}
# Pages each walk must reach, so it cannot pass by walking a handful of pages or as the wrong visitor.
REACHES = {
    "anonymous": ["searching.search_page", "providers.public_profile", "main.checks_explained", "accounts.sign_up"],
    "family": ["families.shortlist", "families.people", "reviews.enquiries", "searching.search_page"],
    "provider": ["providers.edit_profile", "checks.add_check", "reviews.enquiries", "visits.timesheet"],
    "officer": ["checks.officer_queue", "checks.review", "safeguarding.concern_queue", "safeguarding.audit_log"],
    "admin": ["admin.staff_accounts", "admin.service_list", "checks.officer_queue", "safeguarding.concern"],
    "commissioner": ["councils.coverage", "councils.framework", "councils.orders", "main.checks_explained"],
}


def _endpoint(app, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(path).path)[0]
    except (NotFound, MethodNotAllowed):
        return None
    except Exception:  # noqa: BLE001 - a redirect rule (a trailing slash): the page it leads to is walked instead
        return "redirect"


def _walk(app, client, starts) -> tuple[dict[str, str], list[tuple[str, str, int]], Counter]:
    """Follow links from ``starts``: the HTML of each page reached, the links that failed, and the endpoints seen."""
    pages: dict[str, str] = {}
    broken: list[tuple[str, str, int]] = []
    per_endpoint: Counter = Counter(_endpoint(app, url) for url in starts)
    seen = set(starts)
    queue = deque((url, "(start)") for url in starts)
    while queue:
        url, found_on = queue.popleft()
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200:
            broken.append((found_on, url, response.status_code))
            continue
        if not response.content_type.startswith("text/html"):
            continue  # a CSV, a document, the feed's JSON: it answered, and has no links to follow
        page = response.get_data(as_text=True)
        pages[url] = page
        for link in _links(page, urlsplit(url).path):
            if link in seen or NOT_FOLLOWED.match(link):
                continue
            endpoint = _endpoint(app, link)
            key = endpoint or link
            if per_endpoint[key] >= PER_KIND_OF_PAGE:
                continue
            per_endpoint[key] += 1
            seen.add(link)
            queue.append((link, url))
    return pages, broken, per_endpoint


@pytest.mark.parametrize("role", list(ROLES))
def test_every_link_a_role_is_shown_works_and_every_page_leads_home(demo_world, role):
    app, provider_email = demo_world
    email, staff, starts, home = ROLES[role]
    client = _signed_in(app, provider_email if email == "provider" else email, staff)

    pages, broken, per_endpoint = _walk(app, client, starts)

    # The walk itself worked: it reached many kinds of page as this role, not one page or the sign-in form.
    assert set(REACHES[role]) <= set(per_endpoint), (role, sorted(set(REACHES[role]) - set(per_endpoint)))
    assert broken == [], f"links shown to {role} that do not answer: {broken}"
    stuck = [url for url, page in pages.items() if f'href="{home}"' not in page]
    assert stuck == [], f"pages with no way back to {role}'s home ({home}): {stuck}"
    if email is not None:  # still the same visitor at the end: no link signed them out or lost the session
        # The walk may have followed the language switch: the account page then says it in Welsh.
        account = main_text(client.get("/account/").get_data(as_text=True))
        assert "Signed in as" in account or "Wedi mewngofnodi fel" in account
