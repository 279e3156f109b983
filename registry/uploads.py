"""Checking an uploaded document before it is stored.

The type is decided by the file's first bytes, never by its name or the
browser's label: only PDF, JPEG and PNG are accepted.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass

import pikepdf
import pikepdf.settings
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


# PDF features that run code, act on opening, send or fetch data, or carry other
# files: none of them belongs in a scanned certificate, and each has carried
# exploits. Matched against every name in the file, as a dictionary key or as a
# value (an action's /S, an annotation's /Subtype, a file's /Type).
ACTIVE_PDF_NAMES = frozenset(
    {
        "JS",
        "JavaScript",
        "OpenAction",
        "AA",
        "Launch",
        "SubmitForm",
        "ImportData",
        "GoToE",
        "GoToR",
        "EmbeddedFile",
        "EmbeddedFiles",
        "FileAttachment",
        "RichMedia",
    }
)
# Interactive forms: fields can run scripts and submit data, and XFA is a whole second document format.
FORM_PDF_NAMES = frozenset({"AcroForm", "XFA"})
# Decoded bytes of object streams looked at per file (and the most qpdf decodes
# from any one stream), so a small "zip bomb" PDF cannot eat the memory.
MAX_PDF_INFLATED = 32 * 1024 * 1024
# Keys, values and array items looked at per file, so a PDF of millions of tiny objects cannot tie up a worker.
MAX_PDF_ITEMS = 2_000_000
ACTIVE_PDF_MESSAGE = (
    "This PDF contains scripts, automatic actions or embedded files, which we do not accept. "
    "Scan the paper document, or print the PDF to a new PDF, and upload that."
)
FORM_PDF_MESSAGE = (
    "This PDF is a fillable form, which we do not accept. "
    "Print it to a new PDF (that keeps what was filled in), or scan the paper document, and upload that."
)
ENCRYPTED_PDF_MESSAGE = (
    "This PDF is encrypted or password-protected, so we cannot check it. Upload an unprotected copy."
)
DAMAGED_PDF_MESSAGE = (
    "This PDF is damaged or built in a way we cannot check. Print it to a new PDF, or scan the paper "
    "document, and upload that."
)
LARGE_PDF_MESSAGE = "This PDF is too large once unpacked for us to check. Print it to a new PDF and upload that."

# qpdf's decoders stop at this many bytes of output per stream. The limits are
# process-wide; nothing else in the registry decodes PDF streams.
pikepdf.settings.set_qpdf_limits(
    flate_max_memory=MAX_PDF_INFLATED,
    run_length_max_memory=MAX_PDF_INFLATED,
    png_max_memory=MAX_PDF_INFLATED,
    tiff_max_memory=MAX_PDF_INFLATED,
)

_RAW_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_NAME_BODY = re.compile(rb"[^\s/<>\[\]()%{}]*")
# Outside strings and comments: the start of a name, string, hex string or comment ("<<" opens a dictionary).
_PDF_SYNTAX = re.compile(rb"<<|[/(<%]")
_IN_LITERAL = re.compile(rb"\\.|[()]", re.DOTALL)
_LINE_END = re.compile(rb"[\r\n]")


class _Refused(Exception):
    """Why a PDF is refused; the message is shown to the user."""


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


def _unescape_name(raw: bytes) -> str:
    """A name's text with ``#xx`` escapes decoded (``J#61vaScript`` is ``JavaScript``)."""
    decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return decoded.decode("latin-1")


def _syntax_names(data: bytes) -> set[str]:
    """Every name in PDF object syntax, skipping strings and comments, whose text may say anything."""
    names, at = set(), 0
    while match := _PDF_SYNTAX.search(data, at):
        token, at = match.group(), match.end()
        if token == b"/":
            body = _NAME_BODY.match(data, at)
            names.add(_unescape_name(body.group()))
            at = body.end()
        elif token == b"%":
            end = _LINE_END.search(data, at)
            at = end.end() if end else len(data)
        elif token == b"<":  # a hex string
            end = data.find(b">", at)
            at = end + 1 if end >= 0 else len(data)
        elif token == b"(":  # a literal string: balanced parentheses, backslash escapes
            depth = 1
            while depth and (inner := _IN_LITERAL.search(data, at)):
                at = inner.end()
                depth += {b"(": 1, b")": -1}.get(inner.group(), 0)
            if depth:
                break
    return names


