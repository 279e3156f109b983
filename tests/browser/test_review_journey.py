"""With CSRF on, a recipient enquires, the provider accepts, the recipient reviews and sees the score."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from registry.extensions import db
from tests.browser.pages import fill, wait_for_text
from tests.conftest import PASSWORD, approve_checks


def sign_in_as(browser, base, email):
    browser.delete_all_cookies()
    browser.get(base + "/account/sign-in")
    fill(browser, "email", email)
    fill(browser, "password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Sign out")
    browser.get(base + "/account/")
    wait_for_text(browser, f"Signed in as {email}.")  # this account, not the one before


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_enquiry_acceptance_review_and_concern_in_a_browser(page, app, make_provider, make_user):
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    make_user("recipient", email="rosa@example.com", name="Rosa")
    browser, base = page

    sign_in_as(browser, base, "rosa@example.com")
    browser.get(f"{base}/providers/{slug}")
    Select(browser.find_element(By.NAME, "service")).select_by_value("companionship")
    fill(browser, "district", "LS6")
    browser.find_element(By.CSS_SELECTOR, "input[name=times][value=tue-afternoon]").click()
    fill(browser, "hours_per_week", "4")
    fill(browser, "message", "Hello, could you visit my dad?")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/enquire'] button").click()
    wait_for_text(browser, "Your enquiry is sent.")
    enquiry_url = browser.current_url

    sign_in_as(browser, base, "kim@example.com")
    browser.get(base + "/dashboard")
    wait_for_text(browser, "1 enquiry waits for your answer")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Rosa: Companionship").click()
    wait_for_text(browser, "could you visit my dad")
    fill(browser, "body", "Yes, happily.")
    browser.find_element(By.CSS_SELECTOR, "main form:not([action]) button").click()
    wait_for_text(browser, "Yes, happily.")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/accept'] button").click()
    wait_for_text(browser, "Accepted: carry on the conversation here.")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/start'] button").click()
    wait_for_text(browser, "Support has started: they can now review your care.")

    sign_in_as(browser, base, "rosa@example.com")
    browser.get(enquiry_url)
    browser.find_element(By.LINK_TEXT, "review their care").click()
    wait_for_text(browser, "Review Kim Lewis")
    for name, value in {"reliability": 5, "quality": 5, "kindness": 5, "communication": 4, "value": 4}.items():
        browser.find_element(By.CSS_SELECTOR, f"input[name={name}][value='{value}']").click()
    fill(browser, "title", "Kind and reliable")
    fill(browser, "body", "Always on time and so patient with my dad.")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Thank you for your review.")
    assert "7.4/10 from 1 verified review" in browser.find_element(By.TAG_NAME, "body").text

    browser.find_element(By.LINK_TEXT, "Report a concern about this provider").click()
    browser.find_element(By.CSS_SELECTOR, "input[name=severity][value='harm']").click()
    fill(browser, "text", "The carer left Dad alone at night.")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "A safeguarding officer will look at your concern.")
    with app.app_context():
        from registry.reviews.models import Review
        from registry.safeguarding.models import Concern

        [review] = db.session.scalars(select(Review)).all()
        assert (review.title, review.author.email, review.provider.slug) == (
            "Kind and reliable",
            "rosa@example.com",
            slug,
        )
        [concern] = db.session.scalars(select(Concern)).all()
        assert concern.provider.slug == slug and "alone at night" in concern.body and concern.severity == "harm"
