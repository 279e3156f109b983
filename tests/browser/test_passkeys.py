"""An officer enrols a passkey in Chromium (a WebAuthn virtual authenticator), signs out, and signs in with it.

The registry is served on ``localhost`` (a WebAuthn relying party must be a
domain name, and http://localhost counts as a secure origin), and PUBLIC_URL
says so: the RP ID and origin the server checks come from PUBLIC_URL.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from registry.accounts.models import Passkey, RecoveryCode
from registry.extensions import db
from tests.browser.a11y import axe_violations
from tests.browser.pages import fill, wait_for_text
from tests.conftest import PASSWORD


@pytest.fixture
def authenticator(browser):
    """A platform authenticator that verifies the user, as a laptop's fingerprint reader would."""
    browser.add_virtual_authenticator(
        VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2,
            transport=Transport.INTERNAL,
            has_resident_key=True,
            has_user_verification=True,
            is_user_verified=True,
        )
    )
    yield browser
    browser.remove_virtual_authenticator()


def _password(browser, base, email):
    browser.get(base + "/account/sign-in")
    fill(browser, "email", email)
    fill(browser, "password", PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def _press(browser, label):
    button = WebDriverWait(browser, 10).until(EC.element_to_be_clickable((By.XPATH, f"//button[text()='{label}']")))
    button.click()


def test_an_officer_enrols_a_passkey_signs_out_and_signs_in_with_it(app, page, authenticator, make_user):
    browser, base = page
    base = base.replace("127.0.0.1", "localhost")
    app.config["PUBLIC_URL"] = base
    make_user("officer", email="olu@example.com", name="Olu Officer")

    _password(browser, base, "olu@example.com")
    wait_for_text(browser, "Set up your second factor")
    assert axe_violations(browser) == []
    fill(browser, "passkey_name", "Laptop fingerprint")
    _press(browser, "Set up a passkey")
    wait_for_text(browser, "Your recovery codes")
    assert axe_violations(browser) == []
    assert len(browser.find_elements(By.CSS_SELECTOR, ".recovery-codes code")) == 10
    browser.find_element(By.PARTIAL_LINK_TEXT, "continue").click()
    wait_for_text(browser, "Sign out")
    assert "/staff" in browser.current_url
    with app.app_context():
        [passkey] = db.session.scalars(select(Passkey)).all()
        assert passkey.name == "Laptop fingerprint"
        assert db.session.query(RecoveryCode).count() == 10

    browser.find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait_for_text(browser, "You have signed out")
    browser.get(base + "/officer/queue")
    wait_for_text(browser, "Sign in")
    assert "/account/sign-in" in browser.current_url

    _password(browser, base, "olu@example.com")
    wait_for_text(browser, "Confirm it is you")
    assert axe_violations(browser) == []
    _press(browser, "Use my passkey")
    wait_for_text(browser, "Sign out")
    browser.get(base + "/officer/queue")
    wait_for_text(browser, "Sign out")
    assert "/officer/queue" in browser.current_url
    with app.app_context():
        assert db.session.scalar(select(Passkey.last_used_at)) is not None


def test_a_passkey_registered_for_another_address_is_refused(app, page, authenticator, make_user):
    """The RP ID comes from PUBLIC_URL, not the Host the browser used: served under another name, it fails."""
    browser, base = page
    base = base.replace("127.0.0.1", "localhost")
    app.config["PUBLIC_URL"] = "https://registry.example.org"
    make_user("officer", email="olu@example.com", name="Olu Officer")
    _password(browser, base, "olu@example.com")
    wait_for_text(browser, "Set up your second factor")
    _press(browser, "Set up a passkey")
    status = WebDriverWait(browser, 10).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "[data-passkey-status]").text or False
    )
    assert "Set up your second factor" in browser.find_element(By.TAG_NAME, "body").text
    assert status
    with app.app_context():
        assert db.session.scalar(select(Passkey)) is None
