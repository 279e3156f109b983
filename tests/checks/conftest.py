import io

import pytest
from sqlalchemy import func, select

from registry.checks.models import Check
from registry.extensions import db
from tests import pdfs
from tests.conftest import signed_in

# Minimal but real files: what the sniffing recognises by content (the PDF reads without repairs).
PDF = pdfs.document()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64

DBS_FIELDS = {
    "level": "enhanced",
    "barred_lists": "adults",
    "certificate_number": "0012 3456 7890",
    "issue_date": "2026-02-01",
    "update_service": "y",
    "update_service_id": "C1234567",
}


def upload(data=PDF, name="dbs.pdf", content_type="application/pdf"):
    return (io.BytesIO(data), name, content_type)


def add_check(client, kind="dbs", fields=None, file=None, replaces=None):
    data = dict(DBS_FIELDS if kind == "dbs" and fields is None else (fields or {}))
    data["document"] = file if file is not None else upload()
    url = f"/dashboard/checks/new?kind={kind}" + (f"&replaces={replaces}" if replaces else "")
    return client.post(url, data=data, content_type="multipart/form-data")


def check_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Check))


def stored_files(app) -> list:
    import os

    root = app.config["DOCUMENTS_DIR"]
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


@pytest.fixture
def provider_client(app, make_provider):
    """A signed-in PA with a complete, submitted profile; returns (client, slug)."""
    slug = make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    return signed_in(app, "pat@example.com"), slug


@pytest.fixture
def officer_client(app, make_user):
    def _make(email=None):
        email = make_user("officer", email=email, name=f"Officer {email or ''}".strip())
        return signed_in(app, email)

    return _make
