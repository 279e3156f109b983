"""Providers add checks: structured fields plus a document vetted by content."""

import pytest
from sqlalchemy import select

from registry.checks.models import Check
from registry.extensions import db
from tests.checks.conftest import EXE, JPEG, PDF, PNG, add_check, check_count, stored_files, upload


def test_a_dbs_check_is_stored_waiting_for_review(app, provider_client):
    client, _ = provider_client
    response = add_check(client)
    assert response.status_code == 302
    with app.app_context():
        check = db.session.scalar(select(Check))
        assert (check.kind, check.status) == ("dbs", "pending")
        assert check.details["certificate_number"] == "001234567890"
        assert check.details["update_service"] is True
        assert check.document_type == "application/pdf" and check.document_name == "dbs.pdf"
        assert check.document_key.startswith("checks/") and "dbs" not in check.document_key
    assert len(stored_files(app)) == 1
    page = client.get("/dashboard").get_data(as_text=True)
    assert "waiting for an officer to review it" in page


@pytest.mark.parametrize(
    "data, name, content_type",
    [(PNG, "scan.png", "image/png"), (JPEG, "photo.jpg", "image/jpeg"), (PDF, "x.pdf", "application/octet-stream")],
)
def test_pdf_jpeg_and_png_are_accepted_by_content(app, provider_client, data, name, content_type):
    client, _ = provider_client
    assert add_check(client, file=upload(data, name, content_type)).status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(Check.document_type))
            == {b"\x89": "image/png", b"\xff": "image/jpeg", b"%P": "application/pdf"}[
                data[:2] if data[:2] == b"%P" else data[:1]
            ]
        )


@pytest.mark.parametrize(
    "file, message",
    [
        ((EXE, "invoice.pdf", "application/pdf"), "Upload a PDF, JPEG or PNG file."),
        ((b"", "empty.pdf", "application/pdf"), "The file is empty."),
        ((b"just some text", "notes.pdf", "text/plain"), "Upload a PDF, JPEG or PNG file."),
        ((PDF, "dbs.png", "image/png"), "This file says it is a PNG image but its contents are a PDF."),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(app, provider_client, file, message):
    client, _ = provider_client
    response = add_check(client, file=upload(*file))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert check_count(app) == 0 and stored_files(app) == []


def test_a_missing_file_is_refused(app, provider_client):
    client, _ = provider_client
    data = {
        "level": "enhanced",
        "barred_lists": "adults",
        "certificate_number": "001234567890",
        "issue_date": "2026-02-01",
    }
    response = client.post("/dashboard/checks/new?kind=dbs", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file to upload." in response.get_data(as_text=True)
    assert check_count(app) == 0


@pytest.mark.parametrize("app_config", [{"MAX_UPLOAD_BYTES": 1024}])
def test_an_oversized_file_is_refused(app, provider_client):
    client, _ = provider_client
    response = add_check(client, file=upload(PDF + b"0" * 2048, "big.pdf"))
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    assert check_count(app) == 0 and stored_files(app) == []


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\windows\\dbs.pdf", "Zoë’s DBS 証明.pdf"])
def test_the_users_filename_never_becomes_a_path(app, provider_client, name):
    client, _ = provider_client
    assert add_check(client, file=upload(PDF, name)).status_code == 302
    [path] = stored_files(app)
    assert path.startswith(app.config["DOCUMENTS_DIR"])
    assert "passwd" not in path and "windows" not in path and "Zo" not in path
    with app.app_context():
        shown = db.session.scalar(select(Check.document_name))
        assert "/" not in shown and "\\" not in shown and ".." not in shown.split("passwd")[0]


@pytest.mark.parametrize(
    "kind, fields, field, message",
    [
        ("dbs", {"certificate_number": "12345"}, "certificate_number", "exactly 12 digits"),
        ("dbs", {"certificate_number": "abcdefghijkl"}, "certificate_number", "exactly 12 digits"),
        ("dbs", {"issue_date": "2099-01-01"}, "issue_date", "cannot be in the future"),
        ("dbs", {"issue_date": "not a date"}, "issue_date", "Not a valid date value"),
        (
            "dbs",
            {"level": "basic", "barred_lists": "adults"},
            "barred_lists",
            "Only enhanced checks include the barred lists",
        ),
        ("dbs", {"update_service_id": ""}, "update_service_id", "Enter the subscription ID"),
        (
            "insurance",
            {"insurer": "Aviva", "policy_number": "P1", "cover_pounds": "1000000", "end_date": "2020-01-01"},
            "end_date",
            "already passed",
        ),
        (
            "insurance",
            {"insurer": "", "policy_number": "P1", "cover_pounds": "1000000", "end_date": "2099-01-01"},
            "insurer",
            "Enter the insurer",
        ),
        (
            "food_hygiene",
            {"rating": "7", "inspected_on": "2026-01-01", "local_authority": "Leeds"},
            "rating",
            "from 0 to 5",
        ),
        ("cqc", {"registration_id": "CQC123"}, "registration_id", "looks like 1-101234567"),
    ],
)
def test_bad_fields_are_refused_next_to_the_field(app, provider_client, kind, fields, field, message):
    from tests.checks.conftest import DBS_FIELDS

    client, _ = provider_client
    data = {**DBS_FIELDS, **fields} if kind == "dbs" else fields
    response = add_check(client, kind=kind, fields=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page
    assert check_count(app) == 0 and stored_files(app) == []


def test_an_unknown_kind_offers_the_list_of_kinds(provider_client):
    client, _ = provider_client
    page = client.get("/dashboard/checks/new?kind=tarot").get_data(as_text=True)
    assert "DBS check" in page and "Public liability insurance" in page
