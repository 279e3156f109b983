"""The officer's preview of a document, and the finer rules of approving, replacing and appealing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry import audit
from registry.checks import services
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from tests.checks.conftest import PNG, add_check, check_count, upload
from tests.conftest import approve_checks
from tests.html_forms import parse, text

INSURANCE = {"insurer": "Aviva", "policy_number": "PL-1", "cover_pounds": "5000000"}


def _ids(app):
    with app.app_context():
        return list(db.session.scalars(select(Check.id).order_by(Check.id)))


def _version(app, check_id):
    with app.app_context():
        return db.session.get(Check, check_id).version


DOCUMENT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}


def _assert_served_as_a_sandboxed_download(response, check_id, extension):
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="check-{check_id}.{extension}"'
    assert {name: response.headers.get(name) for name in DOCUMENT_HEADERS} == DOCUMENT_HEADERS
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("who", ["officer", "provider"])
@pytest.mark.parametrize("query", ["", "?inline=1"])
def test_a_document_is_always_a_sandboxed_download_never_a_page(app, provider_client, officer_client, who, query):
    """Whatever a document holds never runs as a page of the registry, for its owner or an officer."""
    client, _ = provider_client
    add_check(client)
    add_check(
        client,
        "insurance",
        {**INSURANCE, "end_date": (date.today() + timedelta(days=90)).isoformat()},
        file=upload(PNG, "scan.png", "image/png"),
    )
    pdf_id, png_id = _ids(app)
    reader = officer_client() if who == "officer" else client
    _assert_served_as_a_sandboxed_download(reader.get(f"/checks/{pdf_id}/document{query}"), pdf_id, "pdf")
    _assert_served_as_a_sandboxed_download(reader.get(f"/checks/{png_id}/document{query}"), png_id, "png")


def test_the_review_page_offers_a_pdf_as_a_download(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [check_id] = _ids(app)
    page = officer_client().get(f"/officer/checks/{check_id}").get_data(as_text=True)
    (document,) = parse(page).xpath('//section[h2[@id="document"]]')
    assert [(a.get("href"), text(a)) for a in document.xpath(".//a")] == [
        (f"/checks/{check_id}/document", "Download dbs.pdf")
    ]
    assert document.xpath(".//*[@target]") == [] and parse(page).xpath("//iframe") == [] and "inline=1" not in page


def test_the_review_page_shows_an_image_as_an_image(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client, file=upload(PNG, "scan.png", "image/png"))
    [check_id] = _ids(app)
    page = officer_client().get(f"/officer/checks/{check_id}").get_data(as_text=True)
    assert parse(page).xpath('//section[h2[@id="document"]]//img/@src') == [f"/checks/{check_id}/document"]
    assert parse(page).xpath("//iframe") == []


def test_insurance_cannot_be_approved_beyond_the_policy_end(app, provider_client, officer_client):
    client, _ = provider_client
    end = date.today() + timedelta(days=100)
    add_check(client, "insurance", {**INSURANCE, "end_date": end.isoformat()})
    [check_id] = _ids(app)
    officer = officer_client()
    too_late = {
        "method": "in_person",
        "valid_until": (end + timedelta(days=1)).isoformat(),
        "version": _version(app, check_id),
    }
    response = officer.post(f"/officer/checks/{check_id}/approve", data=too_late)
    assert response.status_code == 422 and "cannot be valid after the policy ends" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Check, check_id).status == "pending"
    earlier = {**too_late, "valid_until": (end - timedelta(days=10)).isoformat()}
    assert officer.post(f"/officer/checks/{check_id}/approve", data=earlier).status_code == 302
    with app.app_context():
        assert db.session.get(Check, check_id).valid_until == end - timedelta(days=10)


def test_a_check_is_replaced_only_by_one_of_the_same_kind(app, provider_client):
    client, _ = provider_client
    add_check(client)
    [dbs] = _ids(app)
    response = add_check(client, "identity", {"document_type": "passport"}, replaces=dbs)
    assert (
        response.status_code == 422
        and "A DBS check can only be replaced by another DBS check." in response.get_data(as_text=True)
    )
    assert check_count(app) == 1


def test_an_appeal_is_on_the_record(app, provider_client, officer_client):
    client, slug = provider_client
    add_check(client)
    [check_id] = _ids(app)
    officer_client().post(
        f"/officer/checks/{check_id}/reject", data={"reason": "Blurred.", "version": _version(app, check_id)}
    )
    client.post(f"/dashboard/checks/{check_id}/appeal", data={"note": "A clearer scan is the same certificate."})
    with app.app_context():
        provider = get_by_slug(slug)
        [event] = [e for e in audit.events_for(provider_id=provider.id) if e.action == "check.appealed"]
        assert event.actor_id == provider.user_id and "clearer scan" in event.details
        assert audit.verify().ok


def test_the_dashboard_says_a_renewal_is_waiting_instead_of_asking_again(app, provider_client):
    client, slug = provider_client
    approve_checks(app, slug, days_valid=10)  # everything lapses soon
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Add the new one now" in dashboard
    with app.app_context():
        dbs = next(c for c in get_by_slug(slug).checks if c.kind == "dbs")
        dbs_id = dbs.id
    add_check(client, replaces=dbs_id)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    dbs_line = dashboard.split("Enhanced DBS with the adults&#39; barred list</strong>:", 1)[1].split("</li>", 1)[0]
    assert "your new one is waiting for an officer" in dbs_line and "Add the new one now" not in dbs_line
    with app.app_context():
        assert {c.status for c in get_by_slug(slug).checks if c.kind == "dbs"} == {
            "approved",
            "pending",
        }  # the lapsing one still counts


def test_the_proposed_valid_until_follows_the_settings(app):
    with app.app_context():
        issued = date(2026, 1, 12)
        assert services.proposed_valid_until("dbs", {"issue_date": issued.isoformat()}, today()) == issued + timedelta(
            days=app.config["DBS_RECHECK_DAYS"]
        )
        assert services.proposed_valid_until("insurance", {"end_date": "2027-06-30"}, today()) == date(2027, 6, 30)
        decided = date(2026, 5, 1)
        assert services.proposed_valid_until("identity", {}, decided) == decided + timedelta(
            days=app.config["CHECK_VALIDITY_DAYS"]["identity"]
        )


def test_emails_name_the_check_as_people_write_it(app, provider_client, officer_client):
    from registry.mail import outbox_messages

    client, _ = provider_client
    add_check(client)
    [check_id] = _ids(app)
    officer = officer_client()
    assert officer.get(f"/checks/{check_id}/document").status_code == 200
    officer.post(
        f"/officer/checks/{check_id}/approve",
        data={"method": "in_person", "valid_until": "2027-03-01", "version": _version(app, check_id)},
    )
    mail = outbox_messages(app)[-1]
    assert mail["Subject"] == "Your DBS check is approved"
    assert "valid until 1 March 2027" in mail.get_body(("plain",)).get_content()


def test_a_renewed_check_is_neither_reminded_nor_reported_lapsed(app, runner, make_provider):
    from registry.mail import outbox_messages

    slug = make_provider("pa", name="Rhys Evans", email="rhys@example.com")
    approve_checks(app, slug, days_valid=20)
    approve_checks(app, slug, kinds=("dbs",), days_valid=400)  # the renewal, already approved
    before = len(outbox_messages(app))
    runner.invoke(args=["checks", "expire", "--as-of", date.today().isoformat()])
    subjects = [m["Subject"] for m in outbox_messages(app)[before:]]
    assert "Your proof of identity lapses" in " ".join(subjects) and not any("DBS" in s for s in subjects)
    later = (date.today() + timedelta(days=21)).isoformat()
    before = len(outbox_messages(app))
    runner.invoke(args=["checks", "expire", "--as-of", later])
    subjects = [m["Subject"] for m in outbox_messages(app)[before:]]
    assert "Your proof of identity has lapsed" in subjects and not any("DBS" in s for s in subjects)
    with app.app_context():
        dbs = sorted((c.valid_until, c.status) for c in get_by_slug(slug).checks if c.kind == "dbs")
        assert [status for _, status in dbs] == ["lapsed", "approved"]


def test_a_scan_replaced_before_any_decision_is_purged_too(app, runner, provider_client):
    from tests.checks.conftest import stored_files

    client, _ = provider_client
    add_check(client)
    [first] = _ids(app)
    add_check(client, replaces=first)
    assert len(stored_files(app)) == 2
    result = runner.invoke(args=["documents", "purge", "--as-of", (date.today() + timedelta(days=181)).isoformat()])
    assert result.output.startswith("1 documents deleted") and len(stored_files(app)) == 1
    with app.app_context():
        assert db.session.get(Check, first).document_key is None
        assert db.session.get(Check, _ids(app)[1]).document_key is not None  # still waiting for review: kept


def test_a_suspended_provider_shows_no_badges(app, make_provider, officer_client):
    slug = make_provider("pa", name="Una Quinn")
    approve_checks(app, slug)
    assert app.test_client().get(f"/api/v1/providers/{slug}").get_json()["approved_checks"]
    officer_client().post(f"/officer/providers/{slug}/suspend", data={"reason": "Under investigation."})
    response = app.test_client().get(f"/api/v1/providers/{slug}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "provider_not_listed"
    assert "approved_checks" not in response.get_data(as_text=True)
    page = app.test_client().get(f"/providers/{slug}").get_data(as_text=True)
    assert "not currently listed" in page and "Checked by a safeguarding officer" not in page


def test_the_review_page_shows_the_fields_as_the_provider_entered_them(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [check_id] = _ids(app)
    page = officer_client().get(f"/officer/checks/{check_id}").get_data(as_text=True)
    (details,) = parse(page).xpath('//dl[@class="details"]')
    fields = {text(dt): text(dt.getnext()) for dt in details.xpath("./dt")}
    for label, value in [
        ("Level", "Enhanced"),
        ("Barred lists checked", "Adults"),
        ("Certificate number", "001234567890"),
        ("Issue date", "1 February 2026"),
        ("Subscribed to the DBS Update Service", "Yes"),
        ("Update Service subscription ID", "C1234567"),
    ]:
        assert fields[label] == value


def test_replacing_a_check_an_officer_decides_meanwhile_is_refused_cleanly(app, provider_client):
    from sqlalchemy import update

    from registry.uploads import CheckedUpload
    from tests.checks.conftest import PDF, stored_files

    client, slug = provider_client
    add_check(client)
    [first] = _ids(app)
    with app.app_context():
        provider = get_by_slug(slug)
        replaced = db.session.get(Check, first)
        assert replaced.status == "pending"
        # Another officer's decision commits on its own connection after we read the check.
        with db.engine.begin() as other:
            other.execute(update(Check).where(Check.id == first).values(status="approved", version=Check.version + 1))
        upload = CheckedUpload(PDF, "application/pdf", len(PDF), "dbs.pdf")
        try:
            services.submit_check(
                provider, "dbs", {"level": "basic", "barred_lists": "none"}, upload, replaces=replaced
            )
        except services.CheckError as error:
            assert "An officer has just decided the check you are replacing" in str(error)
        else:
            raise AssertionError("the stale replacement was accepted")
        db.session.rollback()
    assert check_count(app) == 1 and len(stored_files(app)) == 1  # the new file was removed again


def test_officers_reach_the_record_from_the_public_page(app, make_provider, officer_client):
    slug = make_provider("pa", name="Femi Okafor")
    link = f'href="/officer/providers/{slug}"'
    assert link in officer_client().get(f"/providers/{slug}").get_data(as_text=True)
    assert link not in app.test_client().get(f"/providers/{slug}").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"MAX_UPLOAD_BYTES": 1024, "MAX_UPLOAD_REQUEST_BYTES": 2048}])
def test_a_request_far_over_the_limit_says_so_beside_the_file_field(app, provider_client):
    from tests.checks.conftest import PDF, stored_files

    client, _ = provider_client
    response = add_check(client, file=upload(PDF + b"0" * 8192, "huge.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and 'id="document-error"' in page and "larger than 1 KB" in page
    assert check_count(app) == 0 and stored_files(app) == []


def test_the_dashboard_tells_a_provider_about_deleted_scans_and_suspension(
    app, runner, provider_client, officer_client
):
    client, slug = provider_client
    add_check(client)
    [check_id] = _ids(app)
    officer = officer_client()
    officer.post(
        f"/officer/checks/{check_id}/reject", data={"reason": "Unreadable.", "version": _version(app, check_id)}
    )
    runner.invoke(args=["documents", "purge", "--as-of", (date.today() + timedelta(days=181)).isoformat()])
    officer.post(f"/officer/providers/{slug}/suspend", data={"reason": "Under investigation."})
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "under the retention policy; the details are kept" in dashboard
    assert 'badge-bad">suspended</span>' in dashboard and "not listed yet" not in dashboard


def test_a_dbs_certificate_is_approved_only_in_person_or_by_status_check_and_only_once_opened(
    app, provider_client, officer_client
):
    """Video cannot show a certificate's security features; and nobody approves a scan they have not looked at."""
    client, _ = provider_client
    add_check(client)
    [check_id] = _ids(app)
    officer = officer_client()

    def approve(method):
        return officer.post(
            f"/officer/checks/{check_id}/approve",
            data={"method": method, "valid_until": "2027-03-01", "version": _version(app, check_id)},
        )

    unopened = approve("in_person")
    assert unopened.status_code == 422 and "Open the uploaded certificate" in unopened.get_data(as_text=True)
    assert officer.get(f"/checks/{check_id}/document").status_code == 200
    by_video = approve("video")
    assert by_video.status_code == 422 and "a video call cannot show" in by_video.get_data(as_text=True)
    with app.app_context():
        check = db.session.get(Check, check_id)
        assert check.status == "pending" and check.valid_until is None
    assert approve("in_person").status_code == 302  # the positive control: opened, and seen in person
    with app.app_context():
        assert db.session.get(Check, check_id).status == "approved"


def test_another_officers_view_of_the_document_does_not_count(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    [check_id] = _ids(app)
    assert officer_client("first@council.example").get(f"/checks/{check_id}/document").status_code == 200
    second = officer_client("second@council.example")
    refused = second.post(
        f"/officer/checks/{check_id}/approve",
        data={"method": "in_person", "valid_until": "2027-03-01", "version": _version(app, check_id)},
    )
    assert refused.status_code == 422 and "Open the uploaded certificate" in refused.get_data(as_text=True)
