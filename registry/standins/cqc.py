"""A stand-in for the CQC public API (https://api.service.cqc.org.uk/public/v1).

The same paths, parameters and JSON shapes as the parts the registry uses:

* ``GET /public/v1/locations/{locationId}``: ``locationId``, ``providerId``,
  ``name``, ``type``, ``registrationStatus`` (``Registered`` or
  ``Deregistered``), ``registrationDate``, ``deregistrationDate`` (when
  deregistered) and ``currentRatings.overall`` (``rating``: ``Outstanding``,
  ``Good``, ``Requires improvement`` or ``Inadequate``, and ``reportDate``);
  no ``currentRatings`` while the location is not yet rated. 404 for an
  unknown location.
* ``GET /public/v1/changes/location?startTimestamp=…&endTimestamp=…&page=…&perPage=…``:
  the ids of locations changed in that window, paged (``total``, ``page``,
  ``perPage``, ``totalPages``, ``firstPageUri``, ``nextPageUri``,
  ``previousPageUri``, ``lastPageUri``, ``changes``).

Every API request needs the ``Ocp-Apim-Subscription-Key`` header (401
without it, as the real gateway answers). ``/_standin/...`` is not part of
the CQC API: it lets the demo and tests change a location and line up
faults (a 429 with ``Retry-After``, a 500, a body that is not JSON, a huge
body, a slow answer) that the next requests receive.

Run it with ``python -m registry.standins.cqc --port 5081`` (``--demo``
answers any well-formed location id with a generated location, so every
demo provider's id exists).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PREFIX = "/public/v1"
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")


def _utc_today() -> date:
    return datetime.now(timezone.utc).date()


def demo_location(location_id: str) -> dict | None:
    """A believable location for any ``1-<digits>`` id, the same every time (the ``--demo`` register).

    About one in forty is deregistered and one in eight not yet rated; the
    rest carry a rating spread like the real register's (mostly Good).
    """
    if not location_id.startswith("1-") or not location_id[2:].isdigit():
        return None
    seed = int(hashlib.sha256(location_id.encode()).hexdigest()[:12], 16)
    registered_on = date(2011, 1, 1) + timedelta(days=seed % 4800)
    location = {
        "locationId": location_id,
        "providerId": f"1-{100000000 + seed % 899999999}",
        "name": f"Care location {location_id[2:]}",
        "type": "Social Care Org",
        "registrationStatus": "Registered",
        "registrationDate": registered_on.isoformat(),
    }
    if demo_is_deregistered(location_id):
        location["registrationStatus"] = "Deregistered"
        location["deregistrationDate"] = (_utc_today() - timedelta(days=1 + seed % 20)).isoformat()
        return location
    roll = (seed >> 8) % 40
    if roll < 5:
        return location  # not yet rated: no currentRatings at all
    rating = (
        "Outstanding" if roll < 9 else "Good" if roll < 32 else "Requires improvement" if roll < 38 else "Inadequate"
    )
    report = _utc_today() - timedelta(days=30 + (seed >> 16) % 900)
    location["currentRatings"] = {
        "overall": {"rating": rating, "reportDate": report.isoformat(), "reportLinkId": f"demo-{seed % 10**8}"},
        "reportDate": report.isoformat(),
    }
    return location


def demo_is_deregistered(location_id: str) -> bool:
    """Whether the ``--demo`` register shows this location deregistered (about one in forty)."""
    return int(hashlib.sha256(location_id.encode()).hexdigest()[:12], 16) % 40 == 0


@dataclass
class Fault:
    """One planned misbehaviour: ``status`` (with ``retry_after`` for 429), ``body`` bytes, ``delay`` seconds."""

    status: int = 200
    body: bytes | None = None
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class Register:
    """What the stand-in holds: locations, when each changed, planned faults, and the requests it saw."""

    api_key: str = "standin-key"
    demo: bool = False
    locations: dict[str, dict] = field(default_factory=dict)
    changed_at: dict[str, datetime] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, location: dict, changed_at: datetime | None = None) -> None:
        """Add or replace a location (as CQC's register changing); the changes feed lists it from ``changed_at``."""
        with self.lock:
            self.locations[location["locationId"]] = location
            # The feed's timestamps are whole seconds, as the API's parameters are.
            at = (changed_at or datetime.now(timezone.utc)).replace(microsecond=0)
            self.changed_at[location["locationId"]] = at

    def location(self, location_id: str) -> dict | None:
        with self.lock:
            found = self.locations.get(location_id)
        if found is None and self.demo:
            found = demo_location(location_id)
        return found

    def changed_between(self, start: datetime, end: datetime) -> list[str]:
        with self.lock:
            return sorted(i for i, at in self.changed_at.items() if start <= at <= end)

    def next_fault(self) -> Fault | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None


def location(
    location_id: str,
    status: str = "Registered",
    rating: str | None = "Good",
    report_date: str | None = "2025-03-12",
    name: str | None = None,
    registered_on: str = "2014-06-02",
    deregistered_on: str | None = None,
) -> dict:
    """A location as the API returns it; ``rating=None`` is 'not yet rated' (no ``currentRatings``)."""
    body = {
        "locationId": location_id,
        "providerId": "1-900000001",
        "name": name or f"Location {location_id}",
        "type": "Social Care Org",
        "registrationStatus": status,
        "registrationDate": registered_on,
    }
    if status == "Deregistered":
        body["deregistrationDate"] = deregistered_on or _utc_today().isoformat()
    if rating is not None:
        body["currentRatings"] = {
            "overall": {"rating": rating, "reportDate": report_date, "reportLinkId": "standin"},
            "reportDate": report_date,
        }
    return body


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _timestamp(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _positive(raw: str | None, default: int) -> int | None:
    if raw is None:
        return default
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


class StandinApp:
    """The WSGI application over a :class:`Register`."""

    def __init__(self, register: Register):
        self.register = register

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.path.startswith("/_standin/"):
            return self.control(request)
        with self.register.lock:
            self.register.requests.append(
                {
                    "path": request.path,
                    "args": dict(request.args),
                    "key": request.headers.get("Ocp-Apim-Subscription-Key"),
                    "user_agent": request.headers.get("User-Agent"),
                }
            )
        if request.headers.get("Ocp-Apim-Subscription-Key") != self.register.api_key:
            return _json(
                {
                    "statusCode": 401,
                    "message": "Access denied due to missing subscription key. "
                    "Make sure to include subscription key when making requests to an API.",
                },
                401,
            )
        fault = self.register.next_fault()
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status != 200 or fault.body is not None:
                response = Response(fault.body or b"", status=fault.status, mimetype="application/json")
                if fault.retry_after is not None:
                    response.headers["Retry-After"] = fault.retry_after
                return response
        if request.method != "GET":
            return _json({"statusCode": 405, "message": "Method not allowed"}, 405)
        if request.path.startswith(f"{PREFIX}/locations/"):
            found = self.register.location(request.path[len(f"{PREFIX}/locations/") :])
            if found is None:
                return _json({"statusCode": 404, "message": "Resource not found"}, 404)
            return _json(found)
        if request.path == f"{PREFIX}/changes/location":
            return self.changes(request)
        return _json({"statusCode": 404, "message": "Resource not found"}, 404)

    def changes(self, request: Request) -> Response:
        start, end = _timestamp(request.args.get("startTimestamp")), _timestamp(request.args.get("endTimestamp"))
        page, per_page = _positive(request.args.get("page"), 1), _positive(request.args.get("perPage"), 1000)
        if start is None or end is None or page is None or per_page is None or end < start:
            return _json({"statusCode": 400, "message": "Invalid startTimestamp, endTimestamp, page or perPage"}, 400)
        ids = self.register.changed_between(start, end)
        pages = max(1, math.ceil(len(ids) / per_page))
        window = {"startTimestamp": request.args["startTimestamp"], "endTimestamp": request.args["endTimestamp"]}

        def uri(number: int) -> str:
            return f"/changes/location?{urlencode({**window, 'page': number, 'perPage': per_page})}"

        return _json(
            {
                "total": len(ids),
                "page": page,
                "perPage": per_page,
                "totalPages": pages,
                "firstPageUri": uri(1),
                "previousPageUri": uri(page - 1) if page > 1 else None,
                "nextPageUri": uri(page + 1) if page < pages else None,
                "lastPageUri": uri(pages),
                **window,
                "changes": ids[(page - 1) * per_page : page * per_page],
            }
        )

    def control(self, request: Request) -> Response:
        """``POST /_standin/locations`` (a location's JSON) and ``POST /_standin/faults`` (a list of faults)."""
        if request.method != "POST":
            return _json({"locations": sorted(self.register.locations)})
        payload = request.get_json(silent=True)
        if request.path == "/_standin/locations" and isinstance(payload, dict) and payload.get("locationId"):
            self.register.put(payload)
            return _json({"ok": True})
        if request.path == "/_standin/faults" and isinstance(payload, list):
            with self.register.lock:
                self.register.faults.extend(
                    Fault(
                        status=int(f.get("status", 200)),
                        body=f["body"].encode() if f.get("body") is not None else None,
                        retry_after=f.get("retry_after"),
                        delay=float(f.get("delay", 0)),
                    )
                    for f in payload
                )
            return _json({"ok": True})
        return _json({"statusCode": 400, "message": "Bad control request"}, 400)


class StandinServer:
    """The stand-in on a real port, served from a background thread: ``with StandinServer() as cqc: cqc.url``."""

    def __init__(self, register: Register | None = None, host: str = "127.0.0.1", port: int = 0):
        self.register = register or Register()
        self._server = make_server(host, port, StandinApp(self.register), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The API's base URL, as ``CQC_API_URL`` takes it."""
        return f"http://{self._server.host}:{self._server.port}{PREFIX}"

    def __enter__(self) -> StandinServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5081)
    parser.add_argument("--key", default="standin-key", help="the subscription key it accepts")
    parser.add_argument("--demo", action="store_true", help="answer any 1-<digits> id with a generated location")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, StandinApp(Register(api_key=args.key, demo=args.demo)), threaded=True)
    print(f"CQC API stand-in on http://{args.host}:{args.port}{PREFIX} (key {args.key!r})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
