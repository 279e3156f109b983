"""Uploaded documents are vetted by their content, size-limited, and their names never become paths."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib

import pytest
from werkzeug.datastructures import FileStorage

from registry.storage import LocalDocumentStore, new_key
from registry.uploads import UploadError, check_upload
from tests import pdfs


def _png() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PDF = pdfs.document()
PNG = _png()
# A real 16x16 baseline JFIF image (CPython's imghdr test picture).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQID"
    "BAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/"
    "2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx"
    "4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+"
    "Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolv"
    "w4KOp1KM6iCNvngZHwetf//Z"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
LIMIT = 10 * 1024 * 1024


def upload(data: bytes, name: str = "scan.pdf", content_type: str | None = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


@pytest.mark.parametrize(
    "data, name, declared, sniffed",
    [
        (PDF, "dbs.pdf", "application/pdf", "application/pdf"),
        (JPEG, "passport.jpg", "image/jpeg", "image/jpeg"),
        (PNG, "insurance.png", "image/png", "image/png"),
        # A generic or missing label is fine: the content decides.
        (PDF, "dbs", "application/octet-stream", "application/pdf"),
        (JPEG, "photo.jpeg", None, "image/jpeg"),
        (PNG, "scan.PNG", "image/x-png", "image/png"),
    ],
)
def test_pdf_jpeg_and_png_pass_with_the_type_their_content_shows(data, name, declared, sniffed):
    checked = check_upload(upload(data, name, declared), LIMIT)
    assert (checked.content_type, checked.data, checked.size, checked.display_name) == (sniffed, data, len(data), name)


@pytest.mark.parametrize(
    "data, name, declared",
    [
        (ELF, "x.pdf", "application/pdf"),
        (MZ, "x.pdf", "application/pdf"),
        (MZ, "invoice.pdf", "application/octet-stream"),
        (b"I promise this is my DBS certificate.\n", "dbs.pdf", "text/plain"),
        (ZIP, "documents.zip", "application/zip"),
        (GIF, "photo.png", "image/png"),
        (b" %PDF-1.4 leading space", "dbs.pdf", "application/pdf"),
    ],
)
def test_anything_else_is_refused_whatever_its_name(data, name, declared):
    with pytest.raises(UploadError, match=r"^Upload a PDF, JPEG or PNG file\.$"):
        check_upload(upload(data, name, declared), LIMIT)


@pytest.mark.parametrize(
    "data, declared, message",
    [
        (PNG, "application/pdf", "This file says it is a PDF but its contents are a PNG image."),
        (PDF, "image/jpeg", "This file says it is a JPEG image but its contents are a PDF."),
        (JPEG, "image/png", "This file says it is a PNG image but its contents are a JPEG image."),
    ],
)
def test_a_file_labelled_as_another_allowed_type_is_refused(data, declared, message):
    with pytest.raises(UploadError) as error:
        check_upload(upload(data, "scan", declared), LIMIT)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "file", [None, FileStorage(stream=io.BytesIO(b""), filename="", content_type="application/octet-stream")]
)
def test_no_file_asks_for_one(file):
    with pytest.raises(UploadError, match=r"^Choose a file to upload\.$"):
        check_upload(file, LIMIT)


def test_an_empty_file_is_refused():
    with pytest.raises(UploadError, match=r"^The file is empty\.$"):
        check_upload(upload(b"", "dbs.pdf"), LIMIT)


@pytest.mark.parametrize(
    "limit, shown",
    [(1024, "1 KB"), (1536, "1.5 KB"), (900, "900 bytes"), (5 * 1024 * 1024, "5 MB"), (LIMIT, "10 MB")],
)
def test_an_oversized_file_is_refused_with_the_limit_in_words(limit, shown):
    with pytest.raises(UploadError) as error:
        check_upload(upload(PDF + b"0" * limit), limit)
    assert str(error.value) == f"The file is larger than {shown}."


def test_a_file_of_exactly_the_limit_passes():
    data = pdfs.padded(2048)
    assert check_upload(upload(data), 2048).size == 2048


class EndlessPDF(io.RawIOBase):
    """A stream that never ends, counting what is read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Hand out small pieces: one read() call may return less than asked for.
        size = min(len(buffer), 4096)
        buffer[:size] = (b"%PDF-" + b"0" * size)[:size] if self.served == 0 else b"0" * size
        self.served += size
        return size


def test_a_huge_upload_is_not_read_past_the_limit():
    stream = EndlessPDF()
    with pytest.raises(UploadError, match="larger than 1 MB"):
        check_upload(FileStorage(stream=stream, filename="huge.pdf", content_type="application/pdf"), 1024 * 1024)
    assert stream.served <= 1024 * 1024 + 1 + 4096


@pytest.mark.parametrize(
    "name, shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\dbs.pdf", "dbs.pdf"),
        ("C:\\Users\\Zoë\\Desktop\\DBS.pdf", "DBS.pdf"),
        ("Zoë’s DBS 証明.pdf", "Zoë’s DBS 証明.pdf"),
        ("Zoe\u0308.pdf", "Zoë.pdf"),  # decomposed ë is shown composed
        ("invoice\u202eFDP.exe", "invoiceFDP.exe"),  # a right-to-left override cannot disguise the name
        ("dbs\x00\r\n\tscan .pdf", "dbsscan .pdf"),
        ("my\u2028  certificate.pdf", "my certificate.pdf"),
        ("../..", "document"),
        ("...", "document"),
        (".hidden.pdf", "hidden.pdf"),
    ],
)
def test_the_display_name_is_harmless(name, shown):
    assert check_upload(upload(PDF, name), LIMIT).display_name == shown


def test_a_long_name_is_shortened_but_keeps_its_extension():
    shown = check_upload(upload(PDF, "é" * 300 + ".pdf"), LIMIT).display_name
    assert len(shown) == 100 and shown == "é" * 96 + ".pdf"


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\windows\\dbs.pdf", "Zoë’s DBS 証明.pdf"])
def test_the_filename_never_influences_where_the_file_is_stored(tmp_path, name):
    checked = check_upload(upload(PDF, name), LIMIT)
    store = LocalDocumentStore(str(tmp_path / "documents"))
    key = new_key()
    store.put(key, checked.data, checked.content_type)
    assert re.fullmatch(r"checks/\d{4}/\d{2}/[0-9a-f]{32}", key)
    assert [stored for stored, _ in store.keys()] == [key]
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [f"documents/{key}"]
