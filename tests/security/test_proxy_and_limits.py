"""Item 3: behind a proxy it still works; rate limits on real addresses and accounts; Redis outages."""

import pytest

from registry.extensions import limiter

# Flask-Limiter keeps the first prefix it is given for the whole run, so it is fixed, not random.
PREFIX = "test-security"
LIMITED = {"RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "3 per minute", "SIGN_IN_EMAIL_RATE_LIMIT": "1000 per hour"}


def _attempt(client, email="someone@example.com", password="wrong-password-1", **environ):
    return client.post("/account/sign-in", data={"email": email, "password": password}, environ_overrides=environ)


@pytest.mark.parametrize("app_config", [{**LIMITED, "TRUSTED_PROXY_COUNT": 1}])
def test_behind_one_proxy_each_client_is_limited_on_its_own_address(client):
    # Our proxy connects from 10.0.0.1 and appends the client's address.
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    alice = [_attempt(client, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy).status_code for _ in range(4)]
    assert alice == [422, 422, 422, 429]
    # Another client behind the same proxy is not blocked by Alice's attempts.
    assert _attempt(client, HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy).status_code == 422


@pytest.mark.parametrize("app_config", [{**LIMITED, "TRUSTED_PROXY_COUNT": 1}])
def test_a_client_cannot_escape_the_limit_by_writing_its_own_x_forwarded_for(client):
    statuses = [
        _attempt(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.1", REMOTE_ADDR="10.0.0.1").status_code
        for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXY_COUNT": 1}])
def test_the_app_sees_the_client_address_and_scheme_the_proxy_reports(app, client):
    from flask import request

    @app.get("/_whoami")
    def whoami():
        return {"address": request.remote_addr, "scheme": request.scheme}

    seen = client.get(
        "/_whoami",
        environ_overrides={
            "REMOTE_ADDR": "10.0.0.1",
            "HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.1",
            "HTTP_X_FORWARDED_PROTO": "https",
        },
    ).get_json()
    assert seen == {"address": "198.51.100.1", "scheme": "https"}


@pytest.mark.parametrize("app_config", [{**LIMITED, "TRUSTED_PROXY_COUNT": 0}])
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client):
    statuses = [_attempt(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [422, 422, 422, 429]


@pytest.mark.parametrize(
    "app_config",
    [{"RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "1000 per minute", "SIGN_IN_EMAIL_RATE_LIMIT": "3 per hour"}],
)
def test_sign_in_attempts_on_one_account_are_limited_from_every_address(client, make_user):
    make_user("recipient", email="rosa@example.com")
    spellings = ["rosa@example.com", "ROSA@example.com", " Rosa@Example.com ", "rosa@EXAMPLE.COM"]
    statuses = [_attempt(client, email, REMOTE_ADDR=f"203.0.113.{n}").status_code for n, email in enumerate(spellings)]
    assert statuses == [422, 422, 422, 429]
    # Other accounts are unaffected.
    assert _attempt(client, "someone-else@example.com", REMOTE_ADDR="203.0.113.99").status_code == 422


@pytest.fixture
def restore_limiter():
    yield
    # The limiter is one object shared by every app in the test run; an outage
    # seen by one test must not leave the next ones on the fallback.
    limiter._storage_dead = False


@pytest.fixture
def app_config(request):
    """Direct ``parametrize("app_config", [{...}])`` as everywhere; ``["redis"]`` with ``indirect=True``: limits
    kept in the test run's real Redis (its address is known only once the session has started it)."""
    param = getattr(request, "param", {})
    if param == "redis":
        return {
            **LIMITED,
            "RATELIMIT_STORAGE_URI": request.getfixturevalue("redis_url"),
            "RATELIMIT_KEY_PREFIX": PREFIX,
        }
    return param


@pytest.fixture
def clean_redis(redis_url):
    """Forget this suite's counters in the real Redis (they outlive the test, and the
    test runs once per database backend)."""
    import redis

    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter(match=f"*{PREFIX}*"):
        connection.delete(key)
    yield
    connection.close()


@pytest.mark.parametrize("app_config", ["redis"], indirect=True)
def test_limits_are_kept_in_the_real_redis(clean_redis, redis_url, client, restore_limiter):
    statuses = [_attempt(client).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert type(limiter.storage).__name__ == "RedisStorage" and limiter.storage.check()
    import redis

    with redis.Redis.from_url(redis_url) as connection:  # the counters are in that Redis, not in memory
        assert any(connection.scan_iter(match=f"*{PREFIX}*"))


@pytest.mark.parametrize("app_config", [{**LIMITED, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}])
def test_a_redis_outage_falls_back_to_memory_instead_of_failing(client, make_user, restore_limiter):
    make_user("recipient", email="rosa@example.com")
    statuses = [_attempt(client).status_code for _ in range(4)]
    assert 500 not in statuses
    assert statuses[-1] == 429  # still limited, in this process's memory


RESET_LIMITED = {
    "RATELIMIT_ENABLED": True,
    "TRUSTED_PROXY_COUNT": 1,
    "PASSWORD_RESET_RATE_LIMIT": "1000 per minute",
    "PASSWORD_RESET_EMAIL_RATE_LIMIT": "2 per hour",
}


def _reset(client, email, client_address):
    response = client.post(
        "/account/forgot-password",
        data={"email": email},
        environ_overrides={"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": client_address},
    )
    response.get_data()
    response.close()  # the reset email is queued once the answer has gone, as the server closes it
    return response


@pytest.mark.parametrize("app_config", [RESET_LIMITED])
def test_reset_requests_are_limited_per_email_from_every_address_alike_for_unknown_emails(app, client, make_user):
    from registry.mail import outbox_messages

    make_user("recipient", email="rosa@example.com")
    answers = {}
    for email in ("rosa@example.com", "nobody@example.com"):
        spellings = [email, email.upper(), f" {email.title()} "]
        answers[email] = [_reset(client, spelling, f"198.51.100.{n}") for n, spelling in enumerate(spellings)]
    for email, responses in answers.items():
        assert [r.status_code for r in responses] == [302, 302, 429], email
    # Whether or not the email has an account, the answers are the same.
    assert answers["rosa@example.com"][2].get_data() == answers["nobody@example.com"][2].get_data()
    assert answers["rosa@example.com"][0].headers["Location"] == answers["nobody@example.com"][0].headers["Location"]
    assert len([m for m in outbox_messages(app) if m["To"] == "rosa@example.com"]) == 2  # no third email
    # Someone else's reset is unaffected.
    assert _reset(client, "ann@example.com", "198.51.100.9").status_code == 302


@pytest.mark.parametrize(
    "app_config",
    [
        {
            **RESET_LIMITED,
            "PASSWORD_RESET_RATE_LIMIT": "2 per minute",
            "PASSWORD_RESET_EMAIL_RATE_LIMIT": "1000 per hour",
        }
    ],
)
def test_reset_requests_are_limited_per_client_address(client):
    statuses = [_reset(client, f"person{n}@example.com", "198.51.100.1").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert _reset(client, "person9@example.com", "198.51.100.2").status_code == 302
