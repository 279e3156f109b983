import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from registry.accounts.models import User
from registry.extensions import db
from registry.mail import outbox_messages
from registry.providers.models import Provider
from tests.conftest import PASSWORD


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _sign_up(client, **overrides):
    data = {
        "account_type": "recipient",
        "name": "Rosa Hughes",
        "email": "rosa@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return client.post("/account/sign-up", data=data)


def _confirmation_link(app) -> str:
    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/account/verify/\S+", body).group(0).split("registry.test", 1)[1]


def test_recipient_signs_up_confirms_the_email_and_signs_in(app, client):
    response = _sign_up(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/sign-in")
    assert client.get("/account/").status_code == 302  # not signed in until the email is confirmed
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == "recipient" and user.email_verified_at is None
        assert user.password_hash.startswith("$argon2")
        assert PASSWORD not in user.password_hash
    assert client.get(_confirmation_link(app)).status_code == 302
    client.post("/account/sign-in", data={"email": "rosa@example.com", "password": PASSWORD})
    assert b"rosa@example.com" in client.get("/account/").data
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is not None


@pytest.mark.parametrize("kind", ["pa", "organisation"])
def test_provider_sign_up_creates_a_draft_profile_and_lands_on_the_dashboard(app, client, kind):
    _sign_up(client, account_type=kind, name="Sunrise Care", email="sunrise@example.com")
    client.get(_confirmation_link(app))
    response = client.post("/account/sign-in", data={"email": "sunrise@example.com", "password": PASSWORD})
    assert response.headers["Location"].endswith("/dashboard")
    with app.app_context():
        provider = db.session.scalar(select(Provider))
        assert (provider.kind, provider.status, provider.slug) == (kind, "draft", "sunrise-care")


def test_email_is_unique_whatever_its_case_and_sign_up_does_not_say_so(app, client):
    first = _sign_up(client)
    again = _sign_up(client, email="ROSA@Example.com", name="Someone Else")
    assert (again.status_code, again.headers["Location"]) == (first.status_code, first.headers["Location"])
    assert b"already" not in client.get("/account/sign-in").data
    assert _count(app, User) == 1
    # The owner is told by email, not the person at the keyboard.
    message = outbox_messages(app)[-1]
    assert message["To"] == "rosa@example.com" and "already have" in message["Subject"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"email": ""}, b"Enter your email address"),
        ({"email": "not-an-email"}, b"Enter an email address like"),
        ({"name": ""}, b"Enter a name"),
        ({"name": "x" * 121}, b"at most 120 characters"),
        ({"password": "short", "confirm": "short"}, b"between 10 and 128"),
        ({"password": "p" * 129, "confirm": "p" * 129}, b"between 10 and 128"),
        ({"confirm": "something-else"}, b"do not match"),
        ({"account_type": "officer"}, b"Not a valid choice"),
        ({"account_type": ""}, b"Choose one."),
    ],
)
def test_bad_sign_up_input_shows_a_message_and_stores_nothing(app, client, overrides, message):
    response = _sign_up(client, **overrides)
    assert response.status_code == 422
    assert message in response.data
    assert _count(app, User) == 0


def test_names_with_html_are_stored_as_text_and_shown_escaped(app, client):
    _sign_up(client, name="<script>alert(1)</script>")
    client.post("/account/sign-in", data={"email": "rosa@example.com", "password": PASSWORD})
    page = client.get("/account/")
    assert b"<script>alert(1)</script>" not in page.data
    assert b"&lt;script&gt;" in page.data
    with app.app_context():
        assert db.session.scalar(select(User.name)) == "<script>alert(1)</script>"


def test_sign_in_and_out(client, auth, make_user):
    email = make_user("recipient")
    response = auth.sign_in(email)
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    auth.sign_out()
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize(
    "email, password", [("known@example.com", "wrong-password-1"), ("nobody@example.com", PASSWORD)]
)
def test_wrong_email_or_password_get_the_same_generic_message(client, auth, make_user, email, password):
    make_user("recipient", email="known@example.com")
    response = auth.sign_in(email, password)
    assert response.status_code == 422
    assert b"That email and password do not match an account." in response.data
    assert client.get("/account/").status_code == 302


