"""CQC registration and rating, live: the nightly sync against the stand-in CQC API over real HTTP.

Every test runs the sync job as the worker does and then looks where a
family or an officer would: the profile page, search (page and API), the
officers' concern queue, the provider's email.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.checks.kinds import CheckStatus
from registry.checks.models import Check, CqcLocation
from registry.extensions import db
from registry.jobs import JOBS, run_job, scheduled_time
from registry.models import utcnow
from registry.providers.services import get_by_slug
from registry.safeguarding.models import Concern
from registry.searching.models import SearchOutboxEntry
from registry.standins.cqc import Fault, location
from tests.conftest import approve_checks
from tests.cqc.conftest import KEY, LOCATION

SYNC = next(job for job in JOBS if job.name == "cqc-sync")


def sync(app, now=None) -> str | None:
    """The worker's CQC job, as it runs at night."""
    return run_job(app, SYNC, now=now)


def search_slugs(client, service: str = "personal-care") -> dict[str, dict]:
    answer = client.get(f"/api/v1/search?postcode=LS6+2AA&service={service}").get_json()
    return {row["slug"]: row for row in answer["results"]}


def set_location(app, slug: str, location_id: str) -> None:
    with app.app_context():
        check = next(c for c in get_by_slug(slug).checks if c.kind == "cqc")
        check.details = {"registration_id": location_id}
        db.session.commit()


def row_for(app, slug: str) -> CqcLocation:
    with app.app_context():
        row = db.session.scalar(select(CqcLocation).where(CqcLocation.provider_id == get_by_slug(slug).id))
        db.session.expunge(row)
        return row


RATED = [
    ("1-100000001", "Outstanding", "2024-11-05", "5 November 2024"),
    ("1-100000002", "Good", "2025-03-12", "12 March 2025"),
    ("1-100000003", "Requires improvement", "2023-07-01", "1 July 2023"),
    ("1-100000004", "Inadequate", "2026-01-20", "20 January 2026"),
    ("1-100000005", None, None, None),
]


def test_every_rating_and_not_yet_rated_show_on_profiles_and_search_cards_with_their_dates(
    app, client, runner, cqc, make_provider
):
    slugs = {}
    for location_id, rating, report, _ in RATED:
        slug = make_provider("organisation", name=f"Care {location_id}", services=["personal-care"])
        approve_checks(app, slug)
        set_location(app, slug, location_id)
        cqc.register.put(location(location_id, rating=rating, report_date=report))
        slugs[location_id] = slug
    # Before any sync the registry shows what officers confirmed, and no rating.
    assert all(row["cqc"] is None for row in search_slugs(client).values())

    summary = sync(app)
    assert summary.startswith("5 locations asked, 0 failed, 0 deregistered"), summary

    results = search_slugs(client)
    page = client.get("/search?postcode=LS6+2AA&service=personal-care").get_data(as_text=True)
    for location_id, rating, report, shown_date in RATED:
        slug = slugs[location_id]
        assert results[slug]["cqc"] == {
            "location_id": location_id,
            "rating": rating,
            "rating_date": report,
            "url": f"https://www.cqc.org.uk/location/{location_id}",
        }
        profile = client.get(f"/providers/{slug}").get_data(as_text=True)
        if rating:
            assert f"CQC overall rating: <strong>{rating}</strong> (report published {shown_date})" in profile
            assert f"CQC rating: <strong>{rating}</strong> ({shown_date})" in page
        else:
            assert "CQC overall rating: <strong>Not yet rated</strong>." in profile
            assert "CQC rating: <strong>Not yet rated</strong> ·" in page
        assert f'href="https://www.cqc.org.uk/location/{location_id}"' in profile
        assert "Open Government Licence v3.0" in profile
    assert "Open Government Licence v3.0" in page
    # The Inadequate rating puts an officer on it, without delisting anyone.
    with app.app_context():
        bodies = [c.body for c in db.session.scalars(select(Concern))]
    assert len(bodies) == 1 and "1-100000004 is now rated Inadequate" in bodies[0]
    assert set(results) == set(slugs.values())

    # A rebuilt index keeps the ratings (they come from the database, not from the last change).
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert search_slugs(client)[slugs["1-100000002"]]["cqc"]["rating"] == "Good"

    # A new rating reaches the card through the changes feed on the next night.
    cqc.register.put(location("1-100000002", rating="Requires improvement", report_date="2026-11-30"))
    sync(app, now=utcnow() + timedelta(days=1))
    assert search_slugs(client)[slugs["1-100000002"]]["cqc"]["rating"] == "Requires improvement"
    assert "report published 30 November 2026" in client.get(f"/providers/{slugs['1-100000002']}").get_data(
        as_text=True
    )


