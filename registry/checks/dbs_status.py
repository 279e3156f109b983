"""A client for the DBS Update Service status-check interface, as the DBS runs it.

``GET {base}/crsc/api/status/{certificate number}`` with ``dateOfBirth``
(DD/MM/YYYY), ``surname``, ``hasAgreedTermsAndConditions=true``,
``organisationName``, ``employeeForename`` and ``employeeSurname``. The
answer is XML::

    <statusCheckResult>
      <statusCheckResultType>SUCCESS</statusCheckResultType>
      <status>BLANK_NO_NEW_INFO</status>
      <forename>TAYLOR</forename><surname>SMITH</surname>
      <printDate>2025-03-05</printDate>
    </statusCheckResult>

Only a well-formed ``SUCCESS`` answer with a known status is an answer.
Anything else (no connection, a timeout, a 4xx or 5xx, a ``FAILURE``, a body
that is not that XML, or one too big) raises :class:`StatusCheckError` and is
never taken as a result (DESIGN.md, trust model 9: a failure to ask is never
an answer). No Flask here: the caller passes the settings.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import urllib3
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

# A real answer is a few hundred bytes; anything much bigger is not one.
MAX_ANSWER_BYTES = 16 * 1024

# Every status the interface answers with. What each does to a check is decided in
# registry.checks.status_checks.OUTCOMES, one row per status.
STATUSES = ("BLANK_NO_NEW_INFO", "NON_BLANK_NO_NEW_INFO", "NEW_INFO", "NO_MATCH_FOUND")


class StatusCheckError(Exception):
    """The status check could not be made or its answer could not be read: not a result."""


class TransportError(StatusCheckError):
    """The service could not be reached, was too slow, or failed (5xx): try again later, with backoff."""


@dataclass(frozen=True)
class StatusAnswer:
    status: str  # one of STATUSES
    forename: str
    surname: str
    print_date: str


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    organisation: str
    timeout_seconds: float = 10.0
    tls_ciphers: str = ""  # e.g. "DEFAULT:@SECLEVEL=1" for the live service


_POOLS: dict[tuple[str, float], urllib3.PoolManager] = {}


def _pool(settings: ClientSettings) -> urllib3.PoolManager:
    """One connection pool per TLS setting and timeout, kept for the process."""
    key = (settings.tls_ciphers, settings.timeout_seconds)
    if key not in _POOLS:
        context = ssl.create_default_context()
        if settings.tls_ciphers:
            context.set_ciphers(settings.tls_ciphers)
        _POOLS[key] = urllib3.PoolManager(
            num_pools=2,
            maxsize=2,
            ssl_context=context,
            timeout=urllib3.Timeout(connect=settings.timeout_seconds, read=settings.timeout_seconds),
            retries=False,  # the worker decides when to try again (with backoff), never the client
        )
    return _POOLS[key]


def status_url(base_url: str, certificate_number: str) -> str:
    return f"{base_url.rstrip('/')}/crsc/api/status/{quote(certificate_number, safe='')}"


def check_status(
    settings: ClientSettings,
    certificate_number: str,
    surname: str,
    date_of_birth: date,
    employee_forename: str,
    employee_surname: str,
) -> StatusAnswer:
    """Ask the Update Service about one certificate; raise StatusCheckError unless it answered."""
    fields = {
        "dateOfBirth": date_of_birth.strftime("%d/%m/%Y"),
        "surname": surname,
        "hasAgreedTermsAndConditions": "true",
        "organisationName": settings.organisation,
        "employeeForename": employee_forename,
        "employeeSurname": employee_surname,
    }
    deadline = time.monotonic() + 2 * settings.timeout_seconds  # the whole answer, not each read
    try:
        response = _pool(settings).request(
            "GET",
            status_url(settings.base_url, certificate_number),
            fields=fields,
            headers={"Accept": "application/xml"},
            preload_content=False,
            redirect=False,
        )
    except urllib3.exceptions.HTTPError as error:
        raise TransportError(f"could not reach the Update Service: {type(error).__name__}") from None
    complete = False
    try:
        if response.status >= 500:
            raise TransportError(f"the Update Service answered HTTP {response.status}")
        if response.status != 200:
            raise StatusCheckError(f"the Update Service answered HTTP {response.status}")
        body = bytearray()
        try:
            for chunk in response.stream(4096):
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise StatusCheckError(f"the answer was larger than {MAX_ANSWER_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise TransportError("the answer took too long")
        except urllib3.exceptions.HTTPError as error:
            raise TransportError(f"the answer was cut off: {type(error).__name__}") from None
        complete = True
    finally:
        if complete:
            response.release_conn()
        else:  # never hand a connection with an unread (huge or late) answer back to the pool
            response.close()
    return parse_answer(bytes(body))


def _text(root, name: str) -> str:
    element = root.find(name)
    return (element.text or "").strip() if element is not None else ""


def parse_answer(body: bytes) -> StatusAnswer:
    """Read a ``statusCheckResult``; raise StatusCheckError for anything but a SUCCESS with a known status."""
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise StatusCheckError(f"the answer was not readable XML: {type(error).__name__}") from None
    if root.tag != "statusCheckResult":
        raise StatusCheckError(f"the answer was <{root.tag[:40]}>, not <statusCheckResult>")
    kind = _text(root, "statusCheckResultType")
    if kind != "SUCCESS":
        raise StatusCheckError(f"the Update Service reported {kind[:40] or 'no result type'}")
    status = _text(root, "status")
    if status not in STATUSES:
        raise StatusCheckError(f"unknown status {status[:40]!r}")
    return StatusAnswer(
        status, _text(root, "forename")[:60], _text(root, "surname")[:60], _text(root, "printDate")[:20]
    )
