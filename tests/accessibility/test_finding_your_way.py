"""Finding your way: titles that say where you are, ways past repeated blocks, the main action first."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from registry.checks.models import Check
from registry.extensions import db
from tests.checks.conftest import add_check, officer_client, provider_client  # noqa: F401 (fixtures)
from tests.conftest import approve_checks


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


@pytest.fixture
def listed(app, make_provider):
    slug = make_provider("pa", name="Nia Morgan", base_postcode="LS6 2AA")
    approve_checks(app, slug)
    return slug


def test_the_search_title_says_what_was_searched_and_how_many_were_found(client, listed):
    page = client.get("/search?postcode=ls6+1aa&service=companionship").get_data(as_text=True)
    assert _title(page) == "1 provider near LS6 1AA for Companionship · Search · Trusted Care Registry"
    nothing = client.get("/search?postcode=LS6+1AA&q=dementia").get_data(as_text=True)
    assert _title(nothing).startswith("0 providers near LS6 1AA matching “dementia” · Search")
    assert _title(client.get("/search?postcode=nowhere").get_data(as_text=True)).startswith("Error: Search")


def test_a_skip_link_jumps_past_the_filters_to_the_results(client, listed):
    page = client.get("/search?postcode=LS6+1AA").get_data(as_text=True)
    skip = page.index('<a href="#results">Skip to the results</a>')
    target = page.index('id="results"')
    assert skip < page.index('class="search-form"') < target


@pytest.mark.parametrize(
    "query, is_open",
    [
        ("postcode=LS6+1AA", False),
        ("postcode=LS6+1AA&sort=distance&radius=5", False),  # sort and radius sit outside "More filters"
        ("postcode=LS6+1AA&language=&service=", False),  # "Any", as the home page's form sends it
        ("postcode=LS6+1AA&part=evening", True),
        ("postcode=LS6+1AA&badge=insurance", True),
        ("postcode=LS6+1AA&language=cy", True),
        ("postcode=LS6+1AA&q=patient", True),
    ],
)
def test_more_filters_stays_open_while_a_filter_inside_it_is_in_use(client, listed, query, is_open):
    page = client.get("/search?" + query).get_data(as_text=True)
    details = re.search(r"<details[^>]*>", page).group(0)
    assert ("open" in details) is is_open


def test_the_way_to_enquire_comes_before_the_profile_itself(client, auth, make_user, listed):
    signed_out = client.get(f"/providers/{listed}").get_data(as_text=True)
    assert signed_out.index("Sign in to enquire") < signed_out.index("<h2>About</h2>")
    assert f"next=/providers/{listed}" in signed_out or f"next=%2Fproviders%2F{listed}" in signed_out

    auth.sign_in(make_user("recipient", email="rosa@example.com"))
    page = client.get(f"/providers/{listed}").get_data(as_text=True)
    assert page.index('<a class="button" href="#enquire">Send an enquiry</a>') < page.index("<h2>About</h2>")
    assert 'id="enquire"' in page and "Sign in to enquire" not in page


def test_the_officer_reaches_the_certificate_then_the_decision(app, provider_client, officer_client):  # noqa: F811
    """The download sits with the entered details, before the decision that needs it opened; the preview comes after."""
    client, _ = provider_client
    add_check(client)
    with app.app_context():
        check_id = db.session.scalar(select(Check.id))
    page = officer_client().get(f"/officer/checks/{check_id}").get_data(as_text=True)
    assert (
        page.index("Entered details")
        < page.index("Download dbs.pdf")
        < page.index('<button type="submit">Approve</button>')
        < page.index('id="document"')
    )
    assert "a DBS certificate can be approved only once you have opened it" in page
    # No embedded PDF viewer, which would take the keyboard focus when it loads.
    assert "<iframe" not in page


class _Elements(HTMLParser):
    """Every element's attributes by id, and the error summary's link targets."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.summary_links: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"tag": tag, **attrs}
        if tag == "div" and "error-summary" in (attrs.get("class") or ""):
            self._in_summary = 1
        elif self._in_summary and tag == "a":
            self.summary_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "div" and self._in_summary:
            self._in_summary = 0


def test_a_refused_search_links_each_error_to_its_field_and_ties_them_together(client, listed):
    response = client.get("/search?postcode=nowhere&max_rate=lots&badge=made-up&council_list=1")
    assert response.status_code == 400
    page = _Elements()
    page.feed(response.get_data(as_text=True))
    targets = [link.removeprefix("#") for link in page.summary_links]
    assert {"postcode", "max_rate", "badge-0"} <= set(targets), targets
    for target in targets:  # every link lands on a field that says it is invalid and names its error
        field = page.by_id[target]
        assert field["tag"] in ("input", "select") and field.get("aria-invalid") == "true", field
        described = field.get("aria-describedby", "").split()
        assert any(page.by_id.get(i, {}).get("class") == "error" for i in described) or target == "badge-0", field
    assert page.by_id["badge-error"]["class"] == "error"
    # The council-list hint is read with its checkbox, errors or not.
    assert "council_list-hint" in page.by_id["council_list"]["aria-describedby"].split()


def test_a_search_without_errors_marks_nothing_invalid(client, listed):
    text = client.get("/search?postcode=LS6+1AA").get_data(as_text=True)
    assert "aria-invalid" not in text and "error-summary" not in text
