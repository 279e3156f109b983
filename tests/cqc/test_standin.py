"""The stand-in answers as the CQC public API does: key required, the same paths, parameters and shapes."""

from __future__ import annotations

import requests

from registry.standins.cqc import location
from tests.cqc.conftest import KEY


def test_the_standin_needs_the_subscription_key_and_answers_in_the_apis_shapes(cqc):
    cqc.register.put(location("1-300000001", rating=None))
    assert requests.get(f"{cqc.url}/locations/1-300000001", timeout=5).status_code == 401
    headers = {"Ocp-Apim-Subscription-Key": KEY}
    answer = requests.get(f"{cqc.url}/locations/1-300000001", headers=headers, timeout=5).json()
    assert answer["registrationStatus"] == "Registered" and "currentRatings" not in answer
    assert requests.get(f"{cqc.url}/locations/1-399999999", headers=headers, timeout=5).status_code == 404
    feed = requests.get(
        f"{cqc.url}/changes/location",
        params={"startTimestamp": "2020-01-01T00:00:00Z", "endTimestamp": "2099-01-01T00:00:00Z", "perPage": 1},
        headers=headers,
        timeout=5,
    ).json()
    assert feed["changes"] == ["1-300000001"] and feed["totalPages"] == 1 and feed["page"] == 1
    bad = requests.get(
        f"{cqc.url}/changes/location", params={"startTimestamp": "yesterday"}, headers=headers, timeout=5
    )
    assert bad.status_code == 400
