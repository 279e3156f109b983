"""Compare two to four shortlisted providers side by side (issue 26), without JavaScript; only listed ones show."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from registry.extensions import db
from registry.providers.services import get_by_slug
from registry.providers.vocabulary import availability_mask
from registry.reviews.models import ProviderRating
from tests.conftest import approve_checks
from tests.html_page import ids_of, parse
from tests.reviews.conftest import signed_in


@pytest.fixture
def four(app, make_provider, daughter):
    """Four listed providers on Sara's shortlist, each different: their slugs."""
    slugs = [
        make_provider("pa", name="Kim Lewis", languages=["en", "ur"], rate_min_pence=1600, rate_max_pence=1900),
        make_provider(
            "organisation",
            name="Kirkstall Care",
            base_postcode="LS5 3AA",
            availability=availability_mask(["sat-evening", "sun-overnight"]),
        ),
        make_provider("pa", name="Nia Morgan", services=["companionship"], travel_radius_miles=3),
        make_provider("pa", name="Omar Shah"),
    ]
    for slug in slugs:
        approve_checks(app, slug)
        daughter.post(f"/shortlist/{slug}")
    with app.app_context():
        db.session.add(ProviderRating(provider_id=get_by_slug(slugs[0]).id, score=8.3, review_count=12))
        db.session.commit()
    return slugs


def _ticked(page, slugs) -> str:
    """The URL a browser goes to with ``slugs`` ticked: the compare form's action and its tick boxes' values."""
    form = page.find("form", id="compare")
    boxes = [box for box in page.find_all("input", type="checkbox") if box.attrs.get("form") == "compare"]
    pairs = [(box.attrs["name"], box.attrs["value"]) for box in boxes if box.attrs["value"] in slugs]
    assert len(pairs) == len(slugs)
    assert form.attrs["method"] == "get"
    return f"{form.attrs['action']}?{urlencode(pairs)}"


def _columns(page) -> dict[str, dict[str, str]]:
    """Each provider's section: its heading, and each fact's heading with its text (a list's items)."""
    columns = {}
    for section in page.find_all("section", cls="compare-column"):
        facts = {}
        for div in section.find_all("div", cls="fact"):
            listed = div.find("ul")
            facts[div.find("h3").text] = [li.text for li in listed.find_all("li")] if listed else div.find("p").text
        columns[section.find("h2").text] = facts
    return columns


def test_four_shortlisted_providers_side_by_side(app, daughter, four):
    shortlist = parse(daughter.get("/shortlist").get_data(as_text=True))
    url = _ticked(shortlist, four)
    response = daughter.get(url)
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert page.find("h1").text == "Compare 4 providers"
    columns = _columns(page)
    assert list(columns) == ["Omar Shah", "Nia Morgan", "Kirkstall Care", "Kim Lewis"]  # as the shortlist lists them
    kim, kirkstall, nia = columns["Kim Lewis"], columns["Kirkstall Care"], columns["Nia Morgan"]
    assert kim["Score"] == "8.3/10 from 12 reviews" and nia["Score"] == "No reviews yet"
    assert kim["By the hour"] == "£16–£19 an hour" and nia["By the hour"] == "£18–£22 an hour"
    checked = kim["What was checked"]
    assert [claim.split(":")[0] for claim in checked] == ["Personal care", "Companionship"]
    assert all("Kim Lewis's own" in claim for claim in checked)
    assert all("the organisation's own, not each worker's" in claim for claim in kirkstall["What was checked"])
    assert kim["Help offered"] == ["Personal care", "Companionship"] and nia["Help offered"] == ["Companionship"]
    assert kirkstall["Where"] == "Based in LS5, travels up to 10 miles"
    assert nia["Where"] == "Based in LS6, travels up to 3 miles"
    assert kim["Languages"] == "English, Urdu"
    assert kim["Available"] == ["Monday: morning", "Tuesday: afternoon"]
    assert kirkstall["Available"] == ["Saturday: evening", "Sunday: overnight"]
    for section in page.find_all("section", cls="compare-column"):
        assert section.find("a", cls="button").attrs["href"].endswith("#enquire")


