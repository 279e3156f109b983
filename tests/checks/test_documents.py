"""Who may read a check document, how long it is kept, and where it is stored."""

import os
import socket
import uuid
from datetime import date, datetime, timedelta

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry import audit
from registry.checks import services
from registry.checks.models import Check
from registry.extensions import db
from registry.providers.services import get_by_slug
from registry.storage import S3DocumentStore, StorageError
from registry.uploads import CheckedUpload
from tests.checks.conftest import PDF, add_check, check_count, stored_files
from tests.conftest import PASSWORD, approve_checks, make_app


def _only_check(app):
    with app.app_context():
        return db.session.scalar(select(Check))


def test_the_owner_and_officers_can_read_the_document_nobody_else(
    app, provider_client, make_provider, make_user, officer_client
):
    client, _ = provider_client
    add_check(client)
    url = f"/checks/{_only_check(app).id}/document"
    own = client.get(url)
    assert own.status_code == 200 and own.data == PDF
    assert own.headers["Content-Disposition"].startswith("attachment;")
    assert own.headers["X-Content-Type-Options"] == "nosniff" and own.mimetype == "application/pdf"

    make_provider("pa", name="Other Person", email="other@example.com")
    other = app.test_client()
    other.post("/account/sign-in", data={"email": "other@example.com", "password": PASSWORD})
    assert other.get(url).status_code == 404

    recipient = app.test_client()
    recipient.post("/account/sign-in", data={"email": make_user("recipient"), "password": PASSWORD})
    assert recipient.get(url).status_code == 403

    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]

    with app.app_context():
        assert audit.events_for() == []  # the owner's own views are not officer actions
    officer = officer_client()
    seen = officer.get(url)
    assert seen.status_code == 200 and seen.data == PDF
    with app.app_context():
        [event] = audit.events_for()
        assert event.action == "document.viewed" and event.actor.role == "officer"


