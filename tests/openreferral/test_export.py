"""format=ndjson: the whole feed in one streamed response, one full service a line, listed providers only."""

from __future__ import annotations

import json

import pytest

from registry.extensions import db
from tests.conftest import approve_checks
from tests.openreferral.test_sync import _check, _provider, _user, harvest

BATCH = {"OPENREFERRAL_EXPORT_BATCH": 2}


@pytest.fixture
def officer(make_user):
    return make_user("officer", name="Olu Officer")


@pytest.fixture
def people(app, make_provider, officer):
    made = {}
    for n, postcode in enumerate(["LS6 2AA", "LS5 3AA", "LS7 1AA", "LS8 1AA"]):
        made[n] = make_provider("pa", name=f"Listed {n}", base_postcode=postcode)
        approve_checks(app, made[n])
    made["waiting"] = make_provider("pa", name="Still Waiting", base_postcode="LS6 1AA")
    made["suspended"] = make_provider("pa", name="Now Suspended", base_postcode="LS9 1AA")
    approve_checks(app, made["suspended"])
    with app.app_context():
        from registry.safeguarding.services import suspend

        suspend(_provider(made["suspended"]), _user(officer), "A concern is being looked into.")
        db.session.commit()
    return made


def _lines(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body == "" or body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


@pytest.mark.parametrize("app_config", [BATCH])
def test_the_export_is_every_listed_service_in_full_and_nothing_else(client, people, hsds):
    response = client.get("/openreferral/services", query_string={"format": "ndjson"})
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["ETag"]
    exported = _lines(response)
    for item in exported:
        hsds.item("service", item)
    # The same services, in the same full shape and the same order, as paging through with full=true gives.
    paged = harvest(client, full="true")
    assert [item["id"] for item in exported] == list(paged)
    assert {item["id"]: item for item in exported} == paged
    names = {item["organization"]["name"] for item in exported}
    assert names == {"Listed 0", "Listed 1", "Listed 2", "Listed 3"}  # never the waiting or the suspended one
    assert len(exported) == 8  # two services each
    # Filters apply; an empty result is an empty body.
    assert {
        i["organization"]["name"] for i in _lines(client.get("/openreferral/services?format=ndjson&search=Listed+2"))
    } == {"Listed 2"}
    assert _lines(client.get("/openreferral/services?format=ndjson&search=nobody")) == []


@pytest.mark.parametrize("app_config", [BATCH])
def test_the_export_is_sent_a_batch_at_a_time(client, people):
    response = client.get("/openreferral/services", query_string={"format": "ndjson"}, buffered=False)
    assert response.is_streamed
    chunks = [chunk for chunk in response.iter_encoded() if chunk]
    response.close()
    # Four listed providers with two services each, two providers a batch: two pieces sent as they were read,
    # none holding more than its batch (the waiting and the suspended provider's batch has nothing to send).
    assert [chunk.count(b"\n") for chunk in chunks] == [4, 4]


@pytest.mark.parametrize(
    "params",
    [{"per_page": "10"}, {"page": "2"}, {"cursor": "abc"}, {"postcode": "LS6 2AA"}, {"proximity": "1000"}],
)
def test_paging_and_distance_are_refused_with_ndjson_by_name(client, people, params):
    response = client.get("/openreferral/services", query_string={"format": "ndjson", **params})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == set(params)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("app_config", [BATCH])
def test_a_check_revoked_during_the_export(app, client, people, officer, database_url):
    """PostgreSQL: the export is one snapshot, taken when it began. SQLite: later batches see the revocation."""
    from registry.checks.services import revoke

    response = client.get("/openreferral/services", query_string={"format": "ndjson"}, buffered=False)
    chunks = response.iter_encoded()
    first = next(chunks)
    assert b"Listed 0" in first and b"Listed 3" not in first
    with app.app_context():
        revoke(_check(people[3], "identity"), _user(officer), "Identity document was not genuine.")
        db.session.commit()
    rest = b"".join(chunks)
    response.close()
    exported = [json.loads(line) for line in (first + rest).decode().splitlines()]
    ids = [item["id"] for item in exported]
    assert len(ids) == len(set(ids))  # nothing twice, either way
    names = {item["organization"]["name"] for item in exported}
    if database_url.startswith("postgresql"):
        assert names == {"Listed 0", "Listed 1", "Listed 2", "Listed 3"}  # as the feed was when the export began
    else:
        assert names == {"Listed 0", "Listed 1", "Listed 2"}
    # Either way the next export has it gone.
    after = _lines(client.get("/openreferral/services?format=ndjson"))
    assert {item["organization"]["name"] for item in after} == {"Listed 0", "Listed 1", "Listed 2"}
