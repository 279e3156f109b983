"""Checking an uploaded document before it is stored.

The type is decided by the file's first bytes, never by its name or the
browser's label: only PDF, JPEG and PNG are accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
LABELS = {"application/pdf": "a PDF", "image/jpeg": "a JPEG image", "image/png": "a PNG image"}


class UploadError(ValueError):
    """The file cannot be accepted; the message is shown next to the field."""


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    content_type: str
    size: int
    display_name: str


def sniff(data: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def display_name(filename: str | None) -> str:
    """A short, harmless version of the user's filename, for showing only."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip(" .") or "document"
    return name[-100:]


def check_upload(file: FileStorage | None, max_bytes: int) -> CheckedUpload:
    """Read and vet an uploaded file; raises :class:`UploadError` with a clear message."""
    if file is None or not file.filename:
        raise UploadError("Choose a file to upload.")
    data = file.stream.read(max_bytes + 1)
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > max_bytes:
        raise UploadError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    content_type = sniff(data)
    if content_type is None:
        raise UploadError("Upload a PDF, JPEG or PNG file.")
    declared = (file.mimetype or "").lower()
    if declared in LABELS and declared != content_type:
        raise UploadError(f"This file says it is {LABELS[declared]} but its contents are {LABELS[content_type]}.")
    return CheckedUpload(data=data, content_type=content_type, size=len(data), display_name=display_name(file.filename))