def test_a_provider_no_longer_listed_shows_as_that_and_nothing_more(app, daughter, four):
    with app.app_context():
        get_by_slug(four[1]).suspended_at = db.func.now()
        db.session.commit()
    shortlist = parse(daughter.get("/shortlist").get_data(as_text=True))
    assert f"compare-{four[1]}" not in ids_of(shortlist)  # not offered to tick
    page = parse(
        daughter.get("/shortlist/compare?" + urlencode([("provider", s) for s in four[:2]])).get_data(as_text=True)
    )
    section = page.find("section", id=None, cls="compare-column", **{"aria-labelledby": f"compare-{four[1]}"})
    assert "No longer listed" in section.text
    assert section.find_all("div", cls="fact") == [] and section.find_all("a") == []
    assert "£" not in section.text and "Companionship" not in section.text
    assert list(_columns(page)["Kim Lewis"]) == [
        "Who",
        "Score",
        "By the hour",
        "What was checked",
        "Help offered",
        "Where",
        "Languages",
        "Available",
    ]  # the positive control: the listed one beside it shows every fact


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ([], "Tick at least 2 providers"),
        ([0], "Tick at least 2 providers"),
        ([0, 0], "Tick at least 2 providers"),  # the same one twice is one
        ([0, 1, 2, 3, "extra"], "You can compare up to 4 providers at once"),
        ([0, "no-such-provider"], "Only providers on your shortlist can be compared"),
        ([0, "other"], "Only providers on your shortlist can be compared"),
        ([0, "x" * 500], "Only providers on your shortlist can be compared"),
    ],
)
def test_a_wrong_choice_shows_the_shortlist_again_with_what_to_tick(
    app, daughter, four, make_provider, chosen, message
):
    other = make_provider("pa", name="Not Saved")
    approve_checks(app, other)  # listed, but not on Sara's shortlist
    extra = make_provider("pa", name="Fifth One")
    approve_checks(app, extra)
    daughter.post(f"/shortlist/{extra}")
    names = {"other": other, "extra": extra}
    slugs = [four[c] if isinstance(c, int) else names.get(c, c) for c in chosen]
    response = daughter.get("/shortlist/compare?" + urlencode([("provider", s) for s in slugs]))
    assert response.status_code == 422
    page = parse(response.get_data(as_text=True))
    assert page.find("title").text.startswith("Error: Your shortlist")
    summary = page.find("div", cls="error-summary")
    (link,) = summary.find_all("a")
    assert message in link.text
    assert link.attrs["href"].removeprefix("#") in ids_of(page)
    assert page.find("p", id="compare-error").text.startswith(f"Error: {message}")
    ticked = [box.attrs["value"] for box in page.find_all("input", type="checkbox") if "checked" in box.attrs]
    assert set(ticked) <= set(slugs)  # what was ticked stays ticked
    assert page.find_all("section", cls="compare-column") == []


def test_only_an_account_looking_for_care_compares(app, client, four):
    query = "/shortlist/compare?" + urlencode([("provider", s) for s in four[:2]])
    assert client.get(query).status_code == 302  # to sign in
    provider = signed_in(app, "kimlewis1@example.com")
    assert provider.get(query).status_code == 403


def test_fewer_than_two_listed_offers_nothing_to_tick(app, daughter, listed):
    daughter.post(f"/shortlist/{listed}")
    page = parse(daughter.get("/shortlist").get_data(as_text=True))
    assert page.find("form", id="compare") is None
    assert [box for box in page.find_all("input") if box.attrs.get("form") == "compare"] == []


def test_comparing_reads_a_few_queries_per_provider(daughter, four, count_queries):
    counts = []
    for n in (2, 4):
        with count_queries() as statements:
            assert (
                daughter.get("/shortlist/compare?" + urlencode([("provider", s) for s in four[:n]])).status_code == 200
            )
        counts.append(len(statements))
    print("queries for 2 and 4 providers:", counts)
    # At most four providers, each read once (services, checks, requirements; measured: 4 each): none per fact.
    assert counts[1] - counts[0] <= 2 * 4
