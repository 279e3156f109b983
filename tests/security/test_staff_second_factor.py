"""Issue 21, item 2: staff sign-in that a password alone cannot open.

Officers, admins and commissioners give a second factor (an authenticator
app, a passkey or a one-time recovery code) before any staff page opens;
their sessions end on the server after STAFF_IDLE_MINUTES idle and
STAFF_SESSION_HOURS in all, and are never remembered. The passkey ceremony
in a real browser is in tests/browser/test_passkeys.py.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from registry.accounts.models import RecoveryCode, TotpFactor, User
from registry.audit.models import AuditEvent
from registry.extensions import db
from tests.conftest import (
    PASSWORD,
    RECOVERY_CODE,
    STAFF_FACTORS,
    TOTP_SECRET,
    enrol_authenticator,
    sign_in,
    signed_in,
    totp_code,
)

# Every kind of staff page: officer, admin, council, the staff home, the
# account page, and the exports.
STAFF_URLS = [
    "/staff",
    "/officer/queue",
    "/officer/concerns",
    "/officer/audit",
    "/officer/audit.csv",
    "/admin/accounts",
    "/admin/services",
    "/council",
    "/council/coverage",
    "/council/coverage.csv",
    "/account/",
]


def _path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def _password_only(client, email: str, **extra):
    """The sign-in form with the right password, and nothing more."""
    return client.post("/account/sign-in", data={"email": email, "password": PASSWORD, **extra})


@pytest.fixture
def staff(app, make_user):
    """An officer, an admin and a council's commissioner: their emails."""
    from registry.accounts import services as accounts
    from registry.councils import services as councils

    with app.app_context():
        council = councils.create_council("Leeds City Council", "council", ["LS6"])
        councils.make_commissioner(accounts.create_user("cam@leeds.example", PASSWORD, "Cam", "commissioner"), council)
        db.session.commit()
    return [
        make_user("officer", email="olu@example.com"),
        make_user("admin", email="ada@example.com"),
        "cam@leeds.example",
    ]


def test_the_right_password_alone_opens_no_staff_page_for_any_staff_role(app, staff):
    for email in staff:
        client = app.test_client()
        response = _password_only(client, email, remember="y")
        assert response.status_code == 302 and _path(response) == "/account/second-factor"
        for url in STAFF_URLS:
            page = client.get(url)
            assert page.status_code == 302, (email, url)
            assert _path(page) == "/account/second-factor", (email, url)
        # The JSON equivalents refuse instead of redirecting.
        refused = client.get("/officer/queue", headers={"Accept": "application/json"})
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "second_factor_required"
        # Not signed in anywhere, and no "keep me signed in" cookie was issued.
        assert "Sign out" not in client.get("/").get_data(as_text=True)
        assert client.get_cookie("remember_token", domain="registry.test") is None
        # The second-factor page itself sends a first-timer to enrol.
        assert _path(client.get("/account/second-factor")) == "/account/second-factor/enrol"


def test_a_recipient_or_provider_still_signs_in_with_a_password(app, make_user, make_provider):
    recipient = app.test_client()
    assert _path(_password_only(recipient, make_user("recipient", email="rosa@example.com"))) == "/"
    assert recipient.get("/account/").status_code == 200
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    provider = app.test_client()
    assert _path(_password_only(provider, "pat@example.com")) == "/dashboard"


