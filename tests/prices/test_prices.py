"""Richer prices (issue 26): per hour, per visit, minimum hours, travel, nights, weekends and bank holidays.

One presenter (registry/providers/prices.py) makes the lines; the card, the profile, the compare view, the
provider API and the Open Referral feed show the same lines.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.providers.models import Provider
from registry.providers.prices import PRICE_FIELDS, Prices, card_price, price_errors, price_lines
from tests.conftest import approve_checks, signed_in
from tests.html_forms import as_post_data, form_fields
from tests.html_page import parse

# Every kind of price, and the line each reads as.
EVERY_PRICE = dict(
    rate_min_pence=1800,
    rate_max_pence=2200,
    visit_price_pence=2500,
    visit_minutes=30,
    minimum_hours=2,
    minimum_per="visit",
    travel="included",
    sleeping_night_pence=9000,
    waking_night_pence=15000,
    weekend_uplift_percent=20,
    bank_holiday_uplift_percent=50,
)
EVERY_LINE = [
    "£18–£22 an hour",
    "£25 a visit (30 minutes)",
    "At least 2 hours a visit",
    "Travel: included",
    "Sleeping night: £90",
    "Waking night: £150",
    "Weekends: +20 %",
    "Bank holidays: +50 %",
]


def _texts(prices: Prices) -> list[str]:
    return [line.text for line in price_lines(prices)]


# The presenter.


@pytest.mark.parametrize(
    "prices, line",
    [
        ({"rate_min_pence": 1800}, "£18 an hour"),
        ({"rate_min_pence": 1800, "rate_max_pence": 1800}, "£18 an hour"),
        ({"rate_min_pence": 1750, "rate_max_pence": 2200}, "£17.50–£22 an hour"),
        ({"visit_price_pence": 2500, "visit_minutes": 30}, "£25 a visit (30 minutes)"),
        ({"visit_price_pence": 4000, "visit_minutes": 60}, "£40 a visit (1 hour)"),
        ({"visit_price_pence": 5250, "visit_minutes": 90}, "£52.50 a visit (1 hour 30 minutes)"),
        ({"minimum_hours": 2, "minimum_per": "visit"}, "At least 2 hours a visit"),
        ({"minimum_hours": 1, "minimum_per": "visit"}, "At least 1 hour a visit"),
        ({"minimum_hours": 10, "minimum_per": "week"}, "At least 10 hours a week"),
        ({"travel": "included"}, "Travel: included"),
        ({"travel": "none"}, "Travel: no charge"),
        ({"travel": "per-mile", "travel_pence": 45}, "Travel: £0.45 a mile"),
        ({"travel": "per-visit", "travel_pence": 500}, "Travel: £5 a visit"),
        ({"sleeping_night_pence": 9000}, "Sleeping night: £90"),
        ({"waking_night_pence": 15000}, "Waking night: £150"),
        ({"weekend_uplift_percent": 20}, "Weekends: +20 %"),
        ({"bank_holiday_uplift_percent": 50}, "Bank holidays: +50 %"),
    ],
)
def test_each_kind_of_price_reads_as_one_plain_line(prices, line):
    assert _texts(Prices(**prices)) == [line]


def test_every_price_comes_in_one_order_and_none_given_reads_ask_for_a_price():
    assert _texts(Prices(**EVERY_PRICE)) == EVERY_LINE
    assert _texts(Prices()) == []
    assert card_price(Prices()) == ("Ask for a price", False)
    assert card_price(Prices(**EVERY_PRICE)) == ("£18–£22 an hour", True)
    assert card_price(Prices(rate_min_pence=1800)) == ("£18 an hour", False)
    assert card_price(Prices(visit_price_pence=2500, visit_minutes=30, travel="none")) == (
        "£25 a visit (30 minutes)",
        True,
    )


# The rule, shared by the form and update_profile.


@pytest.mark.parametrize(
    "prices, field",
    [
        ({"rate_min_pence": 0}, "rate_min_pence"),
        ({"rate_min_pence": -500}, "rate_min_pence"),
        ({"rate_min_pence": 2000, "rate_max_pence": 1500}, "rate_max_pence"),
        ({"rate_min_pence": None, "rate_max_pence": 2000}, "rate_min_pence"),
        ({"visit_price_pence": 2500}, "visit_minutes"),  # a visit's price needs its length
        ({"visit_minutes": 30}, "visit_price_pence"),
        ({"visit_price_pence": 1_000_01, "visit_minutes": 30}, "visit_price_pence"),
        ({"visit_price_pence": 2500, "visit_minutes": 2}, "visit_minutes"),
        ({"minimum_hours": 2}, "minimum_per"),  # hours need their unit
        ({"minimum_per": "week"}, "minimum_hours"),
        ({"minimum_hours": 25, "minimum_per": "visit"}, "minimum_hours"),
        ({"minimum_hours": 0, "minimum_per": "week"}, "minimum_hours"),
        ({"minimum_hours": 2, "minimum_per": "fortnight"}, "minimum_per"),
        ({"travel": "per-mile"}, "travel_pence"),  # a charge needs its amount
        ({"travel_pence": 45}, "travel_pence"),  # an amount needs its unit
        ({"travel": "included", "travel_pence": 45}, "travel_pence"),
        ({"travel": "per-mile", "travel_pence": 5001}, "travel_pence"),
        ({"travel": "by-camel"}, "travel"),
        ({"waking_night_pence": -1}, "waking_night_pence"),
        ({"sleeping_night_pence": 1_000_01}, "sleeping_night_pence"),
        ({"weekend_uplift_percent": 0}, "weekend_uplift_percent"),
        ({"bank_holiday_uplift_percent": 201}, "bank_holiday_uplift_percent"),
    ],
)
def test_prices_that_make_no_sense_are_refused_by_the_service_and_nothing_is_stored(app, make_provider, prices, field):
    from registry.providers.services import ProfileError, get_by_slug, update_profile
    from tests.conftest import complete_profile_data

    assert field in price_errors(Prices(**prices))
    slug = make_provider("pa", name="Pat Price", **EVERY_PRICE)
    with app.app_context():
        provider = get_by_slug(slug)
        with pytest.raises(ProfileError):
            update_profile(provider, complete_profile_data(display_name="Changed", **prices))
        db.session.rollback()
        provider = get_by_slug(slug)
        assert provider.display_name == "Pat Price" and provider.prices == Prices(**EVERY_PRICE)
        # The positive control: the same call with sensible prices is taken.
        update_profile(provider, complete_profile_data(display_name="Changed", travel="none"))
        assert provider.prices == Prices(rate_min_pence=1800, rate_max_pence=2200, travel="none")


# The profile form.


def _profile_form(**overrides) -> dict:
    data = {
        "display_name": "Ceri Morgan",
        "about": "I support older people at home with personal care and companionship.",
        "services": ["personal-care", "companionship"],
        "base_postcode": "ls6 2aa",
        "travel_radius_miles": "10",
        "rate_min": "18",
        "rate_max": "22",
        "visit_price": "25",
        "visit_minutes": "30",
        "minimum_hours": "2",
        "minimum_per": "visit",
        "travel": "included",
        "sleeping_night": "90",
        "waking_night": "150",
        "weekend_uplift": "20",
        "bank_holiday_uplift": "50",
        "languages": ["en"],
        "availability": ["mon-morning"],
        "phone": "0113 496 0000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def ceri(app, make_provider):
    """Ceri, a listed PA, signed in: (her client, her slug)."""
    slug = make_provider("pa", name="Ceri Morgan", email="ceri@example.com")
    approve_checks(app, slug)
    return signed_in(app, "ceri@example.com"), slug


def _stored(app, slug) -> tuple[Prices, datetime]:
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == slug))
        return provider.prices, provider.updated_at


def test_the_profile_form_takes_every_price_in_a_prices_fieldset(app, ceri):
    client, slug = ceri
    page = parse(client.get("/dashboard/profile").get_data(as_text=True))
    legends = [legend.text for legend in page.find_all("legend")]
    assert "Prices" in legends
    response = client.post("/dashboard/profile", data=_profile_form())
    assert response.status_code == 302
    assert _stored(app, slug)[0] == Prices(**EVERY_PRICE)
    # Emptied again, each price goes (all optional, bar a price of some kind for a complete profile).
    cleared = {name: "" for name in ("visit_price", "visit_minutes", "minimum_hours", "sleeping_night")}
    response = client.post("/dashboard/profile", data=_profile_form(minimum_per="", travel="", **cleared))
    assert response.status_code == 302
    assert _stored(app, slug)[0] == Prices(
        **{
            **EVERY_PRICE,
            **dict.fromkeys(
                ("visit_price_pence", "visit_minutes", "minimum_hours", "minimum_per", "travel", "sleeping_night_pence")
            ),
        }
    )


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"visit_price": "lots"}, "visit_price", "Enter an amount in pounds, like 17.50."),
        ({"visit_price": "NaN"}, "visit_price", "Enter an amount in pounds, like 17.50."),
        ({"waking_night": "Infinity"}, "waking_night", "Enter an amount in pounds, like 17.50."),
        ({"rate_min": "nan"}, "rate_min", "Enter an amount in pounds, like 17.50."),
        ({"visit_minutes": "half an hour"}, "visit_minutes", "whole number of minutes"),
        ({"visit_minutes": ""}, "visit_minutes", "Enter how long a visit is, in minutes."),
        ({"visit_minutes": "99999"}, "visit_minutes", "from 5 to 1440 minutes"),
        ({"visit_price": "", "visit_minutes": "30"}, "visit_price", "Enter the price a visit too."),
        ({"minimum_per": ""}, "minimum_per", "Say whether the minimum is a visit or a week."),
        ({"minimum_per": "fortnight"}, "minimum_per", "Not a valid choice"),
        ({"minimum_hours": "", "minimum_per": "week"}, "minimum_hours", "Enter the minimum number of hours too."),
        ({"minimum_hours": "-2"}, "minimum_hours", "from 1 to 24 a visit"),
        ({"travel": "per-mile"}, "travel_charge", "Enter the travel charge."),
        ({"travel_charge": "0.45"}, "travel_charge", "choose a charge per mile or per visit"),
        ({"travel": "per-mile", "travel_charge": "99"}, "travel_charge", "between £0.01 and £50"),
        ({"travel": "<script>"}, "travel", "Not a valid choice"),
        ({"sleeping_night": "-90"}, "sleeping_night", "between £1 and £1,000"),
        ({"waking_night": "1e9"}, "waking_night", "between £1 and £1,000"),
        ({"weekend_uplift": "20%"}, "weekend_uplift", "whole number of per cent"),
        ({"bank_holiday_uplift": "1000"}, "bank_holiday_uplift", "from 1 to 200"),
    ],
)
def test_garbage_prices_are_refused_next_to_the_field_and_change_nothing(app, ceri, overrides, field, message):
    client, slug = ceri
    assert client.post("/dashboard/profile", data=_profile_form()).status_code == 302
    before = _stored(app, slug)
    response = client.post("/dashboard/profile", data=_profile_form(display_name="Changed", **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = parse(page).find("p", id=f"{field}-error")
    assert error is not None and message in error.text
    assert _stored(app, slug) == before
    with app.app_context():
        assert db.session.scalar(select(Provider.display_name).where(Provider.slug == slug)) == "Ceri Morgan"


def test_saving_the_form_unchanged_changes_no_price_and_no_date(app, ceri):
    client, slug = ceri
    client.post("/dashboard/profile", data=_profile_form(travel="per-mile", travel_charge="0.45"))
    before = _stored(app, slug)
    assert before[0].travel_pence == 45
    page = client.get("/dashboard/profile").get_data(as_text=True)
    response = client.post("/dashboard/profile", data=as_post_data(form_fields(page, action="")))
    assert response.status_code == 302
    assert _stored(app, slug) == before


# The same lines everywhere.


@pytest.fixture
def priced(app, make_provider):
    """Ceri, listed, giving every kind of price: her slug."""
    slug = make_provider("pa", name="Ceri Morgan", email="ceri@example.com", **EVERY_PRICE)
    approve_checks(app, slug)
    return slug


def test_the_profile_shows_every_line(client, priced):
    page = parse(client.get(f"/providers/{priced}").get_data(as_text=True))
    section = page.find("section", id="prices")
    assert [li.text for li in section.find_all("li")] == EVERY_LINE


def test_the_card_shows_the_first_line_and_points_to_the_rest(app, client, priced, make_provider):
    only_hourly = make_provider("pa", name="Hana Hourly")
    approve_checks(app, only_hourly)
    page = parse(client.get("/search?postcode=LS6+2AA").get_data(as_text=True))
    card = page.find("article", id=f"result-{priced}")
    meta = card.find("p", cls="meta")
    assert meta.text.endswith("£18–£22 an hour · more prices on the profile of Ceri Morgan")
    assert meta.find("a").attrs["href"] == f"/providers/{priced}#prices"
    other = page.find("article", id=f"result-{only_hourly}").find("p", cls="meta")
    assert other.text.endswith("£18–£22 an hour") and other.find("a") is None


def test_the_card_reads_prices_as_the_database_holds_them_now(app, client, priced):
    client.get("/search?postcode=LS6+2AA")
    with app.app_context():
        db.session.scalar(select(Provider).where(Provider.slug == priced)).rate_min_pence = None
        db.session.commit()
    card = parse(client.get("/search?postcode=LS6+2AA").get_data(as_text=True)).find("article", id=f"result-{priced}")
    assert "£25 a visit (30 minutes) · more prices" in card.find("p", cls="meta").text
    [row] = [r for r in client.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"] if r["slug"] == priced]
    assert row["hourly_rate"] == {"min_pounds": None, "max_pounds": "22.00"}


def test_the_compare_view_gives_each_kind_one_row_in_every_column(app, make_provider, make_user, priced):
    plain = make_provider("pa", name="Kim Lewis")
    approve_checks(app, plain)
    daughter = signed_in(app, make_user("recipient", email="sara@example.com"))
    for slug in (priced, plain):
        daughter.post(f"/shortlist/{slug}")
    response = daughter.get("/shortlist/compare?" + urlencode([("provider", priced), ("provider", plain)]))
    assert response.status_code == 200
    columns = {}
    for section in parse(response.get_data(as_text=True)).find_all("section", cls="compare-column"):
        assert "rows-17" in section.attrs["class"]  # its heading, eight facts, its button and eight prices
        columns[section.find("h2").text] = [
            (div.find("h3").text, div.find("p").text if div.find("p") else None)
            for div in section.find_all("div", cls="fact")
        ]
    headings = ["By the hour", "By the visit", "Minimum hours", "Travel", "Sleeping night", "Waking night"]
    headings += ["Weekends", "Bank holidays"]
    ceri = [fact for fact in columns["Ceri Morgan"] if fact[0] in headings]
    kim = [fact for fact in columns["Kim Lewis"] if fact[0] in headings]
    assert ceri == list(zip(headings, EVERY_LINE))
    assert kim == [("By the hour", "£18–£22 an hour")] + [(h, "Not given") for h in headings[1:]]
    assert [h for h, _ in columns["Ceri Morgan"]] == [h for h, _ in columns["Kim Lewis"]]  # the rows line up


def test_the_provider_api_gives_every_price(client, priced):
    body = client.get(f"/api/v1/providers/{priced}").get_json()
    assert [p["text"] for p in body["prices"]] == EVERY_LINE
    assert body["prices"][1] == {
        "kind": "visit",
        "text": "£25 a visit (30 minutes)",
        "option": "Per visit or session (30 minutes)",
        "amount_pounds": "25.00",
    }
    assert body["prices"][2]["amount_pounds"] is None  # a minimum has no amount
    assert body["hourly_rate"] == {"min_pounds": "18.00", "max_pounds": "22.00"}


def _feed_service(client, name: str) -> dict:
    listing = client.get("/openreferral/services", query_string={"per_page": 50}).get_json()["contents"]
    [summary] = [s for s in listing if s["name"] == name]
    return client.get(f"/openreferral/services/{summary['id']}").get_json()


def test_the_feed_has_one_valid_cost_option_per_price(client, priced, hsds):
    service = _feed_service(client, "Personal care: Ceri Morgan")
    hsds.item("service", service)
    options = service["cost_options"]
    assert [o["amount_description"] for o in options] == EVERY_LINE
    assert len({o["id"] for o in options}) == len(options)
    assert options[0] | {"id": None} == {
        "id": None,
        "service_id": service["id"],
        "option": "Hourly rate",
        "amount": 18.0,
        "currency": "GBP",
        "amount_description": "£18–£22 an hour",
    }
    assert options[5]["amount"] == 150.0 and options[5]["option"] == "Waking night"
    assert "amount" not in options[6]  # "Weekends: +20 %" is a percentage, not an amount
    bare = _feed_service(client, "Companionship: Ceri Morgan")
    assert [o["amount_description"] for o in bare["cost_options"]] == EVERY_LINE  # each service of hers says it


def test_the_feeds_last_modified_moves_when_a_price_changes_and_only_then(app, client, priced, clock):
    from registry.providers.services import get_by_slug, update_profile
    from tests.conftest import complete_profile_data

    first = _feed_service(client, "Personal care: Ceri Morgan")["last_modified"]
    clock.advance(seconds=5)
    with app.app_context():
        provider = get_by_slug(priced)
        unchanged = {name: getattr(provider, name) for name in PRICE_FIELDS}
        update_profile(provider, complete_profile_data(display_name="Ceri Morgan", **unchanged))
        db.session.commit()
    assert _feed_service(client, "Personal care: Ceri Morgan")["last_modified"] == first
    clock.advance(seconds=5)
    with app.app_context():
        provider = get_by_slug(priced)
        update_profile(provider, complete_profile_data(display_name="Ceri Morgan", **{**unchanged, "travel": "none"}))
        db.session.commit()
    service = _feed_service(client, "Personal care: Ceri Morgan")
    assert service["last_modified"] > first
    assert "Travel: no charge" in [o["amount_description"] for o in service["cost_options"]]


def test_demo_providers_give_realistic_prices():
    from registry.demo import demo_prices, plan

    plans = plan(cities=1, spread=0)
    prices = {
        p.number: Prices(**{"rate_min_pence": p.rate_min, "rate_max_pence": p.rate_max, **demo_prices(p)})
        for p in plans
    }
    assert all(price_errors(p) == {} for p in prices.values())
    home_care = [p for p in plans if p.kind != "pa" and "personal-care" in p.services]
    pas = [p for p in plans if p.kind == "pa"]
    assert home_care and pas
    assert all(prices[p.number].visit_minutes == 30 for p in home_care)
    assert any(prices[p.number].waking_night_pence for p in plans)
    assert all(prices[p.number].travel is not None for p in pas)
    assert any(prices[p.number].travel == "per-mile" for p in pas)
