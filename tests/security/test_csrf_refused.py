"""A refused CSRF token on a rate-limited form: the form again with what was typed, or a 429; never a 500."""

import pytest

from registry.extensions import db
from tests.html_forms import parse

CSRF_AND_LIMITS = {
    "WTF_CSRF_ENABLED": True,
    "RATELIMIT_ENABLED": True,
    "SIGN_UP_RATE_LIMIT": "2 per minute",
    "PASSWORD_RESET_RATE_LIMIT": "2 per minute",
    "PROPAGATE_EXCEPTIONS": False,  # as in production: an error is a page, not a raise
}


def _users(app) -> int:
    from registry.accounts.models import User

    with app.app_context():
        return db.session.query(User).count()


@pytest.mark.parametrize("app_config", [CSRF_AND_LIMITS])
def test_a_refused_token_on_the_sign_up_form_keeps_the_form_and_then_meets_the_limit(app, client):
    typed = {
        "account_type": "recipient",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password": "correct-horse-battery",
        "confirm": "correct-horse-battery",
        "csrf_token": "a token from a session that has ended",
    }
    statuses = []
    for _ in range(3):
        response = client.post("/account/sign-up", data=typed)
        statuses.append(response.status_code)
        if response.status_code == 422:
            page = response.get_data(as_text=True)
            assert "Everything you typed is still below" in page
            assert 'value="ada@example.com"' in page and 'value="Ada Lovelace"' in page
    # Two posts allowed a minute: the third is told to wait, as any third post is.
    assert statuses == [422, 422, 429]
    assert _users(app) == 0


@pytest.mark.parametrize("app_config", [CSRF_AND_LIMITS])
def test_a_refused_token_on_the_password_reset_form_never_gives_a_500(app, client, make_user):
    email = make_user("recipient")
    statuses = [client.post("/account/forgot-password", data={"email": email}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    from registry.mail import OutgoingEmail

    with app.app_context():
        assert db.session.query(OutgoingEmail).count() == 0  # no reset email on a refused token


@pytest.mark.parametrize("app_config", [CSRF_AND_LIMITS])
def test_a_good_token_still_works_on_a_form_page(app, client):
    page = client.get("/account/sign-up").get_data(as_text=True)
    token = parse(page).xpath('//input[@name="csrf_token"]/@value')[0]
    response = client.post(
        "/account/sign-up",
        data={
            "account_type": "recipient",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "password": "correct-horse-battery",
            "confirm": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and _users(app) == 1
