"""Real PDFs for the upload tests, built with pikepdf (qpdf) so they read without repairs.

``document()`` is a plain certificate-like PDF; ``document(edit)`` lets a test add
whatever an attacker would; ``packed()`` writes objects into an object stream by
hand, with as many Flate filters stacked as asked, which pikepdf does not do.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import pikepdf
from pikepdf import Array, Dictionary, Name, String

TEXT = b"BT /F1 14 Tf 72 720 Td (Enhanced DBS certificate 001234567890 - page %d) Tj ET"


def _page(pdf: pikepdf.Pdf, number: int) -> None:
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    page = pikepdf.Page(
        Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, 595, 842]),
            Resources=Dictionary(Font=Dictionary(F1=font)),
            Contents=pdf.make_stream(TEXT % number),
        )
    )
    pdf.pages.append(page)


def document(
    edit: Callable[[pikepdf.Pdf], None] | None = None,
    *,
    pages: int = 1,
    object_streams: bool = False,
    encryption: pikepdf.Encryption | None = None,
) -> bytes:
    """A PDF of ``pages`` pages of text, changed by ``edit`` before it is saved."""
    pdf = pikepdf.new()
    for number in range(1, pages + 1):
        _page(pdf, number)
    if edit is not None:
        edit(pdf)
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(
        out,
        object_stream_mode=mode,
        compress_streams=True,
        deterministic_id=encryption is None,
        encryption=encryption or False,
    )
    return out.getvalue()


def padded(size: int) -> bytes:
    """A valid PDF of exactly ``size`` bytes (the padding is a string in the document information)."""
    padding = 0
    for _ in range(5):

        def pad(pdf, padding=padding):
            pdf.docinfo[Name.Keywords] = String("x" * padding)

        data = document(pad)
        if len(data) == size:
            return data
        padding += size - len(data)
    raise AssertionError(f"cannot build a PDF of {size} bytes")


def action(kind: str, **fields) -> Dictionary:
    """An action dictionary, e.g. ``action("JavaScript", JS=String("app.alert(1)"))``."""
    return Dictionary(Type=Name.Action, S=Name("/" + kind), **fields)


def packed(objects: dict[int, bytes], *, root: int = 1, flate: int = 2, stream_data: bytes | None = None) -> bytes:
    """A PDF 1.5 file with ``objects`` (number -> PDF syntax) all packed in one object stream.

    The object stream is compressed ``flate`` times, with the filters listed
    as ``[/FlateDecode /FlateDecode ...]``; ``stream_data`` replaces its
    (already compressed) contents. A cross-reference stream indexes it all.
    """
    numbers = sorted(objects)
    stream_number, xref_number = max(numbers) + 1, max(numbers) + 2
    header, bodies = b"", b""
    for number in numbers:
        header += b"%d %d " % (number, len(bodies))
        bodies += objects[number] + b"\n"
    header += b"\n"
    data = header + bodies
    for _ in range(flate):
        data = zlib.compress(data)
    data = stream_data if stream_data is not None else data
    filters = b"[" + b" ".join([b"/FlateDecode"] * flate) + b"]"

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    stream_offset = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter %s /Length %d >>\nstream\n" % (
        stream_number,
        len(numbers),
        len(header),
        filters,
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [b"\x00" + b"\x00\x00\x00\x00" + b"\xff\xff"]
    for number in range(1, xref_number + 1):
        if number in objects:
            rows.append(b"\x02" + stream_number.to_bytes(4, "big") + numbers.index(number).to_bytes(2, "big"))
        else:
            offset = stream_offset if number == stream_number else xref_offset
            rows.append(b"\x01" + offset.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Length %d >>\nstream\n" % (
        xref_number,
        xref_number + 1,
        root,
        len(table),
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


# The catalog, page tree and one page of a minimal document, for packed().
PLAIN_OBJECTS = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
}
