"""The visit pages in a real Chromium at 320 CSS px: axe finds nothing, nothing scrolls sideways, and a
provider records a visit with one tap (or by keyboard alone) from the page that opens it."""

from __future__ import annotations

import time as clock
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from registry.extensions import db
from registry.models import today
from registry.reviews.models import Engagement
from registry.visits.models import VisitRecord
from tests.browser.a11y import axe_violations, by_text, horizontal_overflow, press, sign_in_as, submit_emptied, tab_to
from tests.browser.pages import wait_for_text
from tests.conftest import ENQUIRY_DETAILS, approve_checks, signed_in


@pytest.fixture
def visit_world(app, make_provider, make_user):
    """Kim supports Rosa: a visit every day from a week ago, 09:00-10:00, agreed by both; today's visit not yet recorded."""
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    make_user("recipient", email="rosa@example.com", name="Rosa")
    rosa, kim = signed_in(app, "rosa@example.com"), signed_in(app, "kim@example.com")
    sent = rosa.post(
        f"/providers/{slug}/enquire", data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello"}
    )
    enquiry = sent.headers["Location"]
    assert kim.post(enquiry + "/start").status_code == 302
    with app.app_context():
        eid = db.session.scalar(select(Engagement.id))
    first = today() - timedelta(days=7)
    form = {"service": "companionship", "starts_on": first.isoformat(), "price_basis": "hourly", "rate": "16.50"}
    form |= {
        "funding": "direct-payment",
        **{f"start_{d}": "09:00" for d in range(7)},
        **{f"end_{d}": "10:00" for d in range(7)},
    }
    assert kim.post(f"/care/{eid}/agreement", data=form).status_code == 302
    with app.app_context():
        from registry.visits.models import Agreement

        agreement_id = db.session.scalar(select(Agreement.id))
    assert rosa.post(f"/care/{eid}/agreement/{agreement_id}/accept").status_code == 302
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert (
        kim.post(
            f"/care/{eid}/visits/{yesterday}/0900/came", data={"came-arrived": "09:00", "came-left": "10:00"}
        ).status_code
        == 302
    )
    return {"eid": eid, "today": today().isoformat(), "yesterday": yesterday, "month": today().strftime("%Y-%m")}


@pytest.fixture
def phone(page):
    browser, base = page
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": False}
    )
    yield browser, base
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_visit_pages_pass_axe_and_fit_320_pixels(phone, visit_world):
    browser, base = phone
    eid = visit_world["eid"]
    found: dict[str, list[str]] = {}
    too_wide: dict[str, int] = {}

    def check(label: str, path: str | None = None) -> None:
        if path is not None:
            browser.get(base + path)
        assert "Page not found" not in browser.title, (label, browser.title)
        found[label] = axe_violations(browser)
        if overflow := horizontal_overflow(browser):
            too_wide[label] = overflow

    sign_in_as(browser, base, "kim@example.com")
    check("care list", "/care")
    check("engagement", f"/care/{eid}")
    check("visit to record", f"/care/{eid}/visits/{visit_world['today']}/0900")
    check("timesheet", f"/care/{eid}/timesheet/{visit_world['month']}")
    check("agreement form", f"/care/{eid}/agreement")
    submit_emptied(browser)
    check("agreement form after a failed submit")
    check("end form", f"/care/{eid}/end")
    submit_emptied(browser)
    check("end form after a failed submit")
    sign_in_as(browser, base, "rosa@example.com")
    check("visit to confirm", f"/care/{eid}/visits/{visit_world['yesterday']}/0900")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/confirm'] button[type=submit]").click()
    wait_for_text(browser, "There is a problem")
    check("visit to confirm after a failed submit")
    assert {label: problems for label, problems in found.items() if problems} == {}
    assert too_wide == {}


def test_a_provider_records_todays_visit_with_one_tap(app, phone, visit_world):
    """Times are filled in with the planned ones: open the page, tap once. (The seconds are printed, not asserted.)"""
    browser, base = phone
    eid = visit_world["eid"]
    sign_in_as(browser, base, "kim@example.com")
    started = clock.monotonic()
    browser.get(base + f"/care/{eid}/visits/{visit_world['today']}/0900")
    browser.find_element(By.XPATH, "//button[normalize-space()='I came: record it']").click()
    wait_for_text(browser, "Recorded.")
    print(f"visit recorded {clock.monotonic() - started:.2f} s after opening its page, in one tap")
    with app.app_context():
        saved = db.session.scalar(select(VisitRecord).where(VisitRecord.visit_date == today()))
        assert saved is not None and saved.provider_says == "came"


def test_the_person_confirms_a_visit_by_keyboard_alone(app, phone, visit_world):
    browser, base = phone
    eid = visit_world["eid"]
    sign_in_as(browser, base, "rosa@example.com")
    browser.get(base + f"/care/{eid}/visits/{visit_world['yesterday']}/0900")
    tab_to(browser, lambda el: el.get_attribute("value") == "kept")
    press(browser, Keys.SPACE)
    tab_to(browser, by_text("Send"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Recorded.")
    with app.app_context():
        assert db.session.scalar(select(VisitRecord.recipient_says)) == "kept"
