"""Every kind of page, in a real Chromium: axe-core finds no WCAG 2.2 A/AA problem, also on each form after a failed submit."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from registry.checks.models import Check
from registry.extensions import db
from tests.browser.a11y import axe_violations, horizontal_overflow, sign_in_as, submit_emptied
from tests.checks.conftest import add_check
from tests.conftest import ENQUIRY_DETAILS, approve_checks, assert_signed_in_as, sign_in


def _http_error_titles() -> set[str]:
    """The titles of the registry's error pages: its own 403, 404 and 500, and every other HTTP error's name."""
    from werkzeug.exceptions import default_exceptions

    return {"Page not found", "Something went wrong", "You cannot open this page"} | {
        error.name for error in default_exceptions.values()
    }


ERROR_TITLES = _http_error_titles()


def _as(app, email: str, role: str):
    """A client signed in as ``email`` through the real forms, proved to be that account in that role."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302, f"signing in as {email} was refused"
    assert_signed_in_as(client, email, role)
    return client


def _moved_to(response, path_prefix: str) -> str:
    """A form that worked answers 302 to ``path_prefix``...; returns where."""
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"]).path
    assert location.startswith(path_prefix), location
    return location


@pytest.fixture
def registry_world(app, make_provider, make_user):
    """A listed provider with an enquiry, a provider waiting on a DBS check, a recipient and an officer.

    Every step checks that it worked: a step that silently failed would leave
    a page empty or an error page, and axe would pass it.
    """
    from registry.providers.models import ServiceType
    from registry.reviews.models import Engagement, Enquiry
    from registry.safeguarding.models import Concern, Suspension

    listed = make_provider("pa", name="Nia Morgan", email="nia@example.com", base_postcode="LS6 2AA")
    approve_checks(app, listed)
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    make_user("recipient", email="rosa@example.com", name="Rosa Jones")
    make_user("officer", email="olu@example.com", name="Olu Officer")
    provider = _as(app, "pat@example.com", "provider")
    assert add_check(provider).status_code == 302
    recipient = _as(app, "rosa@example.com", "recipient")
    sent = recipient.post(
        f"/providers/{listed}/enquire",
        data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Could you visit my dad?"},
    )
    enquiry_id = int(_moved_to(sent, "/enquiries/").rsplit("/", 1)[1])
    # A second provider starts supporting after a second enquiry, so the recipient can review (the review form).
    other = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, other)
    accepted = recipient.post(
        f"/providers/{other}/enquire",
        data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Could you help on Fridays?"},
    )
    kim_enquiry = _moved_to(accepted, "/enquiries/")
    kim = _as(app, "kim@example.com", "provider")
    _moved_to(kim.post(kim_enquiry + "/start"), kim_enquiry)
    make_user("admin", email="ada@example.com", name="Ada Admin")
    # Rosa arranges care for her father and has saved a provider.
    from tests.families.conftest import DAD

    assert recipient.post("/people/new", data=DAD).status_code == 302
    assert recipient.post(f"/shortlist/{listed}").status_code == 302
    # A provider suspended by another officer, appealing; a concern about the listed provider.
    suspended = make_provider("pa", name="Sam Taylor", email="sam@example.com")
    make_user("officer", email="oscar@example.com", name="Oscar Officer")
    oscar = _as(app, "oscar@example.com", "officer")
    assert (
        oscar.post(f"/officer/providers/{suspended}/suspend", data={"reason": "Under investigation."}).status_code
        == 302
    )
    sam = _as(app, "sam@example.com", "provider")
    assert sam.post("/dashboard/suspension", data={"reasons": "Nothing happened."}).status_code == 302
    concern = recipient.post(
        f"/providers/{listed}/concern", data={"severity": "worried", "text": "The carer seemed rushed and cross."}
    )
    assert concern.status_code == 302
    not_yet = make_provider("pa", name="Lee Chan", email="lee@example.com")
    assert (
        oscar.post(f"/officer/providers/{not_yet}/suspend", data={"reason": "Under investigation."}).status_code == 302
    )

    with app.app_context():
        check_id = db.session.scalar(select(Check.id).where(Check.status == "pending"))
        engagement_id = db.session.scalar(select(Engagement.id).order_by(Engagement.id))
        service_id = db.session.scalar(select(ServiceType.id).limit(1))
        approved_id = db.session.scalar(select(Check.id).where(Check.status == "approved").limit(1))
        concern_id = db.session.scalar(select(Concern.id))
        assert None not in (check_id, engagement_id, service_id, approved_id, concern_id)
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 2
        suspensions = db.session.scalars(select(Suspension)).all()
        assert len(suspensions) == 2 and sum(s.appealed_at is not None for s in suspensions) == 1
    # A review held as possibly the provider's own, for the officers' section that lists them.
    bea = make_provider("pa", name="Bea Shah", email="bea@beacare.co.uk")
    approve_checks(app, bea)
    make_user("recipient", email="sam@beacare.co.uk", name="Sam Shah")
    sam_recipient = _as(app, "sam@beacare.co.uk", "recipient")
    asked = sam_recipient.post(
        f"/providers/{bea}/enquire", data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello"}
    )
    bea_enquiry = _moved_to(asked, "/enquiries/")
    bea_provider = _as(app, "bea@beacare.co.uk", "provider")
    _moved_to(bea_provider.post(bea_enquiry + "/start"), bea_enquiry)
    with app.app_context():
        bea_engagement = db.session.scalar(select(Engagement.id).order_by(Engagement.id.desc()))
        assert bea_engagement != engagement_id
    held = sam_recipient.post(
        f"/engagements/{bea_engagement}/review",
        data={
            "reliability": "5",
            "quality": "5",
            "kindness": "5",
            "communication": "5",
            "value": "5",
            "title": "Best carer",
            "body": "Wonderful.",
        },
    )
    assert held.status_code == 302
    assert "Best carer" in oscar.get("/officer/concerns").get_data(as_text=True)  # held for the officers
    with app.app_context():
        from registry.families.models import CaredForPerson

        person_id = db.session.scalar(select(CaredForPerson.id))
        assert person_id is not None
    return {
        "person_id": person_id,
        "listed": listed,
        "check_id": check_id,
        "enquiry_id": enquiry_id,
        "engagement_id": engagement_id,
        "service_id": service_id,
        "suspended": suspended,
        "approved_id": approved_id,
        "concern_id": concern_id,
    }