def test_sign_in_follows_only_relative_next_urls(client, make_user):
    email = make_user("recipient")
    response = client.post("/account/sign-in?next=https://evil.example/", data={"email": email, "password": PASSWORD})
    assert "evil.example" not in response.headers["Location"]
    client.post("/account/sign-out")
    response = client.post("/account/sign-in?next=/account/password", data={"email": email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/account/password")


def test_remember_me_sets_a_lasting_cookie_only_when_asked(client, auth, make_user):
    email = make_user("recipient")
    auth.sign_in(email)
    assert client.get_cookie("remember_token", domain="registry.test") is None
    auth.sign_out()
    auth.sign_in(email, remember=True)
    cookie = client.get_cookie("remember_token", domain="registry.test")
    assert cookie is not None and cookie.expires is not None
    # A new browser session with only the remember cookie is still signed in.
    client.delete_cookie("session", domain="registry.test")
    assert client.get("/account/").status_code == 200


def test_change_password(client, auth, make_user):
    email = make_user("recipient")
    auth.sign_in(email)
    wrong = client.post(
        "/account/password",
        data={"current_password": "not-it-at-all", "new_password": "a-new-password", "confirm": "a-new-password"},
    )
    assert wrong.status_code == 422 and b"current password is not right" in wrong.data
    ok = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a-new-password", "confirm": "a-new-password"},
    )
    assert ok.status_code == 302
    auth.sign_out()
    assert auth.sign_in(email).status_code == 422
    assert auth.sign_in(email, "a-new-password").status_code == 302


def _reset_link(app) -> str:
    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/account/reset/\S+", body).group(0).split("registry.test", 1)[1]


def test_password_reset_by_emailed_single_use_link(app, client, auth, make_user):
    email = make_user("recipient")
    response = client.post("/account/forgot-password", data={"email": email})
    assert response.status_code == 302
    response.close()  # the email is written once the answer has gone, as the server closes it
    message = outbox_messages(app)[-1]
    assert message["To"] == email
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"new_password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert done.status_code == 302
    assert auth.sign_in(email, "brand-new-secret").status_code == 302
    auth.sign_out()
    # The same link cannot be used twice.
    reused = client.post(
        link, data={"new_password": "another-secret-1", "confirm": "another-secret-1"}, follow_redirects=True
    )
    assert b"already been used" in reused.data
    assert auth.sign_in(email, "another-secret-1").status_code == 422


def test_an_expired_reset_link_is_refused(app, client, auth, make_user, monkeypatch):
    email = make_user("recipient")
    client.post("/account/forgot-password", data={"email": email}).close()
    link = _reset_link(app)
    # Two hours pass before the link is used.
    two_hours_on = int(time.time()) + 2 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_on)
    response = client.post(
        link, data={"new_password": "brand-new-secret", "confirm": "brand-new-secret"}, follow_redirects=True
    )
    assert b"expired" in response.data
    monkeypatch.undo()
    assert auth.sign_in(email).status_code == 302


def test_forgot_password_says_the_same_for_unknown_emails(app, client):
    response = client.post("/account/forgot-password", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert b"If an account uses that email" in response.data
    assert outbox_messages(app) == []


def test_recipient_account_page_saves_a_normalised_home_postcode(app, client, auth, make_user):
    email = make_user("recipient")
    auth.sign_in(email)
    response = client.post("/account/", data={"name": "Rosa", "home_postcode": "ls62aa"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.home_postcode)) == "LS6 2AA"


@pytest.mark.parametrize(
    "postcode, message",
    [("nowhere", b"is not a UK postcode"), ("ZZ9 9ZZ", b"We don&#39;t know the postcode district ZZ9")],
)
def test_account_page_refuses_a_bad_postcode_and_keeps_the_old_one(app, client, auth, make_user, postcode, message):
    email = make_user("recipient", home_postcode="LS6 2AA")
    auth.sign_in(email)
    response = client.post("/account/", data={"name": "Rosa", "home_postcode": postcode})
    assert response.status_code == 422 and message in response.data
    with app.app_context():
        assert db.session.scalar(select(User.home_postcode)) == "LS6 2AA"


def test_create_officer_from_the_command_line(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "officer", "o@council.example"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "o@council.example")) == "officer"
    again = runner.invoke(
        args=["users", "create", "--role", "officer", "o@council.example"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output
