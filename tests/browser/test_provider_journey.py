"""A personal assistant joins, fixes a mistake the form points out, and submits a profile."""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.pages import fill, wait_for_text
from tests.conftest import PASSWORD


def _confirmation_path(app) -> str:
    from registry.mail import outbox_messages

    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/account/verify/\S+)", body).group(1)


def test_a_pa_joins_builds_a_profile_and_submits_it(app, page):
    browser, base = page
    browser.get(base + "/account/sign-up")
    browser.find_element(By.CSS_SELECTOR, "input[name=account_type][value=pa]").click()
    fill(browser, "name", "Aoife Quinn")
    fill(browser, "email", "aoife@example.com")
    fill(browser, "password", PASSWORD)
    fill(browser, "confirm", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    # She confirms her email from the link we sent, then signs in.
    wait_for_text(browser, "open the link in it to confirm")
    browser.get(base + _confirmation_path(app))
    wait_for_text(browser, "your email address is confirmed")
    fill(browser, "email", "aoife@example.com")
    fill(browser, "password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    wait_for_text(browser, "Choose at least one service you offer.")
    assert browser.current_url.endswith("/dashboard")

    browser.find_element(By.LINK_TEXT, "Complete your profile").click()
    fill(browser, "about", "I help older people stay independent at home, with patience and good humour.")
    browser.find_element(By.CSS_SELECTOR, "input[name=services][value=companionship]").click()
    fill(browser, "base_postcode", "not a postcode")
    fill(browser, "travel_radius_miles", "8")
    fill(browser, "rate_min", "17.50")
    browser.find_element(By.CSS_SELECTOR, "input[name=languages][value=en]").click()
    browser.find_element(By.CSS_SELECTOR, "input[name=availability][value=wed-afternoon]").click()
    fill(browser, "phone", "0113 496 0001")
    Select(browser.find_element(By.NAME, "gender")).select_by_value("female")
    browser.find_element(By.CSS_SELECTOR, ".profile-form button[type=submit]").click()

    wait_for_text(browser, "There is a problem")
    assert browser.title.startswith("Error: ")
    # The summary takes focus on arrival, and its link takes the keyboard to the field.
    assert browser.switch_to.active_element.get_attribute("class") == "error-summary"
    browser.find_element(By.CSS_SELECTOR, ".error-summary a[href='#base_postcode']").click()
    assert browser.switch_to.active_element.get_attribute("id") == "base_postcode"
    error = browser.find_element(By.ID, "base_postcode-error")
    assert "is not a UK postcode" in error.text
    # What was typed is kept, so only the postcode needs fixing.
    assert browser.find_element(By.NAME, "travel_radius_miles").get_attribute("value") == "8"
    fill(browser, "base_postcode", "bs1 4dj")
    browser.find_element(By.CSS_SELECTOR, ".profile-form button[type=submit]").click()

    wait_for_text(browser, "Your profile is saved.")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/dashboard/submit'] button").click()
    wait_for_text(browser, "Your profile is submitted")

    browser.find_element(By.LINK_TEXT, "See your public page").click()
    wait_for_text(browser, "About")
    profile = browser.page_source
    assert "Aoife Quinn" in profile and "BS1" in profile and "4DJ" not in profile
