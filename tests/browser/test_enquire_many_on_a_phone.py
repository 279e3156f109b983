"""One enquiry to several shortlisted providers (issue 26) in a real Chromium with JavaScript off, at 320 CSS px,
by keyboard alone: tick on the shortlist, "Ask these providers", fill the one form, send."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from registry.extensions import db
from registry.reviews.models import Enquiry
from tests.browser.a11y import (
    axe_violations,
    by_name,
    by_text,
    focused,
    horizontal_overflow,
    press,
    sign_in_as,
    tab_to,
)
from tests.browser.pages import wait_for_text
from tests.browser.test_without_javascript import browser_without_js, nojs  # noqa: F401 (fixtures)
from tests.conftest import approve_checks, signed_in


def test_ask_two_providers_at_once_by_keyboard_with_javascript_off_at_320_pixels(
    nojs,  # noqa: F811
    app,
    make_provider,
    make_user,
):
    browser, base = nojs
    make_user("recipient", email="sara@example.com", name="Sara")
    sara = signed_in(app, "sara@example.com")
    slugs = [make_provider("pa", name=name) for name in ("Kim Lewis", "Nia Morgan", "Omar Shah")]
    for slug in slugs:
        approve_checks(app, slug)
        assert sara.post(f"/shortlist/{slug}").status_code == 302
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        sign_in_as(browser, base, "sara@example.com")
        browser.get(base + "/shortlist")
        too_wide = {"shortlist": horizontal_overflow(browser)}
        for slug in ("kim-lewis", "omar-shah"):
            tab_to(browser, lambda e, slug=slug: e.get_attribute("id") == f"compare-{slug}")
            press(browser, Keys.SPACE)
        tab_to(browser, by_text("Ask these providers"))
        press(browser, Keys.ENTER)
        wait_for_text(browser, "Ask 2 providers at once")
        too_wide["form"] = horizontal_overflow(browser)
        assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.asking a")] == ["Omar Shah", "Kim Lewis"]
        # The one form, by keyboard: the help (the first offered), where, when, how long, and a message.
        tab_to(browser, by_name("district"))
        press(browser, "LS6")
        tab_to(browser, by_name("times", "tue-afternoon"))
        press(browser, Keys.SPACE)
        tab_to(browser, by_name("hours_per_week"))
        press(browser, "6")
        tab_to(browser, by_name("message"))
        press(browser, "Could someone visit my dad on Tuesdays?")
        assert focused(browser).get_attribute("value") == "Could someone visit my dad on Tuesdays?"
        tab_to(browser, by_text("Send this enquiry to each of them"))
        press(browser, Keys.ENTER)
        wait_for_text(browser, "Your enquiry is sent")
        sent = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "main ul a")]
        assert sorted(sent) == ["Kim Lewis: personal care", "Omar Shah: personal care"]
        too_wide["sent"] = horizontal_overflow(browser)
        assert too_wide == {"shortlist": 0, "form": 0, "sent": 0}  # no sideways scrolling on the phone
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    with app.app_context():
        assert sorted(e.provider.slug for e in db.session.scalars(select(Enquiry))) == ["kim-lewis", "omar-shah"]


def test_axe_finds_nothing_on_the_lists_per_person_the_save_choice_and_the_one_form(
    page, app, make_provider, make_user
):
    from tests.families.conftest import DAD, post_form

    browser, base = page
    make_user("recipient", email="sara@example.com", name="Sara")
    sara = signed_in(app, "sara@example.com")
    assert post_form(sara, "/people/new", **DAD).status_code == 302
    slugs = [make_provider("pa", name=name, base_postcode="LS6 2AA") for name in ("Kim Lewis", "Nia Morgan")]
    for slug in slugs:
        approve_checks(app, slug)
        assert sara.post(f"/shortlist/{slug}").status_code == 302
    with app.app_context():
        from registry.families.models import CaredForPerson

        dad = db.session.scalar(select(CaredForPerson.id))
    assert sara.post(f"/shortlist/{slugs[0]}", data={"person": str(dad)}).status_code == 302
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    found, too_wide = {}, {}
    try:
        sign_in_as(browser, base, "sara@example.com")
        for label, path, text in (
            ("shortlist", "/shortlist", "For Dad (J.S.)"),
            ("one person's", f"/shortlist?for={dad}", "For Dad (J.S.)"),
            ("results", f"/search?postcode=LS6+1AA&for={dad}", "Save for"),
            (
                "the one form",
                f"/shortlist/enquire?provider={slugs[0]}&provider={slugs[1]}&for={dad}",
                "Ask 2 providers",
            ),
            ("a wrong choice", "/shortlist/enquire", "There is a problem"),
        ):
            browser.get(base + path)
            wait_for_text(browser, text)
            found[label] = axe_violations(browser)
            if overflow := horizontal_overflow(browser):
                too_wide[label] = overflow
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert {label: problems for label, problems in found.items() if problems} == {}
    assert too_wide == {}
