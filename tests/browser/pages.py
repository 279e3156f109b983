"""Moves every browser test makes: type into a field, wait for the next page."""

from __future__ import annotations

import time

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db


def fill(browser, name: str, value: str) -> None:
    field = browser.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def wait_for_text(browser, text: str) -> None:
    """Wait for the next page to show ``text`` (a click returns before the page loads).

    While one page replaces another, Chromium can answer "node does not belong
    to the document" or "unhandled inspector error" for the old page's body;
    that only means the new page is not there yet, so the wait goes on.
    """
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "body"), text)
    )


def submit_and_wait(browser, button, text: str) -> None:
    """Click ``button`` and wait for the *next* page to show ``text``.

    The old page must go first: when it already shows ``text`` (a search
    answering the same heading again), waiting for the text alone would pass
    before the form was even sent.
    """
    old_page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 10).until(EC.staleness_of(old_page))
    wait_for_text(browser, text)


def wait_for_document_view(app, seconds: float = 15) -> None:
    """Wait until an officer's download of a check document has reached the registry (its audit event)."""
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            if db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "document.viewed")) is not None:
                return
        assert time.monotonic() < deadline, "the officer's download of the certificate never reached the registry"
        time.sleep(0.1)
