"""The pages that show reliability figures, in Chromium: axe finds nothing, and nothing scrolls sideways at 320 px."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.services import get_by_slug
from tests.browser.a11y import axe_violations, horizontal_overflow
from tests.conftest import approve_checks
from tests.visits.conftest import give_enquiry, give_reply, give_visit_history


def test_figures_read_well_at_320_px_and_pass_axe(page, app, make_provider, make_user):
    browser, base = page
    slug = make_provider("pa", name="Kim Lewis")
    approve_checks(app, slug)
    email = make_user("recipient", name="Rosa")
    with app.app_context():
        provider, person = get_by_slug(slug), db.session.scalar(select(User.id).where(User.email == email))
        give_visit_history(
            provider.id,
            person,
            [{"day": today() - timedelta(days=9), "provider": "came", "person": "kept"}] * 30
            + [{"day": today() - timedelta(days=8), "provider": "came", "person": "late"}] * 2,
        )
        for n in range(6):
            sent = utcnow() - timedelta(days=20 + n)
            give_reply(give_enquiry(provider.id, sent, status="declined"), provider.user_id, sent + timedelta(hours=2))
        db.session.commit()
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        found, too_wide = {}, {}
        for label, path, shows in [
            ("profile", f"/providers/{slug}", "Kept 100 % of 32 confirmed visits in the last 12 months"),
            ("search results", "/search?postcode=LS6+1AA", "Kept 100 % of 32 confirmed visits in the last 12 months"),
            ("how it works", "/how-it-works#reliability", "Visits kept"),
        ]:
            browser.get(base + path)
            assert shows in browser.find_element("tag name", "main").text, label
            found[label] = axe_violations(browser)
            too_wide[label] = horizontal_overflow(browser)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert found == {label: [] for label in found}
    assert too_wide == {label: 0 for label in too_wide}
