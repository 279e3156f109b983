"""Item 9: PDFs with active content are refused; small request bodies everywhere but the check upload."""

import pikepdf
import pytest
from pikepdf import Dictionary, String

from tests import pdfs
from tests.checks.conftest import PDF, add_check, check_count, provider_client, stored_files, upload  # noqa: F401 (fixtures)

# The case: /OpenAction JavaScript in an object stream with /Filter [/FlateDecode /FlateDecode].
DOUBLY_COMPRESSED_SCRIPT = pdfs.packed(
    {
        **pdfs.PLAIN_OBJECTS,
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        4: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
    },
    flate=2,
)


def _open_action(kind: str, **fields):
    def edit(pdf):
        pdf.Root.OpenAction = pdf.make_indirect(pdfs.action(kind, **fields))

    return edit


ACTIVE = {
    "script in a doubly compressed object stream": DOUBLY_COMPRESSED_SCRIPT,
    "open action": pdfs.document(_open_action("JavaScript", JS=String("app.alert(1)"))),
    "launch": pdfs.document(_open_action("Launch", F=String("calc.exe")), object_streams=True),
    "additional actions": pdfs.document(
        lambda pdf: setattr(pdf.pages[0], "AA", Dictionary(O=pdfs.action("JavaScript", JS=String("1"))))
    ),
    "embedded file": pdfs.document(
        lambda pdf: pdf.attachments.__setitem__("a.exe", pikepdf.AttachedFileSpec(pdf, b"MZ"))
    ),
}


@pytest.mark.parametrize("name", list(ACTIVE))
def test_a_pdf_with_active_content_is_refused_with_a_clear_message(app, provider_client, name):  # noqa: F811
    client, _ = provider_client
    response = add_check(client, file=upload(ACTIVE[name], "dbs.pdf"))
    assert response.status_code == 422
    assert "scripts, automatic actions or embedded files" in response.get_data(as_text=True)
    assert check_count(app) == 0 and stored_files(app) == []


def test_a_fillable_form_is_refused_with_a_way_out(app, provider_client):  # noqa: F811
    client, _ = provider_client
    form = pdfs.document(lambda pdf: setattr(pdf.Root, "AcroForm", Dictionary(Fields=pikepdf.Array())))
    response = add_check(client, file=upload(form, "dbs.pdf"))
    assert response.status_code == 422
    assert "This PDF is a fillable form" in response.get_data(as_text=True)
    assert check_count(app) == 0 and stored_files(app) == []


def test_a_plain_pdf_with_compressed_object_streams_is_accepted(app, provider_client):  # noqa: F811
    client, _ = provider_client
    plain = pdfs.document(pages=3, object_streams=True)
    response = add_check(client, file=upload(plain, "dbs.pdf"))
    assert response.status_code == 302
    assert check_count(app) == 1
    [stored] = stored_files(app)
    with open(stored, "rb") as file:
        assert file.read() == plain


def test_an_encrypted_pdf_is_refused_as_uncheckable(app, provider_client):  # noqa: F811
    client, _ = provider_client
    encrypted = pdfs.document(encryption=pikepdf.Encryption(owner="owner", user=""))
    response = add_check(client, file=upload(encrypted, "dbs.pdf"))
    assert response.status_code == 422 and "encrypted or password-protected" in response.get_data(as_text=True)


def test_a_pdf_that_needs_repairs_is_refused(app, provider_client):  # noqa: F811
    client, _ = provider_client
    no_table = PDF[: PDF.index(b"xref")] + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    response = add_check(client, file=upload(no_table, "dbs.pdf"))
    assert response.status_code == 422 and "This PDF is damaged" in response.get_data(as_text=True)
    assert check_count(app) == 0 and stored_files(app) == []


def test_a_large_body_is_refused_on_an_ordinary_form(app, client):
    response = client.post("/account/sign-in", data={"email": "a@example.com", "password": "x" * (200 * 1024)})
    assert response.status_code == 413


def test_a_file_smuggled_onto_another_form_is_refused(client):
    import io

    response = client.post(
        "/account/sign-up",
        data={"name": "Rosa", "document": (io.BytesIO(PDF + b"0" * (300 * 1024)), "dbs.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_the_check_upload_still_takes_a_document_over_the_ordinary_limit(app, provider_client):  # noqa: F811
    client, _ = provider_client
    # 400 KB: three times the ordinary limit (and under the test client's 500 KB spooling, which leaks a file).
    big = pdfs.padded(400 * 1024)
    response = add_check(client, file=upload(big, "dbs.pdf"))
    assert response.status_code == 302
    assert check_count(app) == 1
