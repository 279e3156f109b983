"""A council keeps a copy of the feed in sync: harvest once, then apply changes and deletions."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from registry.extensions import db
from tests.conftest import approve_checks


def _next(response) -> str | None:
    link = response.headers.get("Link", "")
    for part in link.split(","):
        if 'rel="next"' in part:
            return part.split(";")[0].strip()[1:-1]
    return None


def pages(client, endpoint: str, **params):
    """Each page of a list, following Link: rel="next" as a harvester would."""
    response = client.get(f"/openreferral/{endpoint}", query_string={"per_page": 2, **params})
    while True:
        assert response.status_code == 200, response.get_json()
        yield response
        url = _next(response)
        if url is None:
            assert response.get_json()["last_page"]
            return
        response = client.get(url)


def harvest(client, endpoint: str = "services", **params) -> dict[str, dict]:
    items: dict[str, dict] = {}
    for response in pages(client, endpoint, **params):
        for item in response.get_json()["contents"]:
            assert item["id"] not in items, "a service came twice"
            items[item["id"]] = item
    return items


def server_time(client) -> str:
    """The moment to sync from next time: the Date of a response taken before harvesting."""
    return parsedate_to_datetime(client.get("/openreferral/").headers["Date"]).isoformat()


def sync(client, copy: dict[str, dict], since: str, endpoint: str = "services", kind: str = "service") -> None:
    gone = [
        item
        for response in pages(client, "deletions", modified_after=since)
        for item in response.get_json()["contents"]
    ]
    for item in gone:
        if item["type"] == kind:
            copy.pop(item["id"], None)
    copy.update(harvest(client, endpoint, modified_after=since))


def _provider(slug):
    from registry.providers.services import get_by_slug

    return get_by_slug(slug)


def _check(slug, kind):
    from registry.checks.models import Check

    provider = _provider(slug)
    return db.session.scalar(select(Check).where(Check.provider_id == provider.id, Check.kind == kind))


@pytest.fixture
def officer(app, make_user):
    return make_user("officer", name="Olu Officer")


@pytest.fixture
def people(app, make_provider):
    made = {}
    for name, postcode in [("Ann Able", "LS6 2AA"), ("Ben Bold", "LS5 3AA"), ("Cat Cole", "LS7 1AA")]:
        made[name] = make_provider("pa", name=name, base_postcode=postcode)
        approve_checks(app, made[name])
    made["Dee Dale"] = make_provider("pa", name="Dee Dale", base_postcode="LS8 1AA")
    approve_checks(app, made["Dee Dale"], days_valid=1)
    made["Eve Ede"] = make_provider("pa", name="Eve Ede", base_postcode="LS6 1AA")  # waiting for checks
    made["Fay Fox"] = make_provider("pa", name="Fay Fox", base_postcode="LS9 1AA")
    approve_checks(app, made["Fay Fox"])
    return made


def _user(email):
    from registry.accounts.services import find_user_by_email

    return find_user_by_email(email)


def test_a_synced_copy_ends_with_exactly_what_a_fresh_harvest_gives(app, client, people, officer, clock):
    from registry.accounts.services import deactivate_account
    from registry.checks.services import revoke
    from registry.providers.services import update_profile
    from registry.safeguarding.services import reinstate, suspend
    from tests.conftest import complete_profile_data

    since = server_time(client)
    copy = harvest(client)
    names = {item["name"] for item in copy.values()}
    assert "Personal care: Ann Able" in names and not any("Eve Ede" in n for n in names)
    before = {i["name"]: i for i in copy.values()}
    clock.advance(seconds=2)

    with app.app_context():
        staff = _user(officer)
        # A check no service needs is revoked: still listed, but what is published changed.
        revoke(_check(people["Ann Able"], "first_aid"), staff, "Certificate was forged.")
        revoke(_check(people["Ben Bold"], "dbs"), staff, "New information from the DBS.")
        suspend(_provider(people["Cat Cole"]), staff, "A concern is being looked into.")
        update_profile(
            _provider(people["Fay Fox"]),
            complete_profile_data(
                display_name="Fay Fox", about="Now offering companionship only.", services=["companionship"]
            ),
        )
        deactivate_account(_provider(people["Eve Ede"]).user, None)
        db.session.commit()
    approve_checks(app, people["Eve Ede"])  # a closed account is never listed, even with its checks
    clock.advance(days=2)  # Dee Dale's checks lapse at midnight: nobody writes anything

    sync(client, copy, since)
    fresh = harvest(client)
    assert copy == fresh
    after = {i["name"]: i for i in fresh.values()}
    assert "First aid" not in after["Personal care: Ann Able"]["accreditations"]
    assert after["Personal care: Ann Able"]["last_modified"] > before["Personal care: Ann Able"]["last_modified"]
    assert not any(n.endswith(("Ben Bold", "Cat Cole", "Dee Dale", "Eve Ede")) for n in after)
    assert "Personal care: Fay Fox" not in after and after["Companionship: Fay Fox"]["description"].startswith("Now")

    # A second round from the next sync point: back in, and out again.
    since = server_time(client)
    clock.advance(seconds=2)
    with app.app_context():
        reinstate(_provider(people["Cat Cole"]), _user(officer), "Concern not upheld.")
        db.session.commit()
    sync(client, copy, since)
    assert copy == harvest(client)
    assert "Personal care: Cat Cole" in {i["name"] for i in copy.values()}

    # Organizations sync the same way.
    orgs = harvest(client, "organizations")
    assert {o["name"] for o in orgs.values()} == {"Ann Able", "Cat Cole", "Fay Fox"}


def test_nothing_changed_means_nothing_to_sync(client, people, clock):
    clock.advance(seconds=2)  # the Date header counts whole seconds: let the set-up's second pass
    since = server_time(client)
    assert harvest(client, modified_after=since) == {}
    assert harvest(client, "deletions", modified_after=since) == {}
    assert harvest(client, "organizations", modified_after=since) == {}


def test_paging_while_checks_are_revoked_neither_skips_nor_repeats(app, client, make_provider, officer):
    from registry.checks.services import revoke

    slugs = [make_provider("pa", name=f"Pat {n:02}", base_postcode="LS6 2AA") for n in range(6)]
    for slug in slugs:
        approve_checks(app, slug)
    since = server_time(client)
    listed_throughout = set(harvest(client))
    seen: list[str] = []
    for number, response in enumerate(pages(client, "services")):
        seen += [item["id"] for item in response.get_json()["contents"]]
        if number == 0:
            # The provider of the first page loses a check every service needs: two services leave.
            with app.app_context():
                revoke(_check(slugs[0], "identity"), _user(officer), "Identity document was not genuine.")
                db.session.commit()
            listed_throughout -= {i for i in listed_throughout if i not in harvest(client)}
    assert len(seen) == len(set(seen))
    assert listed_throughout <= set(seen)
    # And the copy syncs to the live set.
    copy = {i: None for i in seen}
    gone = {d["id"] for d in harvest(client, "deletions", modified_after=since).values() if d["type"] == "service"}
    assert set(copy) - gone == set(harvest(client))


def test_a_retention_period_bounds_the_deletions(app, client, people, clock):
    app.config["OPENREFERRAL_DELETIONS_RETENTION_DAYS"] = 30
    response = client.get("/openreferral/deletions", query_string={"modified_after": "2000-01-01T00:00:00Z"})
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == "full_harvest_needed"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # Dee Dale's checks lapse; the deletion is there for 30 days, then not.
    clock.advance(days=2)
    gone = harvest(client, "deletions")
    assert {d["type"] for d in gone.values()} == {"service", "service_at_location", "organization"}
    clock.advance(days=40)
    assert harvest(client, "deletions") == {}


def elsewhere(work):
    """Run ``work`` on another thread: a client whose requests cannot share this test's app context and session."""
    import threading

    result = {}
    thread = threading.Thread(target=lambda: result.update(value=work()))
    thread.start()
    thread.join()
    assert "value" in result, "the other client failed (see the thread's exception above)"
    return result["value"]


def test_a_change_committed_after_a_client_synced_is_in_its_next_sync(app, client, people, officer, clock):
    """The stamp is the commit's moment, not the flush's: a sync in between cannot see the change, the next one does."""
    from registry.checks.services import revoke

    since = server_time(client)
    copy = harvest(client)
    clock.advance(seconds=2)
    with app.app_context():
        revoke(_check(people["Ben Bold"], "dbs"), _user(officer), "New information from the DBS.")
        db.session.flush()  # written, but not committed: nobody else sees it yet
        clock.advance(seconds=5)

        def council_syncs():  # meanwhile a council syncs, and still sees Ben
            middle = server_time(client)
            sync(client, copy, since)
            return middle

        middle = elsewhere(council_syncs)
        assert any(item["name"].endswith("Ben Bold") for item in copy.values())
        clock.advance(seconds=5)
        db.session.commit()
    sync(client, copy, middle)  # the next sync starts from the Date of the one in the middle
    assert copy == harvest(client)
    assert not any(item["name"].endswith("Ben Bold") for item in copy.values())