def test_a_missing_document_is_not_a_500(app, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    for path in stored_files(app):
        os.unlink(path)
    assert officer_client().get(f"/checks/{_only_check(app).id}/document").status_code == 503


def test_expire_lapses_checks_and_delists_once(app, runner, make_provider):
    slug = make_provider("pa", name="Lee Jones")
    approve_checks(app, slug, days_valid=40)
    with app.app_context():
        assert get_by_slug(slug).status == "listed"
    day = (date.today() + timedelta(days=20)).isoformat()
    reminded = runner.invoke(args=["checks", "expire", "--as-of", day])
    assert "0 checks lapsed" in reminded.output and "reminders sent" in reminded.output
    assert (
        "0 checks lapsed, 0 reminders sent." in runner.invoke(args=["checks", "expire", "--as-of", day]).output
    )  # once per check
    later = (date.today() + timedelta(days=41)).isoformat()
    result = runner.invoke(args=["checks", "expire", "--as-of", later])
    assert result.exit_code == 0 and "checks lapsed" in result.output and not result.output.startswith("0 ")
    with app.app_context():
        provider = get_by_slug(slug)
        assert provider.status == "submitted" and not any(r.listed for r in provider.services)
        assert {c.status for c in provider.checks} == {"lapsed"}
        assert audit.verify().ok
    assert runner.invoke(args=["checks", "expire", "--as-of", later]).output.startswith("0 checks lapsed")
    assert app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()["results"] == []
    assert runner.invoke(args=["checks", "expire", "--as-of", "31/12/2026"]).exit_code != 0


def test_purge_deletes_old_scans_keeps_the_record_and_tells_officers(app, runner, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    check_id = _only_check(app).id
    officer = officer_client()
    officer.post(f"/officer/checks/{check_id}/reject", data={"reason": "Unreadable.", "version": 1})
    assert len(stored_files(app)) == 1
    too_soon = runner.invoke(args=["documents", "purge", "--as-of", date.today().isoformat()])
    assert too_soon.output.startswith("0 documents") and len(stored_files(app)) == 1
    later = (date.today() + timedelta(days=181)).isoformat()
    result = runner.invoke(args=["documents", "purge", "--as-of", later])
    assert result.output.startswith("1 documents deleted")
    assert stored_files(app) == []
    with app.app_context():
        check = db.session.get(Check, check_id)
        assert check.document_key is None and check.details["certificate_number"] == "001234567890"
        assert audit.events_for()[0].action == "document.purged"
    page = officer.get(f"/officer/checks/{check_id}").get_data(as_text=True)
    assert "under the retention policy" in page
    assert officer.get(f"/checks/{check_id}/document").status_code == 410


def test_a_scan_waiting_for_more_information_is_purged_on_the_same_clock(app, runner, provider_client, officer_client):
    client, _ = provider_client
    add_check(client)
    check_id = _only_check(app).id
    asked = officer_client().post(
        f"/officer/checks/{check_id}/request-info", data={"reason": "Please send page 2.", "version": 1}
    )
    assert asked.status_code == 302 and _only_check(app).status == "info_requested"
    edge = (date.today() + timedelta(days=app.config["DOCUMENT_RETENTION_DAYS"] - 1)).isoformat()
    assert runner.invoke(args=["documents", "purge", "--as-of", edge]).output.startswith("0 documents")
    assert len(stored_files(app)) == 1
    later = (date.today() + timedelta(days=app.config["DOCUMENT_RETENTION_DAYS"] + 1)).isoformat()
    assert runner.invoke(args=["documents", "purge", "--as-of", later]).output.startswith("1 documents deleted")
    assert stored_files(app) == []
    with app.app_context():
        check = db.session.get(Check, check_id)
        assert check.status == "info_requested" and check.document_key is None and check.document_deleted_at


def test_purge_removes_orphan_files_but_not_fresh_uploads(app, runner, provider_client):
    client, _ = provider_client
    add_check(client)
    orphan = os.path.join(app.config["DOCUMENTS_DIR"], "checks", "orphan-from-a-crash")
    with open(orphan, "wb") as handle:
        handle.write(PDF)
    hour_ago = (datetime.now() - timedelta(hours=2)).timestamp()
    os.utime(orphan, (hour_ago, hour_ago))
    result = runner.invoke(args=["documents", "purge"])
    assert "1 orphan files removed" in result.output
    assert not os.path.exists(orphan) and len(stored_files(app)) == 1


def test_a_database_failure_after_the_upload_leaves_no_file(app, make_provider):
    slug = make_provider("pa", name="Dee Evans")
    with app.app_context():
        provider = get_by_slug(slug)
        upload = CheckedUpload(PDF, "application/pdf", len(PDF), "dbs.pdf")
        services.submit_check(provider, "identity", {"document_type": "passport"}, upload)
        assert len(stored_files(app)) == 1
        # A real constraint failure in the same transaction: a second account with the same email.
        from registry.accounts.models import User

        db.session.add(User(email=provider.user.email, password_hash="x", name="Dup", role="recipient"))
        with pytest.raises(IntegrityError, match="(?i)unique"):
            db.session.commit()
        db.session.rollback()
    assert stored_files(app) == [] and check_count(app) == 0


# -- S3, through boto3 against moto's standalone server --------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def _bucket(endpoint, name):
    name = f"{name}-{uuid.uuid4().hex[:8]}"  # the server outlives each test
    boto3.client("s3", region_name="eu-west-2", endpoint_url=endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    return name


def test_s3_store_round_trip(s3_endpoint, aws_credentials):
    bucket = _bucket(s3_endpoint, "round-trip")
    store = S3DocumentStore(bucket, prefix="docs/", region="eu-west-2", endpoint_url=s3_endpoint)
    store.put("checks/a", PDF, "application/pdf")
    assert store.exists("checks/a") and not store.exists("checks/b")
    assert b"".join(store.open("checks/a")) == PDF
    assert [key for key, _ in store.keys()] == ["checks/a"]
    head = store.client.head_object(Bucket=bucket, Key="docs/checks/a")
    assert head["ServerSideEncryption"] == "AES256" and head["ContentType"] == "application/pdf"
    store.delete("checks/a")
    assert not store.exists("checks/a")
    with pytest.raises(StorageError, match="no longer stored"):
        store.open("checks/a")


def test_an_upload_to_a_missing_bucket_is_a_clear_error_and_leaves_no_row(
    database_url, tmp_path, s3_endpoint, aws_credentials, make_provider, app
):
    make_provider("pa", name="Bo Singh", email="bo@example.com")
    s3_app = make_app(
        database_url,
        tmp_path,
        DOCUMENT_STORAGE="s3",
        S3_BUCKET="no-such-bucket",
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="eu-west-2",
    )
    client = s3_app.test_client()
    client.post("/account/sign-in", data={"email": "bo@example.com", "password": PASSWORD})
    response = add_check(client)
    assert response.status_code == 422
    assert "The document store bucket &#39;no-such-bucket&#39; does not exist" in response.get_data(as_text=True)
    assert check_count(app) == 0
    with s3_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_checks_upload_to_s3_when_configured(database_url, tmp_path, s3_endpoint, aws_credentials, make_provider, app):
    bucket = _bucket(s3_endpoint, "registry-docs")
    make_provider("pa", name="Al Patel", email="al@example.com")
    s3_app = make_app(
        database_url,
        tmp_path,
        DOCUMENT_STORAGE="s3",
        S3_BUCKET=bucket,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="eu-west-2",
    )
    client = s3_app.test_client()
    client.post("/account/sign-in", data={"email": "al@example.com", "password": PASSWORD})
    assert add_check(client).status_code == 302
    check = _only_check(app)
    keys = boto3.client("s3", region_name="eu-west-2", endpoint_url=s3_endpoint).list_objects_v2(Bucket=bucket)[
        "Contents"
    ]
    assert [k["Key"] for k in keys] == [f"documents/{check.document_key}"]
    assert client.get(f"/checks/{check.id}/document").data == PDF
    assert stored_files(app) == []  # nothing on the local disk
    with s3_app.app_context():
        db.session.remove()
        db.engine.dispose()
