"""Checking an uploaded document before it is stored.

The type is decided by the file's first bytes, never by its name or the
browser's label: only PDF, JPEG and PNG are accepted.
"""

from __future__ import annotations

import os
import re
import unicodedata
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
    return CheckedUpload(data=data, content_type=content_type, size=len(data), display_name=display_name(file.filename))
