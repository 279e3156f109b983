"""Item 9: PDFs with active content are refused; small request bodies everywhere but the check upload."""

import zlib

import pytest

from tests.checks.conftest import PDF, add_check, check_count, provider_client, stored_files, upload  # noqa: F401 (fixtures)


def _with_object_stream(objects: bytes) -> bytes:
    body = zlib.compress(objects)
    return PDF.replace(
        b"trailer",
        b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(body)
        + body
        + b"\nendstream\nendobj\ntrailer",
    )


ACTIVE = {
    "open action": PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
    "escaped name": PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Names<</J#61vaScript 3 0 R>>"),
    "additional actions": PDF.replace(b"/Type/Pages", b"/Type/Pages/AA<</O 3 0 R>>"),
    "launch": PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/Launch/F(calc.exe)>>"),
    "embedded file": PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Names<</EmbeddedFiles 3 0 R>>"),
    "xfa form": PDF.replace(b"/Type/Catalog", b"/Type/Catalog/AcroForm<</XFA 3 0 R>>"),
    "script hidden in a compressed object stream": _with_object_stream(b"3 0 <</S/JavaScript/JS(app.alert(1))>>"),
}


@pytest.mark.parametrize("name", list(ACTIVE))
def test_a_pdf_with_active_content_is_refused_with_a_clear_message(app, provider_client, name):  # noqa: F811
    client, _ = provider_client
    response = add_check(client, file=upload(ACTIVE[name], "dbs.pdf"))
    assert response.status_code == 422
    assert "scripts, automatic actions or embedded files" in response.get_data(as_text=True)
    assert check_count(app) == 0 and stored_files(app) == []


def test_a_plain_pdf_with_a_compressed_page_is_accepted(app, provider_client):  # noqa: F811
    client, _ = provider_client
    response = add_check(client, file=upload(_with_object_stream(b"3 0 <</Type/Page/Parent 2 0 R>>"), "dbs.pdf"))
    assert response.status_code == 302
    assert check_count(app) == 1


def test_an_encrypted_pdf_is_refused_as_uncheckable(app, provider_client):  # noqa: F811
    client, _ = provider_client
    encrypted = PDF.replace(b"trailer<<", b"trailer<</Encrypt 9 0 R")
    response = add_check(client, file=upload(encrypted, "dbs.pdf"))
    assert response.status_code == 422 and "encrypted or password-protected" in response.get_data(as_text=True)


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
    big = PDF + b"%" + b"0" * (400 * 1024) + b"\n"
    response = add_check(client, file=upload(big, "dbs.pdf"))
    assert response.status_code == 302
    assert check_count(app) == 1
