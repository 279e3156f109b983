"""Items 8 and 10: no account enumeration by timing; common passwords refused."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from registry.accounts import services
from registry.accounts.models import User
from registry.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def hashing_counts(monkeypatch):
    """Count the real argon2 work done (the calls still run)."""
    counts = {"hash": 0, "verify": 0}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counted_hash(self, *args, **kwargs):
        counts["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counted_verify(self, *args, **kwargs):
        counts["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counted_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    return counts


def test_signing_in_with_an_unknown_email_costs_what_a_wrong_password_costs(client, auth, make_user, hashing_counts):
    email = make_user("recipient")
    auth.sign_in("nobody@example.com", "wrong-password-1")  # the dummy hash is made once per process
    work = []
    for who in (email, "nobody@example.com", email, "someone-else@example.com"):
        hashing_counts.update(hash=0, verify=0)
        assert auth.sign_in(who, "wrong-password-1").status_code == 422
        work.append(dict(hashing_counts))
    assert work == [{"hash": 0, "verify": 1}] * 4


@pytest.mark.parametrize(
    "password",
    ["qwertyuiop", "password123", "1234567890", "iloveyou12", "aaaaaaaaaaaa", "abcdefghijkl", "rosa.hughes1"],
)
def test_sign_up_refuses_common_or_guessable_passwords(app, client, password):
    response = client.post(
        "/account/sign-up",
        data={
            "account_type": "recipient",
            "name": "Rosa Hughes",
            "email": "rosa.hughes1@example.com",
            "password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 422
    assert b"common passwords" in response.data or b"easy to guess" in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_new_password_is_checked_on_change_and_reset_too(app, client, auth, make_user):
    email = make_user("recipient")
    auth.sign_in(email)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "password123", "confirm": "password123"},
    )
    assert response.status_code == 422 and b"common passwords" in response.data
    with app.app_context():
        user = services.find_user_by_email(email)
        token = services.make_reset_token(user)
    response = client.post(f"/account/reset/{token}", data={"new_password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert response.status_code == 422 and b"common passwords" in response.data
    auth.sign_out()
    for refused in ("password123", "qwertyuiop"):  # neither weak password was set
        assert auth.sign_in(email, refused).status_code == 422
    assert auth.sign_in(email).status_code == 302  # the old password still works


def test_officer_accounts_made_on_the_command_line_get_the_same_rule(runner):
    result = runner.invoke(
        args=["users", "create", "--role", "officer", "o@council.example", "--password", "1q2w3e4r5t6y"]
    )
    assert result.exit_code != 0 and "common passwords" in result.output
