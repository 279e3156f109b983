"""Keyboard only: Tab, Shift+Tab, arrows, Space and Enter, never a click, through the journeys that matter most."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.a11y import by_name, by_text, focused, press, shift_tab, sign_in_as, tab_to
from tests.browser.pages import wait_for_document_view, wait_for_text
from tests.checks.conftest import add_check
from tests.conftest import PASSWORD, approve_checks


def choose(browser, value: str, limit: int = 30) -> None:
    """Move a focused select (closed) or radio group with the arrow keys to ``value``; Space ticks a radio."""
    for _ in range(limit):
        element = focused(browser)
        if element.get_attribute("value") == value:
            if element.get_attribute("type") == "radio" and not element.is_selected():
                press(browser, Keys.SPACE)
            return
        press(browser, Keys.ARROW_DOWN)
    raise AssertionError(
        f"The arrow keys never reached {value!r} (focus on {focused(browser).get_attribute('outerHTML')[:120]})"
    )


def test_search_then_profile_then_enquiry_by_keyboard(page, app, make_provider, make_user):
    slug = make_provider("pa", name="Nia Morgan", base_postcode="LS6 2AA")
    approve_checks(app, slug)
    make_user("recipient", email="rosa@example.com", name="Rosa Jones")
    browser, base = page
    sign_in_as(browser, base, "rosa@example.com")
    browser.get(base + "/")

    # The first Tab offers the skip link, so the header can be jumped.
    press(browser, Keys.TAB)
    assert focused(browser).text == "Skip to content"
    tab_to(browser, by_name("postcode"))
    press(browser, "LS6 1AA")
    tab_to(browser, by_name("service"))
    choose(browser, "companionship")
    tab_to(browser, by_text("Find care"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "covers LS6 1AA")
    assert browser.title.startswith("1 provider near LS6 1AA for Companionship")
    # The skip link takes the keyboard past the filters to the results.
    tab_to(browser, by_text("Skip to the results"), limit=15)
    press(browser, Keys.ENTER)

    tab_to(browser, by_text("Nia Morgan"), limit=8)  # past the facet links above the list
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Checked by a safeguarding officer")
    # "Send an enquiry" near the top jumps to the form: a few key presses, not a trip past every review.
    tab_to(browser, by_text("Send an enquiry"), limit=15)
    press(browser, Keys.ENTER)
    tab_to(browser, by_name("service"), limit=2)
    choose(browser, "companionship")
    tab_to(browser, by_name("district"), limit=2)
    press(browser, "LS6")
    tab_to(browser, by_name("times", "tue-afternoon"))
    press(browser, Keys.SPACE)
    tab_to(browser, by_name("hours_per_week"))
    press(browser, "4")
    tab_to(browser, by_name("message"))
    press(browser, "Hello, could you visit my dad?")
    tab_to(browser, by_text("Send enquiry"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Your enquiry is sent.")


def test_sign_up_with_a_mistake_corrected_by_keyboard(page):
    browser, base = page
    browser.get(base + "/account/sign-up")
    tab_to(browser, by_name("account_type"))
    choose(browser, "recipient")
    press(
        browser,
        Keys.TAB,
        "Rosa Jones",
        Keys.TAB,
        "rosa@example.com",
        Keys.TAB,
        PASSWORD,
        Keys.TAB,
        "not the same",
        Keys.TAB,
        Keys.ENTER,
    )

    # The summary takes focus; its link takes the keyboard to the field with the problem.
    wait_for_text(browser, "There is a problem")
    assert browser.title.startswith("Error: ")
    assert focused(browser).get_attribute("class") == "error-summary"
    link = tab_to(browser, by_text("The passwords do not match."), limit=3)
    assert link.tag_name == "a"
    press(browser, Keys.ENTER)
    assert focused(browser).get_attribute("id") == "confirm"
    # Password boxes are never sent back to the browser, so both are typed again.
    shift_tab(browser)
    assert focused(browser).get_attribute("id") == "password"
    press(browser, PASSWORD, Keys.TAB, PASSWORD, Keys.TAB, Keys.ENTER)
    wait_for_text(browser, "We have sent an email to rosa@example.com")


def test_an_officer_approves_a_check_by_keyboard(page, app, make_provider, make_user):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    make_user("officer", email="olu@example.com", name="Olu Officer")
    provider = app.test_client()
    provider.post("/account/sign-in", data={"email": "pat@example.com", "password": PASSWORD})
    assert add_check(provider).status_code == 302
    browser, base = page
    sign_in_as(browser, base, "olu@example.com")
    browser.get(base + "/officer/queue")

    tab_to(browser, by_text("Review"))
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Entered details")
    # The certificate's download comes with the details, before the decision: a DBS approval needs it opened.
    tab_to(browser, lambda element: (element.text or "").startswith("Download"), limit=30)
    press(browser, Keys.ENTER)
    wait_for_document_view(app)
    tab_to(browser, by_name("method"), limit=10)
    choose(browser, "in_person")
    assert browser.find_element(By.CSS_SELECTOR, "input[name=method][value=in_person]").is_selected()
    tab_to(browser, by_text("Approve"), limit=12)
    press(browser, Keys.ENTER)
    wait_for_text(browser, "is approved")
