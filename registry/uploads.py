"""Checking an uploaded document before it is stored.

The type is decided by the file's first bytes, never by its name or the
browser's label: only PDF, JPEG and PNG are accepted.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zlib
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
LABELS = {"application/pdf": "a PDF", "image/jpeg": "a JPEG image", "image/png": "a PNG image"}
MAX_NAME = 100
READ_CHUNK = 64 * 1024


# PDF features that run code, act on opening, or carry other files: none of
# them belongs in a scanned certificate, and each has carried exploits.
ACTIVE_PDF_NAMES = frozenset(
    {b"JavaScript", b"JS", b"OpenAction", b"AA", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"XFA", b"RichMedia"}
)
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Decompressed bytes looked at per file, so a small "zip bomb" PDF cannot eat the memory.
MAX_PDF_INFLATED = 64 * 1024 * 1024
ACTIVE_PDF_MESSAGE = (
    "This PDF contains scripts, automatic actions or embedded files, which we do not accept. "
    "Scan the paper document, or print the PDF to a new PDF, and upload that."
)


class UploadError(ValueError):
    """The file cannot be accepted; the message is shown next to the field."""


@dataclass(frozen=True)
class CheckedUpload:
    """A vetted upload: its bytes, the type its content shows, and a name fit to display."""

    data: bytes
    content_type: str
    size: int
    display_name: str


def sniff(data: bytes) -> str | None:
    """The allowed content type the bytes start with, or None."""
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def _pdf_names(data: bytes) -> set[bytes]:
    """Every name (``/Name``) in ``data``, with ``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``)."""
    return {
        re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), m.group(1))
        for m in _PDF_NAME.finditer(data)
    }


def pdf_active_content(data: bytes) -> str | None:
    """Why this PDF cannot be accepted, or None when it holds no active content.

    Looks at the file as stored and inside every compressed stream (object
    streams can hide dictionaries there). A stream that will not inflate is
    not a hiding place a viewer would read either, except an object stream,
    which is refused.
    """
    names = _pdf_names(data)
    if b"Encrypt" in names:
        return "This PDF is encrypted or password-protected, so we cannot check it. Upload an unprotected copy."
    budget = MAX_PDF_INFLATED
    for match in _PDF_STREAM.finditer(data):
        header = data[max(0, match.start() - 512) : match.start()]
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            if b"ObjStm" in _pdf_names(header[header.rfind(b"obj") :]):
                return "This PDF is built in a way we cannot check. Print it to a new PDF and upload that."
            continue
        if inflater.unconsumed_tail:
            return "This PDF is too large once unpacked for us to check. Print it to a new PDF and upload that."
        budget -= len(inflated)
        names |= _pdf_names(inflated)
    if names & ACTIVE_PDF_NAMES:
        return ACTIVE_PDF_MESSAGE
    return None


def display_name(filename: str | None) -> str:
    """A short, harmless version of the user's filename, for showing only (never a path)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    # Control and format characters (including bidi overrides that disguise an extension) go;
    # letters from any script stay. Any run of whitespace becomes one space.
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .") or "document"
    if len(name) > MAX_NAME:
        stem, extension = os.path.splitext(name)
        extension = extension if len(extension) <= 10 else ""
        name = stem[: MAX_NAME - len(extension)].rstrip(" .") + extension
    return name


def _size(limit: int) -> str:
    """``10 MB``, ``1.5 MB``, ``512 KB`` or ``900 bytes``."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= scale:
            return f"{limit / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{limit} bytes"


def _read_at_most(file: FileStorage, limit: int) -> bytes:
    """Up to ``limit`` bytes; one ``read`` may return less than asked, so loop."""
    parts, total = [], 0
    while total < limit:
        part = file.stream.read(min(READ_CHUNK, limit - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def check_upload(file: FileStorage | None, max_bytes: int) -> CheckedUpload:
    """Read and vet an uploaded file; raises :class:`UploadError` with a clear message.

    Reads at most ``max_bytes + 1`` bytes, enough to tell the file is too big.
    """
    if file is None or not file.filename:
        raise UploadError("Choose a file to upload.")
    data = _read_at_most(file, max_bytes + 1)
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > max_bytes:
        raise UploadError(f"The file is larger than {_size(max_bytes)}.")
    content_type = sniff(data)
    if content_type is None:
        raise UploadError("Upload a PDF, JPEG or PNG file.")
    # A specific label that contradicts the content is refused; a generic one (octet-stream) is not.
    declared = (file.mimetype or "").lower()
    if declared in LABELS and declared != content_type:
        raise UploadError(f"This file says it is {LABELS[declared]} but its contents are {LABELS[content_type]}.")
    if content_type == "application/pdf" and (problem := pdf_active_content(data)):
        raise UploadError(problem)
    return CheckedUpload(data=data, content_type=content_type, size=len(data), display_name=display_name(file.filename))