def test_a_deregistered_location_delists_what_needs_cqc_at_once_and_puts_an_officer_on_it(app, client, cqc, listed_org):
    cqc.register.put(location(LOCATION, rating="Good"))
    sync(app)
    assert listed_org in search_slugs(client, "personal-care")
    assert "CQC overall rating: <strong>Good</strong>" in client.get(f"/providers/{listed_org}").get_data(as_text=True)

    cqc.register.put(location(LOCATION, status="Deregistered", rating="Good", deregistered_on="2026-12-01"))
    with app.app_context():
        outbox_before = db.session.scalar(select(db.func.count()).select_from(SearchOutboxEntry))
    summary = sync(app, now=utcnow() + timedelta(days=1))
    assert "1 deregistered" in summary

    # Gone from search for personal care (which needs a CQC registration) with no other job run;
    # still listed for companionship, which does not.
    assert listed_org not in search_slugs(client, "personal-care")
    assert listed_org in search_slugs(client, "companionship")
    profile = client.get(f"/providers/{listed_org}").get_data(as_text=True)
    assert "CQC registration 1-101234567" not in profile and "CQC overall rating" not in profile
    with app.app_context():
        provider = get_by_slug(listed_org)
        check = db.session.scalar(select(Check).where(Check.provider_id == provider.id, Check.kind == "cqc"))
        assert check.status == CheckStatus.REVOKED
        assert check.revocation_reason == "The CQC register shows location 1-101234567 deregistered on 1 December 2026."
        assert [s.service_type.slug for s in provider.services if s.listed] == ["companionship"]
        # Written together: the revocation's audit event, the officer's task and the search outbox row.
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "check.cqc_deregistered"))
        assert event is not None and event.provider_id == provider.id
        concern = db.session.scalar(select(Concern).where(Concern.provider_id == provider.id))
        assert concern.raised_by_id is None and "deregistered on 1 December 2026" in concern.body
        assert db.session.scalar(select(db.func.count()).select_from(SearchOutboxEntry)) > outbox_before
    mail = "".join(p.read_text() for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*"))
    assert "Your CQC registration no longer counts" in mail


@pytest.mark.parametrize("where", ["changes feed", "location"])
@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(delay=1.5), id="timeout"),
        pytest.param(Fault(status=503, body=b'{"statusCode": 503}'), id="5xx"),
        pytest.param(Fault(body=b'{"locationId": "1-101234567", "registrationStatus": '), id="malformed JSON"),
        pytest.param(Fault(body=b'{"changes": [], "x": "' + b"x" * 200_000 + b'"}'), id="huge body"),
        pytest.param(Fault(status=429, retry_after="0"), id="429 every time"),
    ],
)
def test_a_failed_ask_changes_nothing_and_is_asked_again(app, client, cqc, listed_org, fault, where):
    cqc.register.put(location(LOCATION, rating="Good"))
    sync(app)
    cqc.register.put(location(LOCATION, status="Deregistered", rating=None))
    faults = [fault] * (4 if fault.status == 429 else 1)  # CQC_MAX_ATTEMPTS tries all answered 429
    cqc.register.faults[:] = faults if where == "changes feed" else [Fault(), *faults]
    night = utcnow() + timedelta(days=1)

    summary = sync(app, now=night)

    assert summary.startswith("failed") or "1 failed" in summary, summary
    assert listed_org in search_slugs(client, "personal-care")
    assert "CQC overall rating: <strong>Good</strong>" in client.get(f"/providers/{listed_org}").get_data(as_text=True)
    row = row_for(app, listed_org)
    assert row.registration_status == "Registered" and row.overall_rating == "Good"
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Concern)) == 0
    # The next try (the job retries a failed night every 15 minutes) gets the answer.
    assert "1 deregistered" in sync(app, now=night + timedelta(minutes=15))
    assert listed_org not in search_slugs(client, "personal-care")


def test_429_backs_off_for_retry_after_then_succeeds(app, cqc, listed_org):
    cqc.register.put(location(LOCATION, rating="Outstanding"))
    cqc.register.faults[:] = [Fault(status=429, retry_after="1", body=b'{"statusCode": 429}')]
    started = time.monotonic()
    summary = sync(app)
    assert time.monotonic() - started >= 1.0
    assert summary.startswith("1 locations asked, 0 failed"), summary
    assert row_for(app, listed_org).overall_rating == "Outstanding"
    asks = [r for r in cqc.register.requests if r["path"].endswith(LOCATION)]
    assert len(asks) == 2  # the 429, then the answer


