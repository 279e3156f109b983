"""A recipient searches from the home page, filters, sorts and opens a profile."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.pages import fill, wait_for_text
from tests.conftest import approve_checks


def test_a_recipient_finds_only_listed_providers_near_them(page, app, make_provider):
    near = make_provider("pa", name="Nia Morgan", base_postcode="LS6 2AA", languages=["en", "cy"])
    approve_checks(app, near)
    other = make_provider(
        "organisation", name="Leeds Home Care", base_postcode="LS2", services=["personal-care"], languages=["en", "pl"]
    )
    approve_checks(app, other)
    make_provider("pa", name="Unchecked Person", base_postcode="LS6 2AA")  # never verified
    browser, base = page

    browser.get(base + "/")
    fill(browser, "postcode", "ls6 1aa")
    Select(browser.find_element(By.NAME, "service")).select_by_value("personal-care")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/search'] button").click()
    wait_for_text(browser, "providers cover LS6 1AA")
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".result h3 a")]
    assert sorted(names) == ["Leeds Home Care", "Nia Morgan"]
    assert "Unchecked Person" not in browser.page_source

    browser.find_element(By.CSS_SELECTOR, "details summary").click()
    Select(browser.find_element(By.NAME, "language")).select_by_value("cy")
    Select(browser.find_element(By.NAME, "sort")).select_by_value("distance")
    browser.find_element(By.CSS_SELECTOR, ".search-form button[type=submit]").click()
    wait_for_text(browser, "1 provider covers LS6 1AA")
    browser.find_element(By.LINK_TEXT, "Nia Morgan").click()
    wait_for_text(browser, "Checked by a safeguarding officer")
    assert "Enhanced DBS with adults' and children's barred lists" in browser.page_source.replace("&#39;", "'")
