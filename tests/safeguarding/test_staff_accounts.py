"""Admins create and deactivate officer and commissioner accounts (issue 14 item 4)."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry import audit
from registry.accounts.models import User
from registry.extensions import db
from registry.mail import outbox_messages
from tests.conftest import PASSWORD, approve_checks, sign_in
from tests.html_forms import as_post_data, form_fields
from tests.reviews.conftest import signed_in

NEW_PASSWORD = "a-long-and-private-passphrase"


def _create(admin, **typed):
    data = as_post_data(form_fields(admin.get("/admin/accounts").get_data(as_text=True), ""))
    data.update({k: [v] for k, v in typed.items()})
    return admin.post("/admin/accounts", data=data)


def _set_password_from_email(app, email) -> None:
    message = [m for m in outbox_messages(app) if m["To"] == email][-1]
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/account/reset/\S+", body).group(0)
    assert link.startswith(app.config["PUBLIC_URL"])
    path = link.split(app.config["PUBLIC_URL"], 1)[1]
    assert app.test_client().post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_an_admin_creates_an_officer_who_chooses_a_password_from_the_email(app, make_user):
    admin = signed_in(app, make_user("admin", email="ada@example.com", name="Ada"))
    refused = _create(admin, name="", email="not an email", role="officer")
    assert refused.status_code == 422 and "Enter their name." in refused.get_data(as_text=True)
    assert _create(admin, name="Olu Okafor", email="olu@council.example", role="officer").status_code == 302
    again = _create(admin, name="Olu Again", email="OLU@council.example", role="officer")
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)
    _set_password_from_email(app, "olu@council.example")
    officer = app.test_client()
    assert sign_in(officer, "olu@council.example", NEW_PASSWORD).status_code == 302
    assert officer.get("/officer/queue").status_code == 200
    with app.app_context():
        [created] = [e for e in audit.events_for() if e.action == "account.created"]
        assert created.actor.email == "ada@example.com" and '"role":"officer"' in created.details


def test_a_commissioner_needs_a_council(app, make_user):
    from registry.councils import services as councils

    with app.app_context():
        councils.create_council("Leeds City Council", "council", ["LS6"])
        db.session.commit()
    admin = signed_in(app, make_user("admin"))
    without = _create(admin, name="Cara", email="cara@leeds.example", role="commissioner", council="")
    assert without.status_code == 422 and "Choose the council this commissioner works for." in without.get_data(
        as_text=True
    )
    _create(admin, name="Cara", email="cara@leeds.example", role="commissioner", council="leeds-city-council")
    _set_password_from_email(app, "cara@leeds.example")
    cara = app.test_client()
    sign_in(cara, "cara@leeds.example", NEW_PASSWORD)
    assert "Leeds City Council" in cara.get("/council").get_data(as_text=True)


def test_deactivating_ends_sessions_at_once_refuses_sign_in_and_keeps_past_actions_attributed(
    app, make_user, make_provider
):
    admin = signed_in(app, make_user("admin", email="ada@example.com"))
    slug = make_provider("pa", name="Sam Taylor")
    approve_checks(app, slug)
    make_user("officer", email="olu@example.com", name="Olu Okafor")
    officer = signed_in(app, "olu@example.com")
    officer.post(f"/officer/providers/{slug}/suspend", data={"reason": "Under investigation."})
    with app.app_context():
        olu_id = db.session.scalar(select(User.id).where(User.email == "olu@example.com"))
    assert admin.post(f"/admin/accounts/{olu_id}/deactivate").status_code == 302
    # The open session ends now, and signing in again is refused.
    assert officer.get("/officer/queue").status_code == 302
    assert (
        app.test_client().post("/account/sign-in", data={"email": "olu@example.com", "password": PASSWORD}).status_code
        == 422
    )
    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert "Deactivated" in page
    assert "Olu Okafor" in admin.get(f"/officer/audit?provider={slug}").get_data(as_text=True)
    with app.app_context():
        [event] = [e for e in audit.events_for() if e.action == "account.deactivated"]
        assert event.actor.email == "ada@example.com" and event.subject_id == str(olu_id)
        assert audit.verify().ok
    twice = admin.post(f"/admin/accounts/{olu_id}/deactivate", follow_redirects=True)
    assert "already deactivated" in twice.get_data(as_text=True)


def test_admins_manage_only_officer_and_commissioner_accounts_here(app, make_user):
    admin = signed_in(app, make_user("admin"))
    make_user("recipient", email="rosa@example.com")
    with app.app_context():
        rosa = db.session.scalar(select(User.id).where(User.email == "rosa@example.com"))
    refused = admin.post(f"/admin/accounts/{rosa}/deactivate", follow_redirects=True)
    assert "Only officer and commissioner accounts" in refused.get_data(as_text=True)
    officer = signed_in(app, make_user("officer"))
    assert officer.get("/admin/accounts").status_code == 403
    assert officer.post(f"/admin/accounts/{rosa}/deactivate").status_code == 403
    with app.app_context():
        assert db.session.get(User, rosa).active


def test_flask_users_deactivate(app, runner, make_user):
    make_user("officer", email="olu@example.com")
    client = signed_in(app, "olu@example.com")
    result = runner.invoke(args=["users", "deactivate", "OLU@example.com"])
    assert result.exit_code == 0 and "Deactivated olu@example.com" in result.output
    assert client.get("/officer/queue").status_code == 302
    with app.app_context():
        [event] = [e for e in audit.events_for() if e.action == "account.deactivated"]
        assert event.actor_id is None and "flask users deactivate" in event.details
    assert runner.invoke(args=["users", "deactivate", "olu@example.com"]).exit_code == 1
    assert runner.invoke(args=["users", "deactivate", "nobody@example.com"]).exit_code == 1