def test_changes_are_read_page_by_page_with_the_key_and_user_agent(app, cqc, make_provider):
    tracked = {}
    for n in (1, 5):
        slug = make_provider("organisation", name=f"Org {n}", services=["personal-care"])
        approve_checks(app, slug)
        set_location(app, slug, f"1-20000000{n}")
        cqc.register.put(location(f"1-20000000{n}", rating="Good"))
        tracked[n] = slug
    sync(app)
    # Seven locations change overnight; ours are the first and the last (CQC_PAGE_SIZE is 2: four pages).
    for n in range(1, 8):
        cqc.register.put(location(f"1-20000000{n}", rating="Requires improvement", report_date="2026-12-01"))
    cqc.register.requests.clear()

    summary = sync(app, now=utcnow() + timedelta(days=1))

    assert "7 changes read" in summary and summary.startswith("2 locations asked"), summary
    feed = [r for r in cqc.register.requests if r["path"].endswith("/changes/location")]
    assert [(r["args"]["page"], r["args"]["perPage"]) for r in feed] == [("1", "2"), ("2", "2"), ("3", "2"), ("4", "2")]
    assert all(r["args"]["startTimestamp"].endswith("Z") for r in feed)
    assert {r["key"] for r in cqc.register.requests} == {KEY}
    assert all(r["user_agent"].startswith("TrustedCareRegistry/") for r in cqc.register.requests)
    for slug in tracked.values():
        assert row_for(app, slug).overall_rating == "Requires improvement"


def test_the_sync_runs_nightly_at_cqc_sync_at_and_retries_a_failed_night(app, cqc, listed_org):
    cqc.register.put(location(LOCATION, rating="Good"))
    assert sync(app) is not None  # never run: due at once (a fresh worker does not wait for tomorrow)
    now = utcnow()
    next_night = scheduled_time(app.config["CQC_SYNC_AT"], now) + timedelta(days=1)
    assert sync(app, now=now) is None  # once a night: done for today
    assert sync(app, now=next_night - timedelta(minutes=1)) is None  # not before 02:00
    cqc.register.faults[:] = [Fault(status=500)]
    assert sync(app, now=next_night + timedelta(minutes=1)).startswith("failed")
    # Still due after the failure: the next round tries again.
    assert sync(app, now=next_night + timedelta(minutes=16)) is not None


def test_without_cqc_api_url_the_sync_is_off_and_nothing_changes(app, database_url, tmp_path, listed_org, client):
    from tests.conftest import make_app

    off = make_app(database_url, tmp_path, CQC_API_URL=None)
    try:
        assert run_job(off, SYNC) == "CQC sync is off (CQC_API_URL is not set)"
    finally:
        with off.app_context():
            db.session.remove()
            db.engine.dispose()
    assert listed_org in search_slugs(client)
    assert search_slugs(client)[listed_org]["cqc"] is None


def test_location_asks_and_failures_reach_the_metrics(app, client, cqc, listed_org):
    from tests.operations.test_monitoring import TOKEN, scrape, value

    app.config["METRICS_TOKEN"] = TOKEN
    syncs = "registry_cqc_location_syncs_total"
    before = scrape(client)
    cqc.register.put(location(LOCATION, rating="Good"))
    assert sync(app).startswith("1 locations asked, 0 failed")
    first = scrape(client)
    assert value(first, syncs, outcome="ok") - value(before, syncs, outcome="ok") == 1
    assert value(first, "registry_cqc_locations_failing") == 0
    cqc.register.put(location(LOCATION, rating="Outstanding"))  # a change the next night's feed lists
    cqc.register.faults[:] = [Fault(), Fault(status=503, body=b'{"statusCode": 503}')]  # the feed, then the location
    night = utcnow() + timedelta(days=1)
    assert "1 failed" in sync(app, now=night)
    failed = scrape(client)
    assert value(failed, syncs, outcome="failed") - value(first, syncs, outcome="failed") == 1
    assert value(failed, syncs, outcome="ok") - value(first, syncs, outcome="ok") == 0
    assert value(failed, "registry_cqc_locations_failing") == 1
    assert value(failed, "registry_cqc_locations_due") == 1
    assert value(failed, "registry_job_failing", job_name="cqc-sync") == 0  # one location failed, not the night
    assert "0 failed" in sync(app, now=night + timedelta(minutes=15))
    answered = scrape(client)
    assert value(answered, syncs, outcome="ok") - value(failed, syncs, outcome="ok") == 1
    assert value(answered, "registry_cqc_locations_failing") == 0
    assert value(answered, "registry_cqc_locations_due") == 0
