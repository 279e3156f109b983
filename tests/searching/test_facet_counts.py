"""Facet counts give the number of results their link leads to (issue 26: "Companionship (25)" led to 36)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from registry.accounts import services as accounts
from registry.councils import services as councils
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from tests.conftest import PASSWORD
from tests.html_page import parse


@pytest.fixture
def mixed(listed_provider):
    """Near LS6: two offer both services, one only companionship, two only personal care; PAs and organisations."""
    return {
        "both-pa": listed_provider(name="Both PA", base_postcode="LS6 2AA"),
        "both-org": listed_provider(name="Both Org", base_postcode="LS6 2AA", kind="organisation"),
        "company": listed_provider(name="Company Only", base_postcode="LS6 2AA", services=["companionship"]),
        "care-pa": listed_provider(name="Care PA", base_postcode="LS6 2AA", services=["personal-care"]),
        "care-org": listed_provider(
            name="Care Org", base_postcode="LS6 2AA", services=["personal-care"], kind="organisation"
        ),
    }


def _facet_links(client, url) -> dict[str, list[tuple[str, int, str]]]:
    """(label, count, href) of each facet link on the results page for ``url``, by facet: kinds, then services."""
    page = parse(client.get(url).get_data(as_text=True))
    groups = {}
    for name, facets in zip(("kinds", "services"), page.find_all("p", cls="facets"), strict=True):
        groups[name] = []
        for a in facets.find_all("a"):
            label, count = re.fullmatch(r"(.+) \((\d+)\)", a.text).groups()
            groups[name].append((label, int(count), a.attrs["href"]))
    return groups


def _counts(links) -> dict[str, int]:
    return {label: count for label, count, _href in links}


def _results_found(client, href) -> int:
    """How many results the page a link leads to says it found, and that it lists (one page here)."""
    page = parse(client.get(href).get_data(as_text=True))
    heading = page.find("h2", id="results").text
    total = int(heading.split()[0])
    assert len(page.find_all("article", cls="result")) == total
    return total


@pytest.mark.parametrize(
    "query",
    [
        "postcode=LS6+1AA",
        "postcode=LS6+1AA&service=personal-care",
        "postcode=LS6+1AA&service=companionship",
        "postcode=LS6+1AA&kind=organisation",
        "postcode=LS6+1AA&service=personal-care&kind=pa",
    ],
)
def test_each_facet_count_is_what_its_link_finds(client, mixed, query):
    groups = _facet_links(client, f"/search?{query}")
    assert len(groups["kinds"]) >= 1 and len(groups["services"]) >= 2
    for label, count, href in groups["kinds"] + groups["services"]:
        assert _results_found(client, href) == count, (query, label, href)


def test_the_count_that_used_to_mislead(client, mixed):
    # Searching for personal care, "Companionship" counted those offering both (2), but its link finds all 3.
    services = _counts(_facet_links(client, "/search?postcode=LS6+1AA&service=personal-care")["services"])
    assert services == {"Personal care": 4, "Companionship": 3}
    # Choosing organisations, "Individual" (personal assistants) was not offered at all; its link finds 3.
    kinds = _counts(_facet_links(client, "/search?postcode=LS6+1AA&kind=organisation")["kinds"])
    assert kinds == {"Personal assistant": 3, "Organisation": 2}


def test_the_api_gives_the_same_counts(client, mixed):
    body = client.get("/api/v1/search", query_string={"postcode": "LS6 1AA", "service": "personal-care"}).get_json()
    assert body["total"] == 4
    assert body["facets"]["services"] == {"personal-care": 4, "companionship": 3}
    assert body["facets"]["kinds"] == {"pa": 2, "organisation": 2}  # the kinds of these 4 results: kind is not set


def test_on_a_council_list_each_service_counts_those_on_its_list_for_that_service(app, client, mixed):
    with app.app_context():
        council = councils.create_council("Leeds City Council", "council", ["LS5", "LS6", "LS7"])
        user = accounts.create_user("commissioner@leeds.example", PASSWORD, "Cam Commissioner", "recipient")
        councils.make_commissioner(user, council)
        framework = councils.create_framework(
            council, user, "List", today() - timedelta(days=1), today() + timedelta(days=30)
        )
        lists = [
            ("both-pa", "personal-care"),
            ("care-pa", "personal-care"),
            ("both-org", "companionship"),
            ("company", "companionship"),
        ]
        for key, service in lists:
            provider = get_by_slug(mixed[key])
            (row,) = [s for s in provider.services if s.service_type.slug == service]
            councils.add_provider(framework, user, provider, row.service_type, 1900)
        db.session.commit()
    url = "/search?postcode=LS6+1AA&service=personal-care&council_list=1"
    groups = _facet_links(client, url)
    # Both Org offers personal care too, but is on the list for companionship only; Both PA the other way round.
    assert _counts(groups["services"]) == {"Personal care": 2, "Companionship": 2}
    for label, count, href in groups["kinds"] + groups["services"]:
        assert _results_found(client, href) == count, (label, href)
