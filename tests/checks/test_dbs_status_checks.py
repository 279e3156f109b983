"""DBS Update Service status checks, through the stand-in DBS server over real HTTP.

The stand-in (registry/standins/dbs.py) answers by the certificate number's
first digit: 1 no match, 2 blank, 3 non-blank, 4 new information, 9 a 500;
5 a FAILURE, 6 malformed XML, 7 a huge body and 8 a late answer.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.checks import status_checks
from registry.checks.badges import badges
from registry.checks.dbs_status import StatusCheckError, parse_answer
from registry.checks.kinds import CheckStatus
from registry.checks.listing import is_listed_now
from registry.checks.models import Check, StatusCheckConsent
from registry.extensions import db
from registry.jobs import JOBS, run_job
from registry.mail import OutgoingEmail
from registry.models import today, utcnow
from registry.providers.services import get_by_slug
from registry.searching.models import SearchOutboxEntry
from registry.standins import dbs as standin
from tests.conftest import approve_checks, signed_in

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def dbs_server():
    server = standin.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(dbs_server):
    return {"DBS_STATUS_CHECK_URL": dbs_server.url, "DBS_STATUS_CHECK_TIMEOUT_SECONDS": 0.5}


def _certificate(first_digit: str) -> str:
    return first_digit + "00000000042"


@pytest.fixture
def listed(app, make_provider):
    """A listed PA whose DBS certificate (first digit chosen) is approved for 5 more days, with consent given."""

    def _make(first_digit: str, consent: bool = True, assessed: bool = False, days_valid: int = 5) -> str:
        slug = make_provider(name=f"Pat {first_digit}")
        approve_checks(app, slug, days_valid=days_valid, verification_method="update_service")
        with app.app_context():
            provider = get_by_slug(slug)
            check = next(c for c in provider.checks if c.kind == "dbs")
            check.details = {**check.details, "certificate_number": _certificate(first_digit)}
            if assessed:
                check.certificate_assessed_at = utcnow()
            if consent:
                status_checks.give_consent(check, provider.user, "O'Brien", date(1980, 5, 1), now=NOW)
            db.session.commit()
            assert is_listed_now(provider, today())
        return slug

    return _make


def _dbs(slug: str) -> Check:
    return next(c for c in get_by_slug(slug).checks if c.kind == "dbs")


def _emails() -> list[str]:
    """What the providers were told (besides confirming their email address at sign-up)."""
    subjects = db.session.scalars(select(OutgoingEmail.subject).order_by(OutgoingEmail.id))
    return [s for s in subjects if not s.startswith("Confirm your email")]


def _audited(action: str) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [json.loads(e.details) for e in events]


# -- every status, one row each ------------------------------------------------


def test_blank_no_new_info_keeps_a_certificate_current_and_says_so_on_the_profile(app, listed, dbs_server):
    slug = listed("2")
    with app.app_context():
        assert status_checks.run_status_check(_dbs(slug)) == "current"
        db.session.commit()
        check = _dbs(slug)
        assert check.valid_until == today() + timedelta(days=60)  # was 5 days: the status check carries it
        assert is_listed_now(check.provider, today())
        assert "DBS Update Service: checked automatically on" in badges(check.provider, today())[1].text
        assert _audited("check.status_checked") == [{"automatic": True, "outcome": "current"}]
    request = dbs_server.requests_seen[-1]
    assert request.startswith(f"/crsc/api/status/{_certificate('2')}?dateOfBirth=01%2F05%2F1980&surname=O%27Brien")
    assert "hasAgreedTermsAndConditions=true" in request and "organisationName=Trusted+Care+Registry" in request
    checked = f"DBS Update Service: checked automatically on {today().day} "
    assert checked in app.test_client().get(f"/providers/{slug}").get_data(as_text=True)
    card = app.test_client().get("/search?postcode=LS6+2AA").get_data(as_text=True)
    assert "Pat 2" in card and checked in card


def test_non_blank_counts_only_once_an_officer_assessed_the_original(app, listed):
    assessed, unassessed = listed("3", assessed=True), listed("3")
    with app.app_context():
        assert status_checks.run_status_check(_dbs(assessed)) == "current"
        assert status_checks.run_status_check(_dbs(unassessed)) == "needs_assessment"
        db.session.commit()
        assert is_listed_now(get_by_slug(assessed), today())
        assert _dbs(unassessed).status == CheckStatus.REVOKED
        assert not is_listed_now(get_by_slug(unassessed), today())
        assert [c.id for c in status_checks.officer_tasks()] == [_dbs(unassessed).id]
        # Nothing recorded says whether a certificate was blank: both kinds of "no new information" read alike.
        assert {d["outcome"] for d in _audited("check.status_checked")} == {"current", "needs_assessment"}


def test_new_info_delists_in_the_transaction_that_records_it(app, listed):
    slug = listed("4")
    with app.app_context():
        outbox_before = db.session.scalar(select(func.count()).select_from(SearchOutboxEntry))
        assert status_checks.run_status_check(_dbs(slug)) == "new_information"
        db.session.rollback()  # the answer, the revocation and the delisting go (or stay) together
        assert _dbs(slug).status == CheckStatus.APPROVED and is_listed_now(get_by_slug(slug), today())
        status_checks.run_status_check(_dbs(slug))
        db.session.commit()
        provider = get_by_slug(slug)
        check = _dbs(slug)
        assert check.status == CheckStatus.REVOKED and "apply for a new DBS certificate" in check.revocation_reason
        assert not is_listed_now(provider, today())
        assert not any(row.listed for row in provider.services)  # the stored listing too
        assert db.session.scalar(select(func.count()).select_from(SearchOutboxEntry)) > outbox_before
        assert "Your DBS check no longer counts" in _emails()
        assert [c.id for c in status_checks.officer_tasks()] == [check.id]
        # The surname and date of birth are no longer needed for a certificate that does not count.
        assert check.status_consent.surname is None and not check.status_consent.stands
    search = app.test_client().get("/search?postcode=LS6+2AA")
    assert "Pat 4" not in search.get_data(as_text=True)


def test_no_match_tells_the_provider_at_once_and_lapses_after_the_grace_unless_a_later_check_succeeds(app, listed):
    slug = listed("1", days_valid=300)
    with app.app_context():
        assert status_checks.run_status_check(_dbs(slug)) == "no_match"
        db.session.commit()
        check = _dbs(slug)
        grace_end = today() + timedelta(days=14)
        assert check.valid_until == grace_end and check.status == CheckStatus.APPROVED
        assert is_listed_now(check.provider, today())  # not an adverse finding
        assert not is_listed_now(check.provider, grace_end + timedelta(days=1))
        assert _emails() == ["We could not confirm your DBS certificate on the Update Service"]
        status_checks.run_status_check(_dbs(slug))  # asked again: told once only
        db.session.commit()
        assert len(_emails()) == 1
        # The provider renews the subscription: the next status check succeeds.
        check = _dbs(slug)
        check.details = {**check.details, "certificate_number": _certificate("2")}
        assert status_checks.run_status_check(check) == "current"
        db.session.commit()
        check = _dbs(slug)
        assert check.valid_until == today() + timedelta(days=60) and check.status_check_issue is None
        assert is_listed_now(check.provider, grace_end + timedelta(days=1))


# -- failures change nothing --------------------------------------------------


@pytest.mark.parametrize(
    ("digit", "why"),
    [
        ("5", "reported FAILURE"),
        ("6", "not readable XML"),
        ("7", "larger than"),
        ("8", "ReadTimeoutError"),
        ("9", "HTTP 500"),
    ],
)
def test_an_answer_that_is_not_an_answer_changes_nothing_and_is_logged(app, listed, digit, why, caplog):
    slug = listed(digit)
    with app.app_context():
        before = _dbs(slug)
        state = (before.status, before.valid_until, before.status_checked_at, before.status_check_issue)
        with caplog.at_level(logging.WARNING, logger="registry.checks.status_checks"):
            report = status_checks.run_due(now=NOW + timedelta(days=31))
        assert report.asked == 0 and report.failed == 1
        check = _dbs(slug)
        assert (check.status, check.valid_until, check.status_checked_at, check.status_check_issue) == state
        assert why in caplog.text
        assert why in _audited("check.status_check_failed")[0]["error"]
        assert _audited("check.status_checked") == [] and _emails() == []
        consent = check.status_consent
        assert consent.failures == 1 and consent.next_due_at == NOW + timedelta(days=31, minutes=15)


def test_hostile_xml_is_refused_by_the_parser():
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><statusCheckResult>&b;</statusCheckResult>'
    external = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><statusCheckResult>&x;</statusCheckResult>'
    for body in (
        bomb,
        external,
        b"",
        b"<other/>",
        b"<statusCheckResult><statusCheckResultType>SUCCESS</statusCheckResultType><status>MAYBE</status></statusCheckResult>",
    ):
        with pytest.raises(StatusCheckError):
            parse_answer(body)


# -- the worker's schedule ----------------------------------------------------


def test_the_worker_spreads_rate_limits_and_backs_off(app, listed, dbs_server):
    for _ in range(4):
        listed("2")
    with app.app_context():
        consents = list(db.session.scalars(select(StatusCheckConsent)))
        # Spread: each first check falls somewhere in the coming period, not all at once.
        assert all(NOW <= c.next_due_at <= NOW + timedelta(days=30) for c in consents)
        later = NOW + timedelta(days=30)
        seen = len(dbs_server.requests_seen)
        # Rate limit: at most the per-minute number in a round.
        assert status_checks.run_due(now=later, limit=2).asked == 2
        assert status_checks.run_due(now=later, limit=10).asked == 2  # the other two; nobody twice
        assert len(dbs_server.requests_seen) - seen == 4
        consents = list(db.session.scalars(select(StatusCheckConsent)))
        assert all(c.next_due_at == later + timedelta(days=30) for c in consents)  # then again a period later
        assert status_checks.run_due(now=later + timedelta(days=29)).asked == 0
    failing = listed("9")
    with app.app_context():
        bad = _dbs(failing).status_consent
        bad.next_due_at = later
        for consent in db.session.scalars(select(StatusCheckConsent)):
            if consent.id != bad.id:
                consent.next_due_at = later + timedelta(minutes=1)  # due just after the failing one
        db.session.commit()
        # Backoff: a 500 stops the round at once (one request), and the certificate waits 15 minutes, then 30.
        seen = len(dbs_server.requests_seen)
        report = status_checks.run_due(now=later + timedelta(minutes=1))
        assert (report.asked, report.failed, report.stopped_early) == (0, 1, True)
        assert len(dbs_server.requests_seen) - seen == 1
        bad = db.session.get(StatusCheckConsent, bad.id)
        assert bad.failures == 1 and bad.next_due_at == later + timedelta(minutes=16)
        status_checks.run_due(now=later + timedelta(minutes=16))
        bad = db.session.get(StatusCheckConsent, bad.id)
        assert bad.failures == 2 and bad.next_due_at == later + timedelta(minutes=46)


def test_the_worker_job_runs_the_round_and_says_when_status_checks_are_off(app, listed):
    slug = listed("2")
    with app.app_context():
        db.session.get(StatusCheckConsent, _dbs(slug).status_consent.id).next_due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    job = next(j for j in JOBS if j.name == "dbs-status")
    assert run_job(app, job) == "1 status checks, 0 failed"
    app.config["DBS_STATUS_CHECK_URL"] = None  # this test's own app: as a registry with the setting unset
    assert run_job(app, job) == "status checks are off (DBS_STATUS_CHECK_URL is not set)"


# -- consent --------------------------------------------------------------------


def test_consent_is_given_with_its_wording_and_withdrawn_with_the_personal_details(app, make_provider, dbs_server):
    slug = make_provider(name="Pat Ahmed", email="pat@example.com")
    approve_checks(app, slug, verification_method="update_service")
    with app.app_context():
        check_id = _dbs(slug).id
    client = signed_in(app, "pat@example.com")
    page = client.get(f"/dashboard/checks/{check_id}/status-checks").get_data(as_text=True)
    assert "I agree that the Trusted Care Registry may check the status of my DBS certificate 001234567890" in page
    refused = client.post(
        f"/dashboard/checks/{check_id}/status-checks", data={"surname": "Ahmed", "date_of_birth": "1980-05-01"}
    )
    assert refused.status_code == 422  # not ticked
    client.post(
        f"/dashboard/checks/{check_id}/status-checks",
        data={"surname": "AHMED", "date_of_birth": "1980-05-01", "agree": "y"},
    )
    with app.app_context():
        consent = _dbs(slug).status_consent
        assert consent.stands and consent.surname == "AHMED" and consent.date_of_birth == date(1980, 5, 1)
        assert "every 30 days" in consent.wording and consent.given_at is not None
        assert "AHMED" not in str(_audited("check.status_consent_given"))  # the log keeps the wording, not the details
    client.post(f"/dashboard/checks/{check_id}/status-checks/withdraw")
    with app.app_context():
        consent = _dbs(slug).status_consent
        assert not consent.stands and consent.surname is None and consent.date_of_birth is None
        seen = len(dbs_server.requests_seen)
        assert status_checks.run_due(now=utcnow() + timedelta(days=60)).asked == 0
        assert len(dbs_server.requests_seen) == seen  # withdrawn: never asked again
    assert "You withdrew your consent" in client.get(f"/dashboard/checks/{check_id}/status-checks").get_data(
        as_text=True
    )


# -- officers -------------------------------------------------------------------


def test_an_old_certificate_is_approvable_on_a_clean_status_check_an_officer_runs(
    app, make_provider, officer_client, dbs_server
):
    slug = make_provider(name="Old Cert", email="old@example.com")
    approve_checks(app, slug, kinds=("identity",))
    with app.app_context():
        provider = get_by_slug(slug)
        check = Check(
            kind="dbs",
            details={
                "level": "enhanced",
                "barred_lists": "both",
                "certificate_number": _certificate("2"),
                "issue_date": "2019-03-01",  # over three years ago
                "update_service": True,
                "update_service_id": "C7654321",
            },
        )
        provider.checks.append(check)
        db.session.commit()
        check_id = check.id
    officer = officer_client("olu@example.com")
    page = officer.get(f"/officer/checks/{check_id}").get_data(as_text=True)
    assert "Run a status check now" in page
    answer = officer.post(
        f"/officer/checks/{check_id}/status-check", data={"surname": "Smith", "date_of_birth": "1975-01-31"}
    )
    assert "Status check: No new information: current." in officer.get(answer.location).get_data(as_text=True)
    assert "surname=Smith" in dbs_server.requests_seen[-1] and "employeeSurname=" in dbs_server.requests_seen[-1]
    with app.app_context():
        version = db.session.get(Check, check_id).version
    proposed = today() + timedelta(days=60)
    approved = officer.post(
        f"/officer/checks/{check_id}/approve",
        data={
            "method": "update_service",
            "update_service_result": "no_new_information",
            "valid_until": proposed.isoformat(),
            "version": version,
        },
    )
    assert approved.status_code == 302, approved.get_data(as_text=True)
    with app.app_context():
        check = db.session.get(Check, check_id)
        assert check.status == CheckStatus.APPROVED and check.valid_until == proposed
        assert check.status_consent is None  # typed details were used once and not kept
        assert _audited("check.status_checked")[0]["automatic"] is False


def test_with_status_checks_off_the_officer_is_told_and_the_registry_works_as_before(
    app, make_provider, officer_client
):
    app.config["DBS_STATUS_CHECK_URL"] = None
    slug = make_provider(name="No Checks")
    approve_checks(app, slug)
    with app.app_context():
        check_id = _dbs(slug).id
    page = officer_client().get(f"/officer/checks/{check_id}").get_data(as_text=True)
    assert "Status checks are off (DBS_STATUS_CHECK_URL is not set)" in page
    assert "Run a status check now" not in page


def test_status_check_outcomes_and_findings_reach_the_metrics(app, listed):
    from tests.operations.test_monitoring import TOKEN, scrape, value

    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()
    before = scrape(client)
    assert value(before, "registry_dbs_status_check_issues", issue="new_information") == 0
    listed("4")
    listed("9")
    with app.app_context():
        # A 500 ends a round at once: two rounds, so the other certificate is asked whichever came first.
        reports = [status_checks.run_due(now=NOW + timedelta(days=31)) for _ in range(2)]
    assert (sum(r.asked for r in reports), sum(r.failed for r in reports)) == (1, 1)
    after = scrape(client)
    checks = "registry_dbs_status_checks_total"
    for outcome, counted in (("new_information", 1), ("failed", 1), ("current", 0), ("no_match", 0)):
        assert value(after, checks, outcome=outcome) - value(before, checks, outcome=outcome) == counted, outcome
    assert value(after, "registry_dbs_status_check_issues", issue="new_information") == 1
    assert value(after, "registry_dbs_status_check_issues", issue="no_match") == 0
    assert value(after, "registry_dbs_status_consents_failing") == 1
