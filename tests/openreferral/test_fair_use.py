"""Per-client limits on the feed and the API: one harvester past its share never stops anyone else."""

from __future__ import annotations

import pytest

from tests.conftest import approve_checks

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "OPENREFERRAL_RATE_LIMIT": "30 per minute",
    "API_RATE_LIMIT": "5 per minute",
    "OPENREFERRAL_EXPORT_RATE_LIMIT": "1 per hour",
}
HARVESTER, NEIGHBOUR = "203.0.113.7", "198.51.100.4"


@pytest.fixture
def listed(app, make_provider):
    approve_checks(app, make_provider("pa", name="Ceri Morgan", base_postcode="LS6 2AA"))


def _get(client, url, address, **kwargs):
    return client.get(url, environ_overrides={"REMOTE_ADDR": address}, **kwargs)


@pytest.mark.parametrize("app_config", [LIMITS])
def test_one_harvester_past_its_limit_does_not_stop_another_client(client, listed):
    small = _get(client, "/openreferral/services", HARVESTER)
    assert small.headers["X-RateLimit-Limit"] == "30" and small.headers["X-RateLimit-Remaining"] == "29"
    # A page of 1,000 weighs ten pages of 100; the rest of the feed draws on the same count.
    big = [_get(client, "/openreferral/services?per_page=1000", HARVESTER) for _ in range(2)]
    assert [r.status_code for r in big] == [200, 200] and big[1].headers["X-RateLimit-Remaining"] == "9"
    assert _get(client, "/openreferral/organizations", HARVESTER).headers["X-RateLimit-Remaining"] == "8"
    refused = _get(client, "/openreferral/services?per_page=1000", HARVESTER)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    assert _get(client, "/openreferral/organizations", HARVESTER).status_code == 429  # until the minute is out
    # ... but another client, the API, and the site itself are untouched.
    assert _get(client, "/openreferral/services?per_page=1000", NEIGHBOUR).status_code == 200
    assert _get(client, "/api/v1/search?postcode=LS6+2AA", HARVESTER).status_code == 200
    assert _get(client, "/search?postcode=LS6+2AA", HARVESTER).status_code == 200


@pytest.mark.parametrize("app_config", [LIMITS])
def test_the_api_has_its_own_limit_with_the_same_error(client, listed):
    statuses = [_get(client, "/api/v1/search?postcode=LS6+2AA", HARVESTER).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = _get(client, "/api/v1/providers/nobody", HARVESTER)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert refused.headers["Retry-After"] and refused.headers["Access-Control-Allow-Origin"] == "*"
    assert _get(client, "/api/v1/search?postcode=LS6+2AA", NEIGHBOUR).status_code == 200


@pytest.mark.parametrize("app_config", [LIMITS])
def test_the_whole_feed_export_is_limited_on_its_own(client, listed):
    assert _get(client, "/openreferral/services?format=ndjson", HARVESTER).status_code == 200
    again = _get(client, "/openreferral/services?format=ndjson", HARVESTER)
    assert again.status_code == 429 and again.get_json()["error"]["code"] == "rate_limited"
    assert int(again.headers["Retry-After"]) > 60  # an hour's window
    assert _get(client, "/openreferral/services", HARVESTER).status_code == 200  # paging goes on
    assert _get(client, "/openreferral/services?format=ndjson", NEIGHBOUR).status_code == 200


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_at_the_shipped_limits_ordinary_use_is_never_refused(client, listed):
    # Positive control: a council paging at full speed and a busy search box, at the default settings.
    feed = [_get(client, "/openreferral/services?per_page=1000", HARVESTER) for _ in range(20)]
    api = [_get(client, "/api/v1/search?postcode=LS6+2AA", HARVESTER) for _ in range(20)]
    assert {r.status_code for r in feed + api} == {200}
    assert feed[-1].headers["X-RateLimit-Limit"] == "600" and feed[-1].headers["X-RateLimit-Remaining"] == "400"
    assert api[-1].headers["X-RateLimit-Limit"] == "300"
