"""Comparing shortlisted providers in a real Chromium (issue 26): by keyboard alone at 320 CSS px, stacked there
and side by side on a wide screen, and axe finds nothing on the shortlist, the comparison or "What our checks mean"."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from registry.extensions import db
from registry.models import utcnow
from registry.providers.services import get_by_slug
from tests.browser.a11y import axe_violations, by_text, horizontal_overflow, press, sign_in_as, tab_to
from tests.browser.pages import wait_for_text
from tests.browser.test_without_javascript import browser_without_js, nojs  # noqa: F401 (fixtures)
from tests.conftest import approve_checks, signed_in


@pytest.fixture
def shortlisted(app, make_provider, make_user):
    """Sara's shortlist: three listed providers and one suspended since she saved it."""
    make_user("recipient", email="sara@example.com", name="Sara")
    sara = signed_in(app, "sara@example.com")
    slugs = [
        make_provider("pa", name="Kim Lewis", visit_price_pence=2500, visit_minutes=30, waking_night_pence=15000),
        make_provider("organisation", name="Kirkstall Care Services Limited", travel="none", weekend_uplift_percent=20),
        make_provider("pa", name="Nia Morgan"),
        make_provider("pa", name="Gone Away"),
    ]
    for slug in slugs:
        approve_checks(app, slug)
        assert sara.post(f"/shortlist/{slug}").status_code == 302
    with app.app_context():
        get_by_slug(slugs[3]).suspended_at = utcnow()
        db.session.commit()
    return slugs


def _resize(browser, width: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )


@pytest.fixture
def phone(page):
    browser, base = page
    _resize(browser, 320)
    yield browser, base
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _rects(browser, selector: str) -> list[dict]:
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.getBoundingClientRect().toJSON())", selector
    )


def test_compare_by_keyboard_alone_at_320_pixels(phone, shortlisted):
    browser, base = phone
    found: dict[str, list[str]] = {}
    too_wide: dict[str, int] = {}

    def check(label: str) -> None:
        found[label] = axe_violations(browser)
        if overflow := horizontal_overflow(browser):
            too_wide[label] = overflow

    browser.get(base + "/what-our-checks-mean")
    check("what our checks mean")
    sign_in_as(browser, base, "sara@example.com")
    browser.get(base + "/shortlist")
    check("shortlist")
    # The suspended one is not offered; tick two of the three others and compare, with the keyboard only.
    assert len(browser.find_elements(By.CSS_SELECTOR, "input[form=compare]")) == 3
    for slug in ("nia-morgan", "kim-lewis"):
        tab_to(browser, lambda e, slug=slug: e.get_attribute("id") == f"compare-{slug}")
        press(browser, Keys.SPACE)
    tab_to(browser, by_text("Compare the providers you ticked"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Compare 2 providers")
    check("compare")
    names = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".compare-column h2")]
    assert names == ["Nia Morgan", "Kim Lewis"]
    first, second = _rects(browser, ".compare-column")
    assert second["top"] >= first["bottom"]  # stacked, one after the other
    # The keyboard reaches each provider's enquiry.
    tab_to(browser, lambda e: e.get_attribute("href") is not None and e.text.startswith("Send an enquiry"))
    # Ticking none is refused with the error summary, focused, whose link leads to the first tick box.
    browser.get(base + "/shortlist/compare")
    wait_for_text(browser, "There is a problem")
    check("shortlist after a wrong choice")
    assert browser.switch_to.active_element.get_attribute("class") == "error-summary"
    assert {label: problems for label, problems in found.items() if problems} == {}
    assert too_wide == {}


def test_on_a_wide_screen_they_stand_side_by_side_with_their_rows_lined_up(page, shortlisted):
    browser, base = page
    _resize(browser, 1280)
    try:
        sign_in_as(browser, base, "sara@example.com")
        query = "&".join(f"provider={slug}" for slug in shortlisted)
        browser.get(base + f"/shortlist/compare?{query}")
        wait_for_text(browser, "Compare 4 providers")
        columns = _rects(browser, ".compare-column")
        assert len({round(c["top"]) for c in columns}) == 1  # one row of four
        assert "No longer listed" in browser.find_elements(By.CSS_SELECTOR, ".compare-column")[3].text
        # Each fact starts at the same height in every listed provider's section, whatever came before it:
        # eight, and one row for each kind of price any of them gives (by the hour, by the visit, travel,
        # waking night, weekends).
        facts = browser.find_elements(By.CSS_SELECTOR, ".compare-column:first-child .fact")
        assert [f.find_element(By.TAG_NAME, "h3").text for f in facts][2:7] == [
            "By the hour",
            "By the visit",
            "Travel",
            "Waking night",
            "Weekends",
        ]
        # One under another, none drawn over the one before (a column spanning too few rows stacks the rest).
        boxes = _rects(browser, ".compare-column:first-child > *")
        assert all(below["top"] >= above["bottom"] - 1 for above, below in zip(boxes, boxes[1:]))
        for fact in range(1, len(facts) + 1):
            tops = {
                round(r["top"]) for r in _rects(browser, f".compare-column:not(:last-child) > :nth-child({fact + 1})")
            }
            assert len(tops) == 1, fact
        assert axe_violations(browser) == []
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_save_from_results_and_compare_with_javascript_off(nojs, app, make_provider, make_user):  # noqa: F811
    """Saving from a long list comes back to the same card, and ticking and comparing need no script."""
    browser, base = nojs
    make_user("recipient", email="rosa@example.com", name="Rosa")
    slugs = [make_provider("pa", name=f"Carer {n:02}", base_postcode="LS6 2AA") for n in range(10)]
    for slug in slugs:
        approve_checks(app, slug)
    sign_in_as(browser, base, "rosa@example.com")
    for slug in (slugs[7], slugs[2]):
        browser.get(base + "/search?postcode=LS6+1AA&sort=distance")
        browser.find_element(By.CSS_SELECTOR, f"#result-{slug} .shortlist-form button").click()
        wait_for_text(browser, "saved to your shortlist")
        assert browser.current_url.endswith(f"#result-{slug}")  # back on the same card, not the top
        card = browser.find_element(By.ID, f"result-{slug}")
        assert "Remove from shortlist" in card.text
    browser.get(base + "/shortlist")
    for slug in (slugs[7], slugs[2]):
        browser.find_element(By.ID, f"compare-{slug}").click()
    browser.find_element(By.ID, "compare-button").click()
    wait_for_text(browser, "Compare 2 providers")
    names = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".compare-column h2")]
    assert sorted(names) == ["Carer 02", "Carer 07"]
