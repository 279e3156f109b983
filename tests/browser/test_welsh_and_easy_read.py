"""Welsh and Easy Read in a real browser: the switch by keyboard keeps the page; axe finds nothing, in both languages."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.keys import Keys

from tests.browser.a11y import axe_violations, by_text, horizontal_overflow, press, tab_to
from tests.browser.pages import wait_for_text
from tests.conftest import approve_checks

EASY_READ = ["/how-it-works/easy-read", "/what-our-checks-mean/easy-read", "/report-a-concern/easy-read"]


def test_the_welsh_switch_by_keyboard_and_the_easy_read_pages_pass_axe_in_both_languages_at_320_px(page):
    browser, base = page
    found: dict[str, list[str]] = {}
    too_wide: dict[str, int] = {}

    def audit(label: str, path: str, heading: str) -> None:
        browser.get(base + path)
        wait_for_text(browser, heading)
        found[label] = axe_violations(browser)

    # By keyboard alone: the switch is a link in the header, and it comes back to the same page and query.
    browser.get(base + "/what-our-checks-mean/easy-read?from=home")
    tab_to(browser, by_text("Cymraeg"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Beth mae ein gwiriadau’n ei olygu")
    here = urlsplit(browser.current_url)
    assert (here.path, here.query) == ("/what-our-checks-mean/easy-read", "from=home")
    assert browser.find_element("css selector", "html").get_attribute("lang") == "cy"

    audit("Welsh home", "/", "Dewch o hyd i ofal y gallwch ymddiried ynddo")
    for path, heading in zip(
        EASY_READ, ["Sut mae’r wefan hon yn gweithio", "Beth mae ein gwiriadau’n ei olygu", "Sut i godi pryder"]
    ):
        audit("Welsh " + path, path, heading)

    tab_to(browser, by_text("English"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "How to raise a concern")
    for path, heading in zip(EASY_READ, ["How this website works", "What our checks mean", "How to raise a concern"]):
        audit(path, path, heading)

    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        for path in ["/", *EASY_READ]:
            browser.get(base + path)
            if overflow := horizontal_overflow(browser):
                too_wide[path] = overflow
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    assert {label: v for label, v in found.items() if v} == {}
    assert len(found) == 7
    assert too_wide == {}


def test_a_welsh_visitor_searches_and_opens_a_profile_by_keyboard_and_both_pages_pass_axe(page, app, make_provider):
    browser, base = page
    slug = make_provider("pa", name="Nia Morgan", email="nia@example.com", base_postcode="LS6 2AA")
    approve_checks(app, slug)
    browser.get(base + "/search?postcode=LS6+2AA")
    wait_for_text(browser, "1 provider covers LS6 2AA")
    tab_to(browser, by_text("Cymraeg"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "1 darparwr yn cwmpasu LS6 2AA")
    assert browser.find_element("css selector", "html").get_attribute("lang") == "cy"
    found = {"search": axe_violations(browser)}

    tab_to(browser, by_text("Nia Morgan"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Wedi’i wirio gan swyddog diogelu")
    assert urlsplit(browser.current_url).path == f"/providers/{slug}"
    found["profile"] = axe_violations(browser)
    assert found == {"search": [], "profile": []}