def test_an_officer_enrols_an_authenticator_app_through_the_forms_and_codes_work_once(app, make_user):
    email = make_user("officer", email="olu@example.com")
    client = app.test_client()
    _password_only(client, email)
    page = client.get("/account/second-factor/enrol").get_data(as_text=True)
    secret = TOTP_SECRET.search(page).group(1)
    # Works without JavaScript: the key and the otpauth:// address are on the page as text, beside a QR code.
    assert f"otpauth://totp/Trusted%20Care%20Registry:olu%40example.com?secret={secret}" in page
    assert "<svg" in page
    assert client.get("/staff").status_code == 302

    wrong = client.post(
        "/account/second-factor/enrol", data={"code": "000000" if totp_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 422 and "That code is not right" in wrong.get_data(as_text=True)

    enrolled = client.post("/account/second-factor/enrol", data={"code": totp_code(secret)})
    assert enrolled.status_code == 302 and _path(enrolled) == "/account/second-factor/recovery-codes"
    codes_page = client.get("/account/second-factor/recovery-codes").get_data(as_text=True)
    codes = RECOVERY_CODE.findall(codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/staff"' in codes_page  # then on to where they were going
    # Shown once: the page does not show them again.
    assert _path(client.get("/account/second-factor/recovery-codes")) == "/"
    assert client.get("/staff").status_code == 200
    with app.app_context():
        hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
        assert len(hashes) == 10 and not any(code in hashes or code.replace("-", "") in hashes for code in codes)

    # Next sign-in: the code just used (same time step) is refused; the next step's code works.
    client.post("/account/sign-out")
    _password_only(client, email)
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Confirm it is you" in page and "Type a code" in page
    with app.app_context():
        step = db.session.scalar(select(TotpFactor.last_step))  # the step of the code used to enrol
    replayed = client.post("/account/second-factor", data={"code": totp_code(secret, step)})
    assert replayed.status_code == 422 and "has been used already" in replayed.get_data(as_text=True)
    assert client.get("/staff").status_code == 302
    accepted = client.post("/account/second-factor", data={"code": totp_code(secret, step + 1)})
    assert accepted.status_code == 302 and _path(accepted) == "/staff"
    assert client.get("/staff").status_code == 200


def test_a_recovery_code_signs_in_once(app, make_user):
    email = make_user("officer", email="olu@example.com")
    client = app.test_client()
    _password_only(client, email)
    enrol_authenticator(client, email)
    code = STAFF_FACTORS[email]["codes"][0]
    for attempt in ("first", "second"):
        client.post("/account/sign-out")
        _password_only(client, email)
        response = client.post("/account/second-factor", data={"code": code.upper().replace("-", " ")})
        if attempt == "first":
            assert response.status_code == 302 and _path(response) == "/staff"
            assert client.get("/officer/queue").status_code == 200
        else:
            assert response.status_code == 422
            assert client.get("/officer/queue").status_code == 302
    with app.app_context():
        assert len([c for c in db.session.scalars(select(RecoveryCode)) if c.used_at is not None]) == 1


def test_an_abandoned_second_factor_step_expires(app, make_user, clock):
    email = make_user("officer", email="olu@example.com")
    client = app.test_client()
    _password_only(client, email)
    enrol_authenticator(client, email)
    client.post("/account/sign-out")
    _password_only(client, email)
    clock.advance(minutes=app.config["SECOND_FACTOR_PENDING_MINUTES"] + 1)
    assert _path(client.get("/account/second-factor")) == "/account/sign-in"
    refused = client.post("/account/second-factor", data={"code": totp_code(STAFF_FACTORS[email]["secret"])})
    assert refused.status_code == 302 and _path(refused) == "/account/sign-in"
    assert client.get("/staff").status_code == 302 and _path(client.get("/staff")) == "/account/sign-in"


def test_staff_are_never_kept_signed_in(app, make_user):
    client = signed_in(app, make_user("officer", email="olu@example.com"), remember=True)
    assert client.get("/staff").status_code == 200
    assert client.get_cookie("remember_token", domain="registry.test") is None


def test_a_remember_cookie_from_before_cannot_open_a_staff_session(app, make_user):
    """A "keep me signed in" cookie issued while the account was not staff (or before this rule) is not a staff session."""
    email = make_user("recipient", email="olu@example.com")
    old = signed_in(app, email, remember=True)
    cookie = old.get_cookie("remember_token", domain="registry.test")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).role = "officer"
        db.session.commit()
    browser = app.test_client()
    browser.set_cookie("remember_token", cookie.value, domain="registry.test")
    response = browser.get("/staff")
    assert response.status_code == 302 and _path(response) == "/account/sign-in"
    assert browser.get("/staff").status_code == 302


def test_a_staff_session_ends_after_30_minutes_idle(app, make_user, clock):
    client = signed_in(app, make_user("officer", email="olu@example.com"))
    for _ in range(3):  # activity keeps it going
        clock.advance(minutes=29)
        assert client.get("/officer/queue").status_code == 200
    clock.advance(minutes=31)
    ended = client.get("/officer/queue")
    assert ended.status_code == 302 and _path(ended) == "/account/sign-in"
    page = client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert client.get("/staff").status_code == 302


def test_an_idle_staff_session_is_refused_as_json_too(app, make_user, clock):
    client = signed_in(app, make_user("officer", email="olu@example.com"))
    clock.advance(minutes=31)
    refused = client.get("/officer/queue", headers={"Accept": "application/json"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "session_ended"


def test_a_staff_session_ends_after_12_hours_however_busy(app, make_user, clock):
    client = signed_in(app, make_user("admin", email="ada@example.com"))
    for _ in range(12 * 3 - 1):  # a request every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/admin/accounts").status_code == 200
    clock.advance(minutes=21)
    ended = client.get("/admin/accounts")
    assert ended.status_code == 302 and _path(ended) == "/account/sign-in"
    assert "at most 12 hours" in client.get(ended.headers["Location"]).get_data(as_text=True)


def test_a_recipient_session_has_no_staff_limits(app, make_user, clock):
    client = signed_in(app, make_user("recipient", email="rosa@example.com"))
    clock.advance(hours=13)
    assert client.get("/account/").status_code == 200


def test_an_admin_resets_a_colleagues_factors_audited_and_they_enrol_again(app, make_user):
    officer_email = make_user("officer", email="olu@example.com")
    officer = signed_in(app, officer_email)
    admin = signed_in(app, make_user("admin", email="ada@example.com"))
    with app.app_context():
        officer_id = db.session.scalar(select(User.id).where(User.email == officer_email))
    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert re.search(r"Set up\s*<form", page) and f"/admin/accounts/{officer_id}/reset-second-factor" in page

    response = admin.post(f"/admin/accounts/{officer_id}/reset-second-factor")
    assert response.status_code == 302
    assert "They will set up a new second factor" in admin.get("/admin/accounts").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.second_factors_reset"))
        admin_id = db.session.scalar(select(User.id).where(User.email == "ada@example.com"))
        assert event.subject_id == str(officer_id) and event.actor_id == admin_id
        assert json.loads(event.details)["removed"] == {"authenticator_app": 1, "passkeys": 0, "recovery_codes": 10}
        assert db.session.scalar(select(TotpFactor).where(TotpFactor.user_id == officer_id)) is None

    # Signed out at once; the old authenticator and recovery codes no longer count.
    assert officer.get("/staff").status_code == 302
    _password_only(officer, officer_email)
    assert _path(officer.get("/account/second-factor")) == "/account/second-factor/enrol"
    old_code = STAFF_FACTORS[officer_email]["codes"][0]
    assert officer.post("/account/second-factor", data={"code": old_code}).status_code == 302  # to enrol, not in
    assert officer.get("/staff").status_code == 302
    enrol_authenticator(officer, officer_email)
    assert officer.get("/staff").status_code == 200


def test_an_admin_cannot_reset_their_own_factors_or_a_non_staff_account(app, make_user):
    admin = signed_in(app, make_user("admin", email="ada@example.com"))
    recipient_email = make_user("recipient", email="rosa@example.com")
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id)).all())
    for email in ("ada@example.com", recipient_email):
        admin.post(f"/admin/accounts/{ids[email]}/reset-second-factor")
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.second_factors_reset")) is None
    assert admin.get("/admin/accounts").status_code == 200


def test_only_an_admin_may_reset_factors(app, make_user):
    officer_email = make_user("officer", email="olu@example.com")
    other = signed_in(app, make_user("officer", email="oz@example.com"))
    with app.app_context():
        officer_id = db.session.scalar(select(User.id).where(User.email == officer_email))
    assert other.post(f"/admin/accounts/{officer_id}/reset-second-factor").status_code == 403


def test_the_sign_in_helper_passes_the_real_second_factor_step_each_time(app, make_user):
    """Signing the same officer in again and again (other tests do) keeps working: each code is used once."""
    email = make_user("officer", email="olu@example.com")
    for _ in range(5):
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        assert client.get("/staff").status_code == 200
