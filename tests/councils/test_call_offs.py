"""Ordering from a council's approved list at the agreed rate, and what the council's commissioner sees of it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.councils import calloffs, services
from registry.councils.models import CallOff
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from registry.reviews.models import Enquiry, EnquiryMessage
from tests.conftest import ENQUIRY_DETAILS, PASSWORD, approve_checks, signed_in

ORDER = {"service": "personal-care", **ENQUIRY_DETAILS, "message": "For my mum, mornings if you can."}


@pytest.fixture
def on_a_list(app, make_provider):
    """A listed PA on Leeds's approved list for personal care at £18.75 an hour; returns (slug, commissioner email)."""
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    with app.app_context():
        council = services.create_council("Leeds City Council", "council", ["LS1", "LS6", "LS7"])
        commissioner = accounts.create_user("cam@leeds.example", PASSWORD, "Cam", "recipient")
        services.make_commissioner(commissioner, council)
        framework = services.create_framework(
            council, commissioner, "Home care 2026", today() - timedelta(days=1), today() + timedelta(days=365)
        )
        provider = get_by_slug(slug)
        personal_care = next(r.service_type for r in provider.services if r.service_type.slug == "personal-care")
        entry = services.apply(framework, provider, personal_care, 2000, today())
        services.decide(entry, commissioner, approve=True, rate_pence=1875)
        db.session.commit()
    return slug, "cam@leeds.example"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_recipient_orders_from_the_profile_at_the_agreed_rate(app, on_a_list, make_user):
    slug, _ = on_a_list
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    profile = lxml_html.fromstring(rosa.get(f"/providers/{slug}").get_data(as_text=True))
    (link,) = profile.xpath("//a[normalize-space()='Order at the agreed rate']/@href")
    page = rosa.get(link)
    assert page.status_code == 200
    offered = lxml_html.fromstring(page.get_data(as_text=True)).xpath("//select[@name='service']/option/@value")
    assert offered == ["personal-care"]  # companionship is not on a list: it is not offered here

    sent = rosa.post(link, data={**ORDER, "funding": "direct-payment", "rate": "1.00"})
    assert sent.status_code == 302
    with app.app_context():
        order = db.session.scalar(select(CallOff))
        assert (order.rate_pence, order.hours_per_week, order.funding, order.district) == (
            1875,  # the list's rate: a rate in the post is ignored
            6,
            "direct-payment",
            "LS6",
        )
        assert sent.headers["Location"].endswith(f"/enquiries/{order.enquiry_id}")
        first = db.session.scalar(select(EnquiryMessage.body).where(EnquiryMessage.enquiry_id == order.enquiry_id))
    assert first.startswith("Order from Leeds City Council's approved list “Home care 2026”: personal care, 6 hours")
    assert "£18.75 an hour, paid by direct payment." in first
    assert first.endswith("For my mum, mornings if you can.")


def test_an_order_joins_the_conversation_already_open(app, on_a_list, make_user):
    slug, _ = on_a_list
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    rosa.post(f"/providers/{slug}/enquire", data={**ORDER, "service": "companionship", "message": "Hello"})
    sent = rosa.post(f"/providers/{slug}/order", data={**ORDER, "funding": "council-list"})
    assert sent.status_code == 302
    assert _count(app, Enquiry) == 1
    with app.app_context():
        order = db.session.scalar(select(CallOff))
        bodies = list(db.session.scalars(select(EnquiryMessage.body).order_by(EnquiryMessage.id)))
    assert order.enquiry_id is not None
    assert bodies[0] == "Hello" and bodies[1].startswith("Order from Leeds City Council's approved list")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"funding": "self-funded"}, "Say how the support will be paid for."),
        ({"funding": ""}, "Say how the support will be paid for."),
        ({"funding": "direct-payment", "district": "BD1"}, "which does not cover BD1"),
        ({"funding": "direct-payment", "service": "companionship"}, "not on an approved list for companionship"),
        ({"funding": "direct-payment", "hours_per_week": "0"}, "Enter a whole number of hours from 1 to 168."),
        ({"funding": "direct-payment", "district": "nowhere"}, "Enter the postcode district where the help is needed"),
        ({"funding": "direct-payment", "times": "garbage"}, "Choose days and times from the list."),
    ],
)
def test_an_order_that_breaks_a_rule_says_why_and_stores_nothing(app, on_a_list, make_user, change, error):
    slug, _ = on_a_list
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    response = rosa.post(f"/providers/{slug}/order", data={**ORDER, **change})
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert _count(app, CallOff) == _count(app, Enquiry) == _count(app, EnquiryMessage) == 0


