"""Issue 21, item 2: strangers' wrong passwords cannot lock the owner out.

Failed sign-ins are throttled per client address (every attempt), per
account and address pair (failures), and per account from any address
(failures, from browsers the account has never signed in on). The owner's
own browser carries the device cookie of an earlier sign-in, so a flood of
guesses from elsewhere leaves it able to sign in.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, STAFF_FACTORS, sign_in, totp_code

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "SIGN_IN_RATE_LIMIT": "1000 per minute",
    "SIGN_IN_ACCOUNT_ADDRESS_RATE_LIMIT": "3 per hour",
    "SIGN_IN_EMAIL_RATE_LIMIT": "5 per hour",
}


def _attempt(client, email, password="wrong-password-1", address="203.0.113.1"):
    return client.post(
        "/account/sign-in", data={"email": email, "password": password}, environ_overrides={"REMOTE_ADDR": address}
    )


@pytest.mark.parametrize("app_config", [LIMITS])
@pytest.mark.parametrize("role", ["officer", "recipient"])
def test_a_flood_of_wrong_passwords_from_many_addresses_does_not_lock_the_owner_out(app, make_user, role):
    email = make_user(role, email="olu@example.com")
    owner = app.test_client()
    assert _attempt(owner, email, PASSWORD, address="198.51.100.7").status_code == 302  # signed in here before
    owner.post("/account/sign-out")

    stranger = app.test_client()
    statuses = [_attempt(stranger, email, address=f"203.0.113.{n}").status_code for n in range(30)]
    assert statuses[:5] == [422] * 5 and set(statuses[5:]) == {429}  # the guessing is throttled

    # The owner's own browser still gets in, with the right password, right away.
    assert _attempt(owner, email, PASSWORD, address="198.51.100.7").status_code == 302
    # And a wrong password from it is just a wrong password, not a 429.
    owner.post("/account/sign-out")
    assert _attempt(owner, email, address="198.51.100.7").status_code == 422


@pytest.mark.parametrize("app_config", [LIMITS])
def test_one_address_guessing_one_account_is_stopped_without_stopping_the_owner_elsewhere(app, make_user):
    email = make_user("recipient", email="rosa@example.com")
    owner = app.test_client()
    assert _attempt(owner, email, PASSWORD, address="198.51.100.7").status_code == 302
    owner.post("/account/sign-out")

    stranger = app.test_client()
    statuses = [_attempt(stranger, email, address="203.0.113.9").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    # Even the right password is refused to that address now: guessing there has stopped.
    assert _attempt(stranger, email, PASSWORD, address="203.0.113.9").status_code == 429
    # Other accounts from that address, and this account from the owner's address, are unaffected.
    assert _attempt(stranger, "someone-else@example.com", address="203.0.113.9").status_code == 422
    assert _attempt(owner, email, PASSWORD, address="198.51.100.7").status_code == 302


@pytest.mark.parametrize("app_config", [LIMITS])
def test_signing_in_successfully_never_counts_towards_a_limit(app, make_user):
    email = make_user("recipient", email="rosa@example.com")
    for _ in range(8):  # more than either per-account limit
        client = app.test_client()
        assert _attempt(client, email, PASSWORD, address="203.0.113.5").status_code == 302


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "RATELIMIT_ENABLED": True,
            "SECOND_FACTOR_RATE_LIMIT": "1000 per minute",
            "SECOND_FACTOR_ACCOUNT_RATE_LIMIT": "3 per hour",
        }
    ],
)
def test_someone_with_the_password_cannot_keep_guessing_second_factor_codes_from_many_addresses(app, make_user):
    email = make_user("officer", email="olu@example.com")
    sign_in(app.test_client(), email)  # the owner enrolled an authenticator app
    wrong = "123456" if totp_code(STAFF_FACTORS[email]["secret"]) != "123456" else "654321"
    statuses = []
    for n in range(5):
        guesser = app.test_client()
        assert _attempt(guesser, email, PASSWORD, address=f"203.0.113.{n}").status_code == 302
        statuses.append(
            guesser.post(
                "/account/second-factor", data={"code": wrong}, environ_overrides={"REMOTE_ADDR": f"203.0.113.{n}"}
            ).status_code
        )
    assert statuses == [422, 422, 422, 429, 429]
