"""A commissioner adds a provider by part of its name, and reads coverage filtered, gaps first, on a phone."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.councils import services
from registry.councils.models import FrameworkEntry
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from tests.conftest import PASSWORD, approve_checks
from tests.html_forms import as_post_data, form_fields

LEEDS = ["LS1", "LS2", "LS6", "LS10", "LS11"]


def _words(fragment: str) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", fragment)).split())


@pytest.fixture
def commissioner(app, client, auth):
    """Leeds, with one approved list, and its commissioner signed in; returns the list's id."""
    with app.app_context():
        council = services.create_council("Leeds City Council", "council", LEEDS)
        user = accounts.create_user("cam@leeds.example", PASSWORD, "Cam Commissioner", "recipient")
        services.make_commissioner(user, council)
        framework = services.create_framework(council, user, "Home care", today(), today() + timedelta(days=365))
        db.session.commit()
        framework_id = framework.id
    auth.sign_in("cam@leeds.example")
    return framework_id


@pytest.fixture
def helping_hands(app, make_provider):
    """Two listed "Helping Hands Leeds" in different districts, a draft of the same name, and another listed one."""
    north = make_provider("organisation", name="Helping Hands Leeds", base_postcode="LS6 2AA", travel_radius_miles=2)
    south = make_provider("organisation", name="Helping Hands Leeds", base_postcode="LS11 5AA", travel_radius_miles=2)
    make_provider("organisation", name="Helping Hands Draft", complete=False)
    other = make_provider("pa", name="Nia Morgan", base_postcode="LS6 3BB", travel_radius_miles=2)
    for slug in (north, south, other):
        approve_checks(app, slug)
    with app.app_context():
        return {slug: get_by_slug(slug).id for slug in (north, south)}


def _radio_labels(page: str, name: str) -> dict[str, str]:
    """value -> label text of each radio button called ``name``."""
    return {
        value: _words(label)
        for value, label in re.findall(
            rf'<label class="option"><input[^>]*name="{name}"[^>]*value="([^"]+)"[^>]*>(.*?)</label>', page, re.S
        )
    }


def _entries(app) -> list[tuple[int, int]]:
    with app.app_context():
        return list(db.session.execute(select(FrameworkEntry.provider_id, FrameworkEntry.rate_pence)).tuples())


def test_a_provider_is_found_by_part_of_its_name_and_chosen_by_district(app, client, commissioner, helping_hands):
    page = client.get(f"/council/frameworks/{commissioner}?find=helping+HANDS")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    choices = _radio_labels(text, "provider")
    assert sorted(choices.values()) == [
        "Helping Hands Leeds (LS11): Personal care, Companionship",
        "Helping Hands Leeds (LS6): Personal care, Companionship",
    ]  # the draft is not listed, so not offered; Nia Morgan does not match
    south = next(value for value, label in choices.items() if "(LS11)" in label)

    data = as_post_data(form_fields(text, action=f"/council/frameworks/{commissioner}/providers"))
    assert data["find"] == ["helping HANDS"]
    service = next(
        v for v, label in re.findall(r'<option value="(\d+)">([^<]+)</option>', text) if label == "Companionship"
    )
    data.update(provider=[south], service=[service], rate=["21.50"])
    added = client.post(f"/council/frameworks/{commissioner}/providers", data=data)

    assert added.status_code == 302
    assert _entries(app) == [(int(south), 2150)]


@pytest.mark.parametrize(
    "find, error",
    [("", "Enter part of the provider's name."), ("x" * 81, "80")],
)
def test_an_empty_or_overlong_search_is_refused_plainly(app, client, commissioner, find, error):
    page = client.get(f"/council/frameworks/{commissioner}", query_string={"find": find})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'class="error-summary"' in text and error in _words(text)


def test_a_search_that_finds_nobody_says_so(client, commissioner, helping_hands):
    text = _words(client.get(f"/council/frameworks/{commissioner}?find=sunrise").get_data(as_text=True))
    assert "No listed provider has “sunrise” in its name." in text


