"""Officers work the queue; decisions list and delist providers, on the record."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry import audit
from registry.accounts.services import find_user_by_email
from registry.checks import services
from registry.checks.models import Check
from registry.extensions import db
from registry.mail import outbox_messages
from registry.providers.services import get_by_slug
from tests.checks.conftest import add_check, upload
from tests.conftest import CHECK_DETAILS, PASSWORD, approve_checks
from tests.html_forms import parse, text


def _check_ids(app, kind=None):
    with app.app_context():
        query = select(Check.id).order_by(Check.id)
        if kind:
            query = query.where(Check.kind == kind)
        return list(db.session.scalars(query))


def _status(app, check_id):
    with app.app_context():
        return db.session.get(Check, check_id).status


def _provider_status(app, slug):
    with app.app_context():
        p = get_by_slug(slug)
        return p.status, sorted(r.service_type.slug for r in p.services if r.listed)


def _approve(officer, check_id, method="in_person", valid_until=None, **extra):
    # An officer opens the uploaded document before deciding (a DBS approval needs it).
    assert officer.get(f"/checks/{check_id}/document").status_code == 200
    with_version = officer.get(f"/officer/checks/{check_id}")
    version = parse(with_version.get_data(as_text=True)).xpath('//input[@name="version"]/@value')[0]
    data = {
        "method": method,
        "valid_until": (valid_until or date.today() + timedelta(days=365)).isoformat(),
        "version": version,
        **extra,
    }
    return officer.post(f"/officer/checks/{check_id}/approve", data=data)


def _submit_all_for_a_pa(client):
    """Everything personal care and companionship need of a PA."""
    add_check(client, "identity", {"document_type": "passport"}, upload(name="passport.pdf"))
    add_check(client)  # enhanced DBS with the adults' barred list
    add_check(client, "right_to_work", {"document_type": "british_passport"}, upload(name="rtw.pdf"))
    add_check(
        client,
        "insurance",
        {
            "insurer": "Aviva",
            "policy_number": "PL-1",
            "cover_pounds": "5000000",
            "end_date": (date.today() + timedelta(days=200)).isoformat(),
        },
        upload(name="ins.pdf"),
    )


def test_officer_approves_a_pas_checks_and_the_pa_becomes_listed_but_a_rejection_keeps_it_out(
    app, provider_client, officer_client
):
    client, slug = provider_client
    _submit_all_for_a_pa(client)
    officer = officer_client()
    queue = officer.get("/officer/queue").get_data(as_text=True)
    assert queue.count("Review</a>") == 4 and "Pat Ahmed" in queue
    assert "4</strong> checks waiting" in officer.get("/staff").get_data(as_text=True)
    ids = _check_ids(app)
    for check_id in ids[:-1]:
        assert _approve(officer, check_id).status_code == 302
    insurance = ids[-1]
    review = officer.get(f"/officer/checks/{insurance}").get_data(as_text=True)
    assert (date.today() + timedelta(days=200)).isoformat() in review  # proposed valid-until: the policy end
    officer.post(
        f"/officer/checks/{insurance}/reject",
        data={"reason": "The policy schedule is missing.", "version": _version(app, insurance)},
    )
    assert _provider_status(app, slug) == ("submitted", [])
    assert app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()["results"] == []
    mail = outbox_messages(app)[-1]
    assert (
        mail["To"] == "pat@example.com" and "The policy schedule is missing." in mail.get_body(("plain",)).get_content()
    )
    assert "The policy schedule is missing." in client.get("/dashboard").get_data(as_text=True)

    # The PA replaces the rejected check; once it is approved the PA is listed and searchable.
    add_check(
        client,
        "insurance",
        {
            "insurer": "Aviva",
            "policy_number": "PL-1",
            "cover_pounds": "5000000",
            "end_date": (date.today() + timedelta(days=200)).isoformat(),
        },
        upload(name="ins2.pdf"),
        replaces=insurance,
    )
    replacement = _check_ids(app)[-1]
    _approve(officer, replacement, valid_until=date.today() + timedelta(days=200))
    assert _status(app, insurance) == "rejected"  # the history stays
    assert _provider_status(app, slug) == ("listed", ["companionship", "personal-care"])
    search = app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()
    assert [r["slug"] for r in search["results"]] == [slug]
    with app.app_context():
        actions = [e.action for e in audit.events_for(provider_id=get_by_slug(slug).id)]
        assert actions.count("check.approved") == 4 and actions.count("check.rejected") == 1
        assert audit.verify().ok


def _version(app, check_id):
    with app.app_context():
        return db.session.get(Check, check_id).version


def test_rejection_needs_a_reason_and_changes_nothing_without_one(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [check_id] = _check_ids(app)
    officer = officer_client()
    response = officer.post(
        f"/officer/checks/{check_id}/reject", data={"reason": "  ", "version": _version(app, check_id)}
    )
    assert response.status_code == 422 and "Give a reason the provider will see." in response.get_data(as_text=True)
    assert _status(app, check_id) == "pending"


@pytest.mark.parametrize("result", ["new_information", "no_match"])
def test_an_update_service_check_with_news_cannot_be_approved(app, provider_client, officer_client, result):
    client, _ = provider_client
    add_check(client)
    [check_id] = _check_ids(app)
    response = _approve(officer_client(), check_id, method="update_service", update_service_result=result)
    assert response.status_code == 422 and "cannot be approved" in response.get_data(as_text=True)
    assert _status(app, check_id) == "pending"


def test_update_service_approval_shows_on_the_public_badge(app, provider_client, officer_client):
    client, slug = provider_client
    add_check(client)
    [check_id] = _check_ids(app)
    _approve(officer_client(), check_id, method="update_service", update_service_result="no_new_information")
    # Not listed yet (one check of several), so the owner's own view of the profile shows the badge.
    page = client.get(f"/providers/{slug}").get_data(as_text=True)
    assert "Enhanced DBS with adults&#39; barred list, Update Service status checked on" in page


def test_two_officers_deciding_at_once_one_wins(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [check_id] = _check_ids(app)
    first, second = officer_client("one@council.example"), officer_client("two@council.example")
    version = _version(app, check_id)
    # Both opened the review page at the same version; the first decision lands.
    assert (
        first.post(
            f"/officer/checks/{check_id}/reject", data={"reason": "Blurred scan.", "version": version}
        ).status_code
        == 302
    )
    late = second.post(
        f"/officer/checks/{check_id}/approve",
        data={"method": "in_person", "valid_until": "2030-01-01", "version": version},
        follow_redirects=True,
    )
    assert "already decided by another officer" in late.get_data(as_text=True)
    assert _status(app, check_id) == "rejected"


def test_concurrent_decisions_in_two_sessions_let_exactly_one_commit(app, provider_client, make_user):
    """The version column makes the database refuse the second, even mid-flight."""
    client, _ = provider_client
    add_check(client)
    [check_id] = _check_ids(app)
    officer_emails = [make_user("officer"), make_user("officer")]
    with app.app_context():
        # The approving officer has opened the certificate, as a DBS approval needs.
        services.record_document_view(db.session.get(Check, check_id), find_user_by_email(officer_emails[0]))
        db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(email, approve):
        decision = "approved" if approve else "rejected"
        with app.app_context():
            from registry.accounts.services import find_user_by_email

            officer = find_user_by_email(email)
            check = db.session.get(Check, check_id)
            barrier.wait(timeout=10)  # both have read the pending check
            try:
                if approve:
                    services.approve(check, officer, "in_person", date.today() + timedelta(days=30))
                else:
                    services.reject(check, officer, "No.")
                db.session.commit()
                outcomes[decision] = "won"
            except services.AlreadyDecided:  # the loser, however late it saw the other (version column included)
                db.session.rollback()
                outcomes[decision] = "already decided"
            except Exception as error:  # anything else is a crash, and fails the test below
                db.session.rollback()
                outcomes[decision] = f"crashed: {error!r}"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=(officer_emails[0], True)),
        threading.Thread(target=decide, args=(officer_emails[1], False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a decision was still waiting after 30 s"
    [winner] = [decision for decision, outcome in outcomes.items() if outcome == "won"]
    assert sorted(outcomes.values()) == ["already decided", "won"], outcomes
    assert _status(app, check_id) == winner
    with app.app_context():
        assert [e.action for e in audit.events_for() if e.action.startswith("check.")] == [
            {"approved": "check.approved", "rejected": "check.rejected"}[winner]
        ]


def test_a_rejection_can_be_appealed_once_and_goes_to_a_different_officer(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [check_id] = _check_ids(app)
    first, second = officer_client("first@council.example"), officer_client("second@council.example")
    first.post(
        f"/officer/checks/{check_id}/reject", data={"reason": "Blurred scan.", "version": _version(app, check_id)}
    )
    assert "Appeal (once" in client.get("/dashboard").get_data(as_text=True)
    client.post(f"/dashboard/checks/{check_id}/appeal", data={"note": "The original is attached again, clearer."})
    assert _status(app, check_id) == "pending"
    assert "Review</a>" not in first.get("/officer/queue").get_data(as_text=True)
    own = _approve(first, check_id)
    assert own.status_code == 422 and "another officer must decide it" in own.get_data(as_text=True)
    assert "appeal" in second.get("/officer/queue").get_data(as_text=True)
    second.post(
        f"/officer/checks/{check_id}/reject", data={"reason": "Still unreadable.", "version": _version(app, check_id)}
    )
    again = client.post(f"/dashboard/checks/{check_id}/appeal", data={"note": "Please."}, follow_redirects=True)
    assert "already appealed this check once" in again.get_data(as_text=True)
    assert _status(app, check_id) == "rejected"


def test_asking_for_more_information_and_replacing_keeps_the_history(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [first] = _check_ids(app)
    officer_client().post(
        f"/officer/checks/{first}/request-info",
        data={"reason": "Send the page with the barred list box.", "version": _version(app, first)},
    )
    assert "Send the page with the barred list box." in client.get("/dashboard").get_data(as_text=True)
    add_check(client, replaces=first)
    ids = _check_ids(app)
    assert len(ids) == 2 and _status(app, first) == "superseded" and _status(app, ids[1]) == "pending"


def test_queue_marks_checks_older_than_the_target_and_filters_by_kind(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    add_check(client, "identity", {"document_type": "passport"})
    with app.app_context():
        old = db.session.get(Check, _check_ids(app, "dbs")[0])
        old.submitted_at = old.submitted_at - timedelta(days=9)
        db.session.commit()
    officer = officer_client()
    queue = parse(officer.get("/officer/queue").get_data(as_text=True))
    rows = [[text(cell) for cell in row.xpath("./td")] for row in queue.xpath("//table//tr[td]")]
    # (Check, over target?) in the order shown: the oldest first.
    assert [(row[3], "over target" in row[1]) for row in rows] == [("DBS check", True), ("Proof of identity", False)]
    only_identity = officer.get("/officer/queue?kind=identity").get_data(as_text=True)
    assert only_identity.count("Review</a>") == 1 and "Proof of identity" in only_identity


def test_suspending_delists_at_once_and_reinstating_restores(app, make_provider, officer_client):
    slug = make_provider("pa", name="Sam Taylor")
    approve_checks(app, slug)
    assert _provider_status(app, slug)[0] == "listed"
    officer = officer_client()
    empty = officer.post(f"/officer/providers/{slug}/suspend", data={"reason": ""}, follow_redirects=True)
    assert "Give a reason." in empty.get_data(as_text=True) and _provider_status(app, slug)[0] == "listed"
    officer.post(f"/officer/providers/{slug}/suspend", data={"reason": "Concern raised by a family member."})
    assert _provider_status(app, slug) == ("suspended", [])
    assert app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()["results"] == []
    officer.post(f"/officer/providers/{slug}/reinstate", data={"note": "Investigated, no case."})
    assert _provider_status(app, slug)[0] == "listed"
    with app.app_context():
        actions = [e.action for e in audit.events_for(provider_id=get_by_slug(slug).id)]
        assert actions[:2] == ["provider.reinstated", "provider.suspended"]


@pytest.mark.parametrize("role", ["recipient", "provider"])
def test_only_officers_reach_the_console(app, make_user, role, provider_client):
    client = app.test_client()
    client.post("/account/sign-in", data={"email": make_user(role), "password": PASSWORD})
    for url in ["/officer/queue", "/officer/audit", "/staff"]:
        assert client.get(url).status_code == 403


def test_officer_audit_log_filters_by_provider(app, make_provider, officer_client):
    a, b = make_provider("pa", name="Alpha"), make_provider("pa", name="Beta")
    officer = officer_client()
    officer.post(f"/officer/providers/{a}/suspend", data={"reason": "Reason A"})
    officer.post(f"/officer/providers/{b}/suspend", data={"reason": "Reason B"})
    page = officer.get(f"/officer/audit?provider={a}").get_data(as_text=True)
    assert "Reason A" in page and "Reason B" not in page
    assert officer.get("/officer/audit?provider=nobody").status_code == 404


def test_the_public_api_shows_checks_without_certificate_numbers(app, make_provider):
    slug = make_provider("pa", name="Ceri Morgan")
    approve_checks(app, slug)
    body = app.test_client().get(f"/api/v1/providers/{slug}").get_json()
    assert body["name"] == "Ceri Morgan" and body["district"] == "LS6" and body["status"] == "listed"
    kinds = {c["kind"]: c for c in body["approved_checks"]}
    assert kinds["dbs"]["level"] == "enhanced" and kinds["dbs"]["how_verified"] == "in_person"
    text = str(body)
    assert CHECK_DETAILS["dbs"]["certificate_number"] not in text and "document" not in text and "LS6 2AA" not in text
    missing = app.test_client().get("/api/v1/providers/nobody-at-all")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "provider_not_found"