def test_no_order_reaches_a_provider_who_is_not_listed(app, on_a_list, make_user):
    slug, _ = on_a_list
    with app.app_context():
        from registry.checks.listing import recompute_listing

        provider = get_by_slug(slug)
        for check in provider.checks:
            check.valid_until = today() - timedelta(days=1)  # lapsed, whatever lists it is on
        recompute_listing(provider, today())
        db.session.commit()
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    assert rosa.get(f"/providers/{slug}/order").status_code == 404
    assert rosa.post(f"/providers/{slug}/order", data={**ORDER, "funding": "direct-payment"}).status_code == 404
    assert _count(app, CallOff) == 0


def test_only_people_looking_for_care_order(app, on_a_list):
    slug, commissioner = on_a_list
    provider = signed_in(app, "kim@example.com")
    assert provider.get(f"/providers/{slug}/order").status_code == 403


def test_the_commissioner_sees_orders_hours_and_spend_for_the_month(app, on_a_list, make_user):
    slug, commissioner = on_a_list
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    rosa.post(f"/providers/{slug}/order", data={**ORDER, "funding": "direct-payment"})
    with app.app_context():
        order = db.session.scalar(select(CallOff))
        first, last = calloffs.month_bounds(order.starts_on.strftime("%Y-%m"))
        days = (last - order.starts_on).days + 1
    hours = 6 * days / 7
    cam = signed_in(app, commissioner)
    month = first.strftime("%Y-%m")
    page = lxml_html.fromstring(cam.get(f"/council/orders?month={month}").get_data(as_text=True))
    cells = [c.text_content().strip() for c in page.xpath("//table//tr[2]/td")]
    assert cells == ["Kim Lewis", "Personal care", "1", "0", "6", f"{hours:.1f}", f"£{round(hours * 1875) / 100:,.2f}"]

    exported = cam.get(f"/council/orders.csv?month={month}")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0][0] == "Provider" and rows[1][:5] == ["Kim Lewis", "Personal care", "1", "0", "6"]
    assert rows[1][6] == f"{round(hours * 1875) / 100:.2f}"

    # The month before the order started has none; a garbage month is a clear 400.
    earlier = (first - timedelta(days=1)).strftime("%Y-%m")
    assert "No orders ran in this month." in cam.get(f"/council/orders?month={earlier}").get_data(as_text=True)
    assert cam.get("/council/orders?month=2027-13").status_code == 400
    assert cam.get("/council/orders?month=not-a-month").status_code == 400


def test_a_declined_order_adds_no_hours(app, on_a_list, make_user):
    slug, commissioner = on_a_list
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    rosa.post(f"/providers/{slug}/order", data={**ORDER, "funding": "direct-payment"})
    with app.app_context():
        enquiry_id = db.session.scalar(select(CallOff.enquiry_id))
    signed_in(app, "kim@example.com").post(f"/enquiries/{enquiry_id}/decline")
    with app.app_context():
        council = services.council_for_postcode("LS6 2AA")
        (row,) = calloffs.orders_in_month(council, *calloffs.month_bounds(today().strftime("%Y-%m")))
    assert (row.orders, row.declined, row.hours, row.spend_pence) == (1, 1, 0.0, 0)


def test_month_bounds():
    assert calloffs.month_bounds("2027-02") == (date(2027, 2, 1), date(2027, 2, 28))
    with pytest.raises(ValueError):
        calloffs.month_bounds("2027-2")


def test_orders_are_in_the_data_export_and_outlive_an_erased_account_unlinked(app, on_a_list, make_user):
    from registry.accounts.services import find_user_by_email
    from registry.datarights.services import erase_account, export_data

    slug, _ = on_a_list
    rosa = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    rosa.post(f"/providers/{slug}/order", data={**ORDER, "funding": "health-budget"})
    with app.app_context():
        user = find_user_by_email("rosa@example.com")
        (exported,) = export_data(user)["orders_from_approved_lists"]
        assert (exported["provider"], exported["rate_per_hour"], exported["paid_by"]) == (
            "Kim Lewis",
            "£18.75",
            "Personal health budget",
        )
        erase_account(user, actor=user, how="test")
        db.session.commit()
        order = db.session.scalar(select(CallOff))
        assert (order.recipient_id, order.person_id, order.hours_per_week, order.rate_pence) == (None, None, 6, 1875)
