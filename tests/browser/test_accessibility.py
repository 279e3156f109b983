"""Every kind of page, in a real Chromium: axe-core finds no WCAG 2.2 A/AA problem, also on each form after a failed submit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.checks.models import Check
from registry.extensions import db
from tests.browser.a11y import axe_violations, sign_in_as, submit_emptied
from tests.checks.conftest import add_check
from tests.conftest import PASSWORD, approve_checks


@pytest.fixture
def registry_world(app, make_provider, make_user):
    """A listed provider with an enquiry, a provider waiting on a DBS check, a recipient and an officer."""
    listed = make_provider("pa", name="Nia Morgan", email="nia@example.com", base_postcode="LS6 2AA")
    approve_checks(app, listed)
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    make_user("recipient", email="rosa@example.com", name="Rosa Jones")
    make_user("officer", email="olu@example.com", name="Olu Officer")
    provider = app.test_client()
    provider.post("/account/sign-in", data={"email": "pat@example.com", "password": PASSWORD})
    assert add_check(provider).status_code == 302
    recipient = app.test_client()
    recipient.post("/account/sign-in", data={"email": "rosa@example.com", "password": PASSWORD})
    sent = recipient.post(f"/providers/{listed}/enquire", data={"service": "companionship", "when_needed": "Tuesdays", "message": "Could you visit my dad?"})
    assert sent.status_code == 302
    with app.app_context():
        check_id = db.session.scalar(select(Check.id).where(Check.status == "pending"))
    return {"listed": listed, "check_id": check_id}


def test_no_page_type_has_an_axe_violation(page, registry_world):
    browser, base = page
    listed, check_id = registry_world["listed"], registry_world["check_id"]
    found: dict[str, list[str]] = {}

    def audit(label: str, path: str | None = None) -> None:
        if path is not None:
            browser.get(base + path)
        found[label] = axe_violations(browser)

    def audit_failed_submit(label: str, path: str, form: str = "main form[novalidate]") -> None:
        browser.get(base + path)
        submit_emptied(browser, form)
        assert browser.title.startswith("Error: "), label
        audit(label + " after a failed submit")

    for label, path in [
        ("home", "/"), ("search results", "/search?postcode=LS6+1AA&service=companionship"),
        ("search with nothing found", "/search?postcode=TR19"), ("profile", f"/providers/{listed}"),
        ("sign-in", "/account/sign-in"), ("sign-up", "/account/sign-up"), ("forgotten password", "/account/forgot-password"),
        ("help", "/help"), ("privacy", "/privacy"), ("cookies", "/cookies"), ("accessibility", "/accessibility"),
        ("how it works", "/how-it-works"), ("not found", "/no/such/page"),
    ]:
        audit(label, path)
    audit_failed_submit("sign-in", "/account/sign-in")
    audit_failed_submit("sign-up", "/account/sign-up")
    audit_failed_submit("forgotten password", "/account/forgot-password")

    sign_in_as(browser, base, "rosa@example.com")
    audit("recipient's profile view", f"/providers/{listed}")
    audit("recipient's enquiries", "/enquiries")
    audit("account", "/account/")
    audit_failed_submit("account", "/account/")
    audit_failed_submit("change password", "/account/password")
    audit_failed_submit("concern", f"/providers/{listed}/concern")
    audit_failed_submit("enquiry", f"/providers/{listed}/enquire")

    sign_in_as(browser, base, "nia@example.com")
    audit("dashboard", "/dashboard")
    audit("provider's enquiries", "/enquiries")
    audit("profile edit", "/dashboard/profile")
    audit("choose a check", "/dashboard/checks/new")
    audit("add check", "/dashboard/checks/new?kind=dbs")
    audit_failed_submit("profile edit", "/dashboard/profile", ".profile-form")
    audit_failed_submit("add check", "/dashboard/checks/new?kind=dbs")

    sign_in_as(browser, base, "olu@example.com")
    audit("staff home", "/staff")
    audit("officer queue", "/officer/queue")
    audit("officer review page", f"/officer/checks/{check_id}")
    audit("officer concerns", "/officer/concerns")
    audit("audit log", "/officer/audit")
    audit_failed_submit("officer decision", f"/officer/checks/{check_id}", "main form[action$='/reject']")

    assert {label: problems for label, problems in found.items() if problems} == {}
