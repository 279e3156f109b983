"""Item 2: sessions can be revoked; session protection ignores a client-sent X-Forwarded-For."""

import re

from registry.extensions import db
from registry.mail import outbox_messages
from tests.conftest import PASSWORD
from tests.html_forms import parse

NEW = "a-brand-new-password"


def _device(app, email, remember=False, **environ):
    """A separate browser, signed in as ``email``."""
    client = app.test_client()
    if environ:
        client.environ_base.update(environ)
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/account/sign-in", data=data).status_code == 302
    return client


def _signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def _remember_only(client):
    """The same browser after it was closed: the session cookie is gone, the remember cookie stays."""
    client.delete_cookie("session", domain="registry.test")
    return client


def test_signing_out_ends_every_other_session_and_remember_cookie(app, make_user):
    email = make_user("recipient")
    laptop, phone, library = _device(app, email), _device(app, email), _device(app, email, remember=True)
    assert _signed_in(phone) and _signed_in(_remember_only(library))
    laptop.post("/account/sign-out")
    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    assert not _signed_in(_remember_only(library))


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, make_user):
    email = make_user("recipient")
    mine, stolen, stolen_remembered = (
        _device(app, email, remember=True),
        _device(app, email),
        _device(app, email, remember=True),
    )
    response = mine.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert _signed_in(mine)
    assert _signed_in(_remember_only(mine))  # this device's remember cookie was renewed
    assert not _signed_in(stolen)
    assert not _signed_in(_remember_only(stolen_remembered))


def test_a_password_reset_ends_every_session(app, client, make_user):
    email = make_user("recipient")
    attacker = _device(app, email, remember=True)
    client.post("/account/forgot-password", data={"email": email}).close()
    link = re.search(
        r"http://registry\.test(/account/reset/\S+)", outbox_messages(app)[-1].get_body(("plain",)).get_content()
    ).group(1)
    assert client.post(link, data={"new_password": NEW, "confirm": NEW}).status_code == 302
    assert not _signed_in(attacker)
    assert not _signed_in(_remember_only(attacker))


def test_a_stolen_cookie_replayed_with_a_forged_x_forwarded_for_is_refused(app, make_user):
    email = make_user("recipient")
    victim = _device(app, email, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox")
    assert _signed_in(victim)
    cookie = victim.get_cookie("session", domain="registry.test").value

    def replayed_from(address):
        copy = app.test_client()
        copy.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT="Firefox")
        copy.set_cookie("session", cookie, domain="registry.test")
        return copy

    # Positive control: the copied cookie, replayed from the victim's own address and browser, is a session.
    twin = replayed_from("198.51.100.7").get("/account/")
    assert twin.status_code == 200 and f"Signed in as {email}." in twin.get_data(as_text=True)
    # From elsewhere it is refused, whatever X-Forwarded-For claims.
    response = replayed_from("203.0.113.66").get("/account/", headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


def _password_hash(app, email):
    from sqlalchemy import select

    from registry.accounts.models import User

    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def test_signing_in_gives_a_fresh_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    email = make_user("recipient")
    client = app.test_client()

    def token(path):
        page = client.get(path).get_data(as_text=True)
        return parse(page).xpath('//input[@name="csrf_token"]/@value')[0]

    stored = _password_hash(app, email)
    before = token("/account/sign-in")
    response = client.post("/account/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": before})
    assert response.status_code == 302
    # The token from before sign-in no longer works for a signed-in form.
    refused = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW, "csrf_token": before},
    )
    assert refused.status_code == 422 and b"Everything you typed is still below" in refused.data  # nothing changed
    assert _password_hash(app, email) == stored
    after = token("/account/password")
    ok = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW, "csrf_token": after},
    )
    assert ok.status_code == 302