def test_a_search_term_is_text_not_a_pattern(client, commissioner, helping_hands):
    assert (
        _radio_labels(client.get(f"/council/frameworks/{commissioner}?find=%25").get_data(as_text=True), "provider")
        == {}
    )
    assert (
        _radio_labels(client.get(f"/council/frameworks/{commissioner}?find=_").get_data(as_text=True), "provider") == {}
    )


@pytest.mark.parametrize(
    "change, error",
    [
        ({"provider": "999999"}, "Choose one of the listed providers found."),
        ({"provider": "draft"}, "Choose one of the listed providers found."),
        ({"provider": ""}, "Choose a provider."),
        ({"rate": "lots"}, "Enter the hourly rate in pounds"),
        ({"rate": "9000"}, "Enter an hourly rate between £1 and £500."),
    ],
)
def test_a_wrong_choice_is_answered_next_to_the_field_and_stores_nothing(
    app, client, commissioner, helping_hands, change, error
):
    text = client.get(f"/council/frameworks/{commissioner}?find=helping").get_data(as_text=True)
    data = as_post_data(form_fields(text, action=f"/council/frameworks/{commissioner}/providers"))
    service = re.search(r'<option value="(\d+)">Companionship</option>', text).group(1)
    data.update(provider=[str(next(iter(helping_hands.values())))], service=[service], rate=["20"])
    if change.get("provider") == "draft":
        with app.app_context():
            change = {
                "provider": str(db.session.scalar(select(func.max(FrameworkEntry.id))) or 0)
            }  # no such listed one
    data.update({k: [v] for k, v in change.items()})
    refused = client.post(f"/council/frameworks/{commissioner}/providers", data=data)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'class="error-summary"' in page and error in _words(page)
    assert len(_radio_labels(page, "provider")) == 2  # the same choices again
    assert _entries(app) == []


def _coverage_lines(page: str, heading: str) -> list[str]:
    """The lines listed under ``heading`` (up to the next heading)."""
    section = page.split(heading, 1)[1].split("<h2", 1)[0]
    listing = re.search(r'<ul class="coverage-list">(.*?)</ul>', section, re.S)
    lines = re.findall(r"<li>(.*?)</li>", listing.group(1), re.S) if listing else []
    return [_words(li).replace(" :", ":") for li in lines]


def test_coverage_shows_the_gaps_first_in_reading_order_and_no_wide_table(client, commissioner, helping_hands):
    page = client.get("/council/coverage").get_data(as_text=True)
    assert "<table" not in page  # lines that wrap, readable on a 320 px phone
    gaps = _coverage_lines(page, "Gaps: no listed provider")
    districts = [line.split(":")[0] for line in gaps]
    assert districts == sorted(districts, key=lambda d: int(d[2:]))  # LS1, LS2, LS6, LS10, LS11
    assert page.index("Gaps: no listed provider") < page.index("Covered (")


def test_coverage_filtered_by_service_and_district(client, commissioner, helping_hands):
    page = client.get("/council/coverage?service=companionship&district=LS6").get_data(as_text=True)
    assert _coverage_lines(page, "Gaps: no listed provider") == []
    [covered] = _coverage_lines(page, "Covered (")
    assert covered.startswith("LS6: Companionship: 2 listed providers")  # Helping Hands (LS6) and Nia Morgan

    page = client.get("/council/coverage?service=companionship").get_data(as_text=True)
    lines = _coverage_lines(page, "Gaps: no listed provider") + _coverage_lines(page, "Covered (")
    assert {line.split(": ")[1] for line in lines} == {"Companionship"}
    assert len(lines) == len(LEEDS)


@pytest.mark.parametrize(
    "query, error",
    [
        ("district=ZZ9", "Choose one of Leeds City Council's districts from the list."),
        ("service=astrology", "Choose a service from the list."),
    ],
)
def test_a_filter_outside_the_choices_is_refused_plainly(client, commissioner, query, error):
    page = client.get(f"/council/coverage?{query}")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'class="error-summary"' in text and error in _words(text)
