"""Accessibility probes for the browser tests: axe-core, keyboard-only moves, page width.

axe-core is vendored (tests/browser/vendor, MPL-2.0; see its licence files
there) and injected by WebDriver, which is not bound by the page's
Content-Security-Policy, so nothing is added to the pages themselves.
"""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from registry import models
from tests.browser.pages import fill, wait_for_text
from tests.conftest import PASSWORD, STAFF_FACTORS, next_second_factor_code, totp_code

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: the standard a UK public service is held to.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
                                              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
  .catch(error => done(['axe failed: ' + error]));
"""


def axe_violations(browser) -> list[str]:
    """What axe-core finds wrong on the page now showing, one line per rule."""
    if not browser.execute_script("return typeof window.axe !== 'undefined'"):
        browser.execute_script(AXE_SOURCE)
    browser.set_script_timeout(30)
    return browser.execute_async_script(_RUN_AXE, WCAG_TAGS)


def submit_emptied(browser, form_selector: str = "main form[novalidate]") -> None:
    """Empty a form's text boxes and send it, the way a hurried person might."""
    browser.execute_script(
        "const form = document.querySelector(arguments[0]);"
        "form.querySelectorAll('input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file]), textarea')"
        "    .forEach(el => { el.value = ''; });",
        form_selector,
    )
    browser.find_element(By.CSS_SELECTOR, form_selector + " button[type=submit]").click()
    wait_for_text(browser, "There is a problem")


def sign_in_as(browser, base: str, email: str) -> None:
    """Sign in through the forms; staff pass the second-factor step too (enrolling an authenticator app the first time)."""
    browser.delete_all_cookies()
    browser.get(base + "/account/sign-in")
    fill(browser, "email", email)
    fill(browser, "password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    steps = ("Sign out", "Set up your second factor", "Confirm it is you")
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda b: any(step in b.find_element(By.TAG_NAME, "body").text for step in steps)
    )
    body = browser.find_element(By.TAG_NAME, "body").text
    if "Set up your second factor" in body:
        secret = browser.find_element(By.ID, "totp-secret").text
        step = int(models.utcnow().timestamp()) // 30
        fill(browser, "code", totp_code(secret, step))
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_for_text(browser, "Your recovery codes")
        codes = [code.text for code in browser.find_elements(By.CSS_SELECTOR, ".recovery-codes code")]
        STAFF_FACTORS[email] = {"secret": secret, "codes": codes, "last_step": step}
        browser.find_element(By.PARTIAL_LINK_TEXT, "continue").click()
    elif "Confirm it is you" in body:
        fill(browser, "code", next_second_factor_code(email))
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Sign out")
    # Signed in as this account, not still as the one before (or as nobody).
    browser.get(base + "/account/")
    wait_for_text(browser, f"Signed in as {email}.")


def press(browser, *keys) -> None:
    """Keys sent to whatever has focus, as a keyboard would (no element is clicked)."""
    actions = ActionChains(browser)
    for key in keys:
        actions.send_keys(key)
    actions.perform()


def shift_tab(browser) -> None:
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()


def focused(browser):
    return browser.switch_to.active_element


def tab_to(browser, matches, limit: int = 80, not_after=None):
    """Press Tab until the focused element satisfies ``matches``; fails if the keyboard never gets there,
    or first passes an element satisfying ``not_after``."""
    for _ in range(limit):
        press(browser, Keys.TAB)
        element = focused(browser)
        if matches(element):
            return element
        if not_after is not None and not_after(element):
            raise AssertionError(
                f"Tab reached {element.get_attribute('outerHTML')[:120]} first; {browser.current_url} {browser.title}"
            )
    raise AssertionError(
        f"Tab never reached the element (last focus: {focused(browser).get_attribute('outerHTML')[:200]})"
    )


def by_text(text: str):
    return lambda element: element.text.strip() == text


def by_name(name: str, value: str | None = None):
    return lambda element: (
        element.get_attribute("name") == name and (value is None or element.get_attribute("value") == value)
    )


def horizontal_overflow(browser) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