def _judge_name(name: str) -> None:
    if name in FORM_PDF_NAMES:
        raise _Refused(FORM_PDF_MESSAGE)
    if name in ACTIVE_PDF_NAMES:
        raise _Refused(ACTIVE_PDF_MESSAGE)


def _direct_container_or_name(obj) -> bool:
    """Worth looking into: not a number or string (pikepdf hands those over as Python values), nor an
    indirect object, which is looked at on its own."""
    return isinstance(obj, (pikepdf.Name, pikepdf.Array, pikepdf.Dictionary, pikepdf.Stream)) and not obj.is_indirect


class _Inspection:
    """One PDF's walk, with the budgets it spends."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.inflate_budget = MAX_PDF_INFLATED
        self.item_budget = MAX_PDF_ITEMS
        self.unpacked: set[tuple[int, int]] = set()

    def object_stream(self, stream: pikepdf.Stream) -> None:
        """Decode an object stream within the budget and look at every name in it.

        qpdf reads the objects an object stream holds, but only those the
        cross-reference table points to; reading the stream itself also finds
        any left in it for a viewer that rebuilds the table.
        """
        if stream.objgen in self.unpacked:
            return
        self.unpacked.add(stream.objgen)
        try:
            data = stream.read_bytes()
        except pikepdf.DataDecodingError as error:
            raise _Refused(LARGE_PDF_MESSAGE if "memory limit" in str(error) else DAMAGED_PDF_MESSAGE) from error
        self.inflate_budget -= len(data)
        if self.inflate_budget < 0:
            raise _Refused(LARGE_PDF_MESSAGE)
        names = _syntax_names(data)
        names.discard("OpenAction")  # judged below with its value, where a page to open at is harmless
        for name in names:
            _judge_name(name)

    def walk(self, root: pikepdf.Object) -> None:
        """Every key, name and array item inside ``root``, down to (not through) other indirect objects."""
        stack = [root]
        while stack:
            obj = stack.pop()
            self.item_budget -= 1
            if self.item_budget < 0:
                raise _Refused(LARGE_PDF_MESSAGE)
            if isinstance(obj, pikepdf.Name):
                _judge_name(str(obj)[1:])
            elif isinstance(obj, pikepdf.Array):
                stack.extend(item for item in obj if _direct_container_or_name(item))
            elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                items = obj.stream_dict.items() if isinstance(obj, pikepdf.Stream) else obj.items()
                for key, value in items:
                    self.item_budget -= 1
                    # An /OpenAction that is only a page to open at (a destination array) runs nothing.
                    if key != "/OpenAction" or not isinstance(value, pikepdf.Array):
                        _judge_name(key[1:])
                    if _direct_container_or_name(value):
                        stack.append(value)

    def run(self) -> None:
        # Object streams first, within the budget, before qpdf unpacks them all to list every object.
        xref = self.pdf.get_xref_table()
        for number in sorted({entry.obj_stream_number for entry in xref.values() if entry.type == 2}):
            stream = self.pdf.get_object(number, 0)
            if not isinstance(stream, pikepdf.Stream):
                raise _Refused(DAMAGED_PDF_MESSAGE)
            self.object_stream(stream)
        for obj in self.pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.stream_dict.get("/Type") == pikepdf.Name.ObjStm:
                self.object_stream(obj)
            self.walk(obj)
        self.walk(self.pdf.trailer)


def pdf_active_content(data: bytes) -> str | None:
    """Why this PDF cannot be accepted, or None when it holds no active content.

    The file is read by a real PDF parser (qpdf) without repairs: a file it
    would have to repair is refused, since a viewer might repair it another
    way and see something we did not. Every object is looked at, including
    those packed in object streams however their filters are stacked.
    """
    # LZW has no memory limit in qpdf, and qpdf decodes a cross-reference stream as it opens the file.
    if "LZWDecode" in {_unescape_name(m.group(1)) for m in _RAW_PDF_NAME.finditer(data)}:
        return DAMAGED_PDF_MESSAGE
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                return ENCRYPTED_PDF_MESSAGE
            _Inspection(pdf).run()
            if pdf.get_warnings():  # qpdf worked around something: another reader may not
                return DAMAGED_PDF_MESSAGE
    except pikepdf.PasswordError:
        return ENCRYPTED_PDF_MESSAGE
    except _Refused as refused:
        return str(refused)
    except (pikepdf.PikepdfError, RuntimeError, RecursionError):
        # Including a stream qpdf stopped decoding at its limit while opening the file (no object in it can be read).
        return DAMAGED_PDF_MESSAGE
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
