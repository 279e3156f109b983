"""The core journeys with JavaScript switched off in Chromium: the registry needs none."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from registry.accounts.services import find_user_by_email
from registry.checks.models import Check
from registry.extensions import db
from registry.reviews.models import Enquiry
from tests.browser.a11y import sign_in_as
from tests.browser.conftest import CHROMEDRIVER, CHROMIUM
from tests.browser.pages import fill, submit_and_wait, wait_for_document_view, wait_for_text
from tests.checks.conftest import PDF
from tests.conftest import PASSWORD, approve_checks


@pytest.fixture(scope="module")
def browser_without_js():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("Browser tests need Debian's chromium and chromium-driver.")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,1600",
        "--lang=en-GB",
    ):
        options.add_argument(flag)
    # The setting a person (or their organisation's policy) uses to block scripts on every site.
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(2)
    # Prove scripts really are off: a page's own script would rename it.
    driver.get("data:text/html,<title>no script ran</title><script>document.title='a script ran'</script>")
    assert driver.title == "no script ran"
    yield driver
    driver.quit()


@pytest.fixture
def nojs(browser_without_js, live_server):
    browser_without_js.delete_all_cookies()
    return browser_without_js, live_server


def test_search_profile_sign_in_and_enquiry_without_javascript(nojs, app, make_provider, make_user):
    slug = make_provider("pa", name="Nia Morgan", base_postcode="LS6 2AA")
    approve_checks(app, slug)
    make_user("recipient", email="rosa@example.com", name="Rosa Jones")
    browser, base = nojs

    browser.get(base + "/")
    fill(browser, "postcode", "LS6 1AA")
    Select(browser.find_element(By.NAME, "service")).select_by_value("companionship")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/search'] button").click()
    wait_for_text(browser, "covers LS6 1AA")
    browser.find_element(By.CSS_SELECTOR, "details summary").click()  # "More filters" opens without script
    Select(browser.find_element(By.NAME, "sort")).select_by_value("distance")
    submit_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, ".search-form button[type=submit]"), "covers LS6 1AA"
    )
    assert "sort=distance" in browser.current_url  # the filters were sent, as a plain form
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".result h3 a")] == ["Nia Morgan"]
    # What was checked for the service searched for, and whose the background check is, on the card itself.
    assert [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".result .claims li")] == [
        "Companionship: proof of identity, enhanced DBS with the adults' barred list (Nia Morgan's own), right to "
        "work in the UK and public liability insurance checked."
    ]
    browser.find_element(By.LINK_TEXT, "Nia Morgan").click()
    wait_for_text(browser, "Checked by a safeguarding officer")
    checked = browser.find_element(By.ID, "what-was-checked").text
    assert "Enhanced DBS with the adults' barred list (Nia Morgan's own)." in checked

    profile = browser.current_url
    sign_in_as(browser, base, "rosa@example.com")
    browser.get(profile)
    Select(browser.find_element(By.NAME, "service")).select_by_value("companionship")
    fill(browser, "message", "Hello, could you visit my dad?")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/enquire'] button").click()
    wait_for_text(browser, "There is a problem")  # where, when and how many hours were left out
    assert browser.find_element(By.NAME, "message").get_attribute("value") == "Hello, could you visit my dad?"
    fill(browser, "district", "LS6")
    browser.find_element(By.CSS_SELECTOR, "input[name=times][value=tue-afternoon]").click()
    fill(browser, "hours_per_week", "4")
    browser.find_element(By.CSS_SELECTOR, "main form[novalidate] button").click()
    wait_for_text(browser, "Your enquiry is sent.")
    with app.app_context():
        [enquiry] = db.session.scalars(select(Enquiry)).all()
        assert enquiry.recipient.email == "rosa@example.com" and enquiry.provider.slug == slug
        assert enquiry.hours_per_week == 4 and enquiry.district == "LS6"


def test_join_add_a_check_and_an_officer_approves_it_without_javascript(nojs, app, make_provider, make_user, tmp_path):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    make_user("officer", email="olu@example.com", name="Olu Officer")
    browser, base = nojs

    browser.get(base + "/account/sign-up")
    browser.find_element(By.CSS_SELECTOR, "input[name=account_type][value=recipient]").click()
    fill(browser, "name", "Rosa Jones")
    fill(browser, "email", "rosa@example.com")
    fill(browser, "password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "The passwords do not match.")
    fill(browser, "password", PASSWORD)
    fill(browser, "confirm", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "We have sent an email to rosa@example.com")
    with app.app_context():
        assert find_user_by_email("rosa@example.com").role == "recipient"

    sign_in_as(browser, base, "pat@example.com")
    browser.get(base + "/dashboard/checks/new?kind=dbs")
    scan = tmp_path / "dbs.pdf"
    scan.write_bytes(PDF)
    Select(browser.find_element(By.NAME, "level")).select_by_value("enhanced")
    Select(browser.find_element(By.NAME, "barred_lists")).select_by_value("adults")
    fill(browser, "certificate_number", "001234567890")
    browser.find_element(By.NAME, "issue_date").send_keys("01022026")  # a date box in a British browser: dd/mm/yyyy
    browser.find_element(By.NAME, "document").send_keys(str(scan))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "is waiting for an officer to review it")
    with app.app_context():
        [check] = db.session.scalars(select(Check)).all()
        assert (check.kind, check.status, check.details["certificate_number"]) == ("dbs", "pending", "001234567890")
        assert check.document_key is not None  # the scan was uploaded

    sign_in_as(browser, base, "olu@example.com")
    browser.get(base + "/officer/queue")
    browser.find_element(By.LINK_TEXT, "Review").click()
    # The officer opens the certificate before deciding (a DBS approval needs it): a download, so the page stays.
    browser.find_element(By.PARTIAL_LINK_TEXT, "Download").click()
    wait_for_document_view(app)
    browser.find_element(By.CSS_SELECTOR, "input[name=method][value=in_person]").click()
    browser.find_element(By.CSS_SELECTOR, "form[action$='/approve'] button").click()
    wait_for_text(browser, "is approved")
    with app.app_context():
        check = db.session.scalars(select(Check)).one()
        assert check.status == "approved" and check.decided_by.email == "olu@example.com"
