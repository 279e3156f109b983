"""A stand-in for the DBS Update Service status-check interface.

Same path, parameters and XML as the live service: ``GET /crsc/api/status/{certificate number}``
with ``dateOfBirth`` (DD/MM/YYYY), ``surname``, ``hasAgreedTermsAndConditions=true``,
``organisationName``, ``employeeForename`` and ``employeeSurname``; a missing or malformed
parameter gets a ``FAILURE`` answer. It answers by the certificate number's first digit:

====== =====================================================
digit  answer
====== =====================================================
1      ``NO_MATCH_FOUND``
2      ``BLANK_NO_NEW_INFO``
3      ``NON_BLANK_NO_NEW_INFO``
4      ``NEW_INFO``
9      HTTP 500
====== =====================================================

and, for the tests of hostile answers (not the live service's behaviour): 5 a ``FAILURE``,
6 malformed XML, 7 a body of several megabytes, 8 an answer that comes too late (``SLOW_SECONDS``);
0 answers ``BLANK_NO_NEW_INFO``. Every request is counted in ``requests_seen`` (the tests read it).

    python -m registry.standins.dbs --port 8301
"""

from __future__ import annotations

import argparse
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

PATH = re.compile(r"^/crsc/api/status/(\d{12})$")
SLOW_SECONDS = 3.0
REQUIRED = (
    "dateOfBirth",
    "surname",
    "hasAgreedTermsAndConditions",
    "organisationName",
    "employeeForename",
    "employeeSurname",
)
STATUS_BY_DIGIT = {
    "0": "BLANK_NO_NEW_INFO",
    "1": "NO_MATCH_FOUND",
    "2": "BLANK_NO_NEW_INFO",
    "3": "NON_BLANK_NO_NEW_INFO",
    "4": "NEW_INFO",
}


def result_xml(status: str, surname: str) -> str:
    if status == "NO_MATCH_FOUND":  # the live service names nobody when nothing matched
        return (
            "<statusCheckResult><statusCheckResultType>SUCCESS</statusCheckResultType>"
            "<status>NO_MATCH_FOUND</status></statusCheckResult>"
        )
    printed = (datetime.now(timezone.utc).date() - timedelta(days=400)).isoformat()
    return (
        "<statusCheckResult>\n  <statusCheckResultType>SUCCESS</statusCheckResultType>\n"
        f"  <status>{status}</status>\n  <forename>TAYLOR</forename>\n  <surname>{escape(surname.upper())}</surname>\n"
        f'  <printDate class="sql-date">{printed}</printDate>\n</statusCheckResult>'
    )


def failure_xml(message: str) -> str:
    return (
        "<statusCheckResult><statusCheckResultType>FAILURE</statusCheckResultType>"
        f"<errorMessage>{escape(message)}</errorMessage></statusCheckResult>"
    )


class Handler(BaseHTTPRequestHandler):
    server_version = "DBSStandIn/1.0"

    def log_message(self, format, *args):  # quiet: the tests start many
        pass

    def do_GET(self):
        self.server.requests_seen.append(self.path)
        parts = urlsplit(self.path)
        match = PATH.match(parts.path)
        if match is None:
            return self._send(404, "text/plain", "Not found")
        number = match.group(1)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        missing = [name for name in REQUIRED if not query.get(name)]
        if missing:
            return self._send(200, "application/xml", failure_xml(f"missing {', '.join(missing)}"))
        if query["hasAgreedTermsAndConditions"] != "true":
            return self._send(200, "application/xml", failure_xml("terms and conditions not agreed"))
        if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", query["dateOfBirth"]):
            return self._send(200, "application/xml", failure_xml("dateOfBirth must be DD/MM/YYYY"))
        digit = number[0]
        if digit == "9":
            return self._send(500, "text/html", "<html><body>Internal Server Error</body></html>")
        if digit == "5":
            return self._send(200, "application/xml", failure_xml("service unavailable"))
        if digit == "6":
            return self._send(200, "application/xml", "<statusCheckResult><status>BLANK_NO_NEW_INFO</sta")
        if digit == "7":
            return self._send(200, "application/xml", "<statusCheckResult>" + "x" * (4 * 1024 * 1024))
        if digit == "8":
            time.sleep(SLOW_SECONDS)
            return self._send(200, "application/xml", result_xml("BLANK_NO_NEW_INFO", query["surname"]))
        return self._send(200, "application/xml", result_xml(STATUS_BY_DIGIT[digit], query["surname"]))

    def _send(self, code: int, content_type: str, body: str):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on a huge or slow answer
            pass


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address):
        super().__init__(address, Handler)
        self.requests_seen: list[str] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start(host: str = "127.0.0.1", port: int = 0) -> StandInServer:
    """Serve in a background thread; ``server.shutdown()`` stops it."""
    server = StandInServer((host, port))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8301)
    args = parser.parse_args()
    server = StandInServer((args.host, args.port))
    print(f"DBS Update Service stand-in on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