def open_page(browser, base: str, path: str, expect_error: bool = False) -> None:
    """Open ``path`` and make sure it is that page: not an error page, not a redirect to signing in."""
    browser.get(base + path)
    title = browser.title.split(" · ")[0].removeprefix("Error: ")
    if expect_error:
        assert title in ERROR_TITLES, (path, browser.title)
        return
    assert title not in ERROR_TITLES, (path, browser.title)
    assert urlsplit(browser.current_url).path == urlsplit(path).path, (path, browser.current_url)


def test_no_page_type_has_an_axe_violation(page, registry_world):
    browser, base = page
    listed, check_id = registry_world["listed"], registry_world["check_id"]
    found: dict[str, list[str]] = {}

    def audit(label: str, path: str | None = None) -> None:
        if path is not None:
            open_page(browser, base, path, expect_error=label == "not found")
        found[label] = axe_violations(browser)

    def audit_failed_submit(label: str, path: str, form: str = "main form[novalidate]") -> None:
        open_page(browser, base, path)
        submit_emptied(browser, form)
        assert browser.title.startswith("Error: "), label
        audit(label + " after a failed submit")

    for label, path in [
        ("home", "/"),
        ("search results", "/search?postcode=LS6+1AA&service=companionship"),
        ("search with nothing found", "/search?postcode=TR19"),
        ("search with a mistake", "/search?postcode=nowhere&max_rate=lots"),
        ("profile", f"/providers/{listed}"),
        ("sign-in", "/account/sign-in"),
        ("sign-up", "/account/sign-up"),
        ("forgotten password", "/account/forgot-password"),
        ("help", "/help"),
        ("privacy", "/privacy"),
        ("cookies", "/cookies"),
        ("accessibility", "/accessibility"),
        ("how it works", "/how-it-works"),
        ("what our checks mean", "/what-our-checks-mean"),
        ("not found", "/no/such/page"),
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
    audit("enquiry thread", f"/enquiries/{registry_world['enquiry_id']}")
    audit_failed_submit("message", f"/enquiries/{registry_world['enquiry_id']}")
    audit("review form", f"/engagements/{registry_world['engagement_id']}/review")
    audit("people I arrange care for", "/people")
    audit("shortlist", "/shortlist")
    audit("change a person's details", f"/people/{registry_world['person_id']}")
    audit_failed_submit("add a person", "/people/new")
    audit_failed_submit("review", f"/engagements/{registry_world['engagement_id']}/review")

    sign_in_as(browser, base, "nia@example.com")
    audit("dashboard", "/dashboard")
    audit("provider's enquiries", "/enquiries")
    audit("provider's enquiry thread", f"/enquiries/{registry_world['enquiry_id']}")
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
    audit("officer's approved check", f"/officer/checks/{registry_world['approved_id']}")
    audit_failed_submit(
        "revoking an approval", f"/officer/checks/{registry_world['approved_id']}", "main form[action$='/revoke']"
    )
    audit("officer concern", f"/officer/concerns/{registry_world['concern_id']}")
    audit("provider record with an appeal", f"/officer/providers/{registry_world['suspended']}")
    audit_failed_submit(
        "appeal decision", f"/officer/providers/{registry_world['suspended']}", "main form[action$='/appeal']"
    )

    sign_in_as(browser, base, "sam@example.com")
    audit("suspended provider's dashboard", "/dashboard")
    audit("suspension and its appeal", "/dashboard/suspension")
    sign_in_as(browser, base, "lee@example.com")
    audit("suspension, before appealing", "/dashboard/suspension")
    audit_failed_submit("suspension appeal", "/dashboard/suspension")

    sign_in_as(browser, base, "ada@example.com")
    audit("service taxonomy", "/admin/services")
    audit_failed_submit("service editing", f"/admin/services/{registry_world['service_id']}")
    audit("staff accounts", "/admin/accounts")
    audit_failed_submit("adding a staff account", "/admin/accounts")

    assert {label: problems for label, problems in found.items() if problems} == {}


def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(page, registry_world):
    """320 CSS px wide is a 1280px screen zoomed to 400% (WCAG 1.4.10 reflow)."""
    browser, base = page
    listed, check_id = registry_world["listed"], registry_world["check_id"]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        too_wide: dict[str, int] = {}

        def measure(label: str, path: str) -> None:
            open_page(browser, base, path)
            assert browser.execute_script("return document.documentElement.clientWidth") <= 320
            if overflow := horizontal_overflow(browser):
                too_wide[label] = overflow

        for label, path in [
            ("home", "/"),
            ("search results", "/search?postcode=LS6+1AA&service=companionship"),
            ("profile", f"/providers/{listed}"),
            ("sign-in", "/account/sign-in"),
            ("sign-up", "/account/sign-up"),
            ("privacy", "/privacy"),
            ("cookies", "/cookies"),
            ("accessibility", "/accessibility"),
            ("help", "/help"),
            ("how it works", "/how-it-works"),
            ("what our checks mean", "/what-our-checks-mean"),
        ]:
            measure(label, path)
        sign_in_as(browser, base, "rosa@example.com")
        measure("recipient's enquiries", "/enquiries")
        measure("enquiry form", f"/providers/{listed}/enquire")
        measure("people I arrange care for", "/people")
        measure("add a person", "/people/new")
        measure("shortlist", "/shortlist")
        sign_in_as(browser, base, "nia@example.com")
        for label, path in [
            ("dashboard", "/dashboard"),
            ("profile edit", "/dashboard/profile"),
            ("add check", "/dashboard/checks/new?kind=dbs"),
            ("provider's enquiries", "/enquiries"),
        ]:
            measure(label, path)
        sign_in_as(browser, base, "olu@example.com")
        for label, path in [
            ("staff home", "/staff"),
            ("officer queue", "/officer/queue"),
            ("officer review page", f"/officer/checks/{check_id}"),
            ("audit log", "/officer/audit"),
        ]:
            measure(label, path)
        assert too_wide == {}
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_fields_focus_forced_colours_text_size_and_print(page):
    browser, base = page
    browser.get(base + "/account/sign-up")
    style = lambda selector, prop: browser.execute_script(  # noqa: E731
        "return getComputedStyle(document.querySelector(arguments[0])).getPropertyValue(arguments[1])", selector, prop
    )
    page_colour = style("body", "background-color")

    # A text box's edge stands out at least 3:1 from the page and from its own inside (WCAG 1.4.11).
    border = style("#name", "border-top-color")
    assert contrast(border, page_colour) >= 3 and contrast(border, style("#name", "background-color")) >= 3

    # Focus shows as yellow with a dark ring, and the ring is at least 3:1 against the page.
    browser.find_element(By.ID, "name").send_keys("")
    assert browser.switch_to.active_element.get_attribute("id") == "name"
    ring = re.match(r"rgb\(\d+, \d+, \d+\)", style("#name:focus-visible", "box-shadow")).group(0)
    assert contrast(ring, page_colour) >= 3 and style("#name:focus-visible", "outline-style") == "solid"

    # Windows high contrast: buttons keep an edge though their background is gone.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "forced-colors", "value": "active"}]})
    try:
        assert style("main form button[type=submit]", "border-top-style") == "solid"
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    # Text follows the size set in the browser's settings (here 24px instead of 16px).
    browser.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 24}})
    try:
        browser.get(base + "/account/sign-up")
        assert float(style("body", "font-size").removesuffix("px")) == pytest.approx(24 * 1.0625)
        assert float(style("#name", "font-size").removesuffix("px")) >= 24
    finally:
        browser.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 16}})

    # Printed, the page is its content: no menus or forms, black on white.
    browser.get(base + "/privacy")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert style(".site-header nav", "display") == "none"
        assert style("body", "color") == "rgb(0, 0, 0)"
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
