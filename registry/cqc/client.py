"""A client for the parts of the CQC public API the registry asks: one location, and the changes feed.

Every call sends the subscription key and a User-Agent naming the registry,
waits at most ``timeout`` seconds for each step, reads at most
``max_body_bytes`` of an answer, and backs off on 429 (``Retry-After``,
capped; else 1, 2, 4 ... seconds) for up to ``max_attempts`` tries. Anything
it cannot read as a well-formed answer raises :class:`CqcError`: a failure
to ask is never an answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

import requests

from registry.checks.models import CQC_DEREGISTERED, CQC_RATINGS, CQC_REGISTERED


class CqcError(Exception):
    """The CQC API could not be asked, or its answer could not be read; nothing should change."""


class CqcNotFound(CqcError):
    """The CQC has no location with that id."""


@dataclass(frozen=True)
class LocationRecord:
    """What the register says about one location, as the registry keeps it."""

    location_id: str
    name: str
    registration_status: str  # Registered | Deregistered
    registration_date: date | None
    deregistration_date: date | None
    overall_rating: str | None  # None: not yet rated
    rating_date: date | None


def _date(value, what: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise CqcError(f"{what} is not a date")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise CqcError(f"{what} is not a date: {value[:40]!r}") from None


def parse_location(location_id: str, payload) -> LocationRecord:
    """A location answer checked field by field; :class:`CqcError` for anything unexpected."""
    if not isinstance(payload, dict):
        raise CqcError("the location answer is not a JSON object")
    if payload.get("locationId") != location_id:
        raise CqcError(f"asked for {location_id}, the answer is about {str(payload.get('locationId'))[:30]!r}")
    status = payload.get("registrationStatus")
    if status not in (CQC_REGISTERED, CQC_DEREGISTERED):
        raise CqcError(f"unknown registrationStatus {str(status)[:30]!r}")
    rating, rated_on = None, None
    current = payload.get("currentRatings")
    if current is not None:
        overall = current.get("overall") if isinstance(current, dict) else None
        if overall is not None:
            if not isinstance(overall, dict):
                raise CqcError("currentRatings.overall is not an object")
            rating = overall.get("rating")
            if rating not in CQC_RATINGS:
                raise CqcError(f"unknown overall rating {str(rating)[:40]!r}")
            rated_on = _date(overall.get("reportDate") or current.get("reportDate"), "reportDate")
    name = payload.get("name")
    return LocationRecord(
        location_id=location_id,
        name=name[:200] if isinstance(name, str) else "",
        registration_status=status,
        registration_date=_date(payload.get("registrationDate"), "registrationDate"),
        deregistration_date=_date(payload.get("deregistrationDate"), "deregistrationDate"),
        overall_rating=rating,
        rating_date=rated_on,
    )


def api_timestamp(moment: datetime) -> str:
    """A moment as the changes feed takes it: ``2026-12-09T02:00:00Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CqcClient:
    """The CQC public API at ``base_url`` (e.g. ``https://api.service.cqc.org.uk/public/v1``)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        user_agent: str,
        timeout: float = 10.0,
        max_attempts: int = 4,
        max_retry_after: float = 60.0,
        max_body_bytes: int = 1024 * 1024,
        page_size: int = 500,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.max_retry_after = max_retry_after
        self.max_body_bytes = max_body_bytes
        self.page_size = page_size
        self.sleep = sleep
        self.waited = 0.0  # seconds spent backing off, for the sync's summary
        self._session = requests.Session()
        self._session.headers.update(
            {"Ocp-Apim-Subscription-Key": api_key, "User-Agent": user_agent, "Accept": "application/json"}
        )

    def close(self) -> None:
        self._session.close()

    def location(self, location_id: str) -> LocationRecord:
        """The register's entry for one location."""
        return parse_location(location_id, self._get(f"/locations/{location_id}"))

    def changed_locations(self, start: datetime, end: datetime) -> Iterator[str]:
        """Every location id the register changed between ``start`` and ``end``, page by page."""
        page, pages = 1, 1
        while page <= pages:
            answer = self._get(
                "/changes/location",
                {
                    "startTimestamp": api_timestamp(start),
                    "endTimestamp": api_timestamp(end),
                    "page": page,
                    "perPage": self.page_size,
                },
            )
            changes = answer.get("changes") if isinstance(answer, dict) else None
            total_pages = answer.get("totalPages") if isinstance(answer, dict) else None
            if not isinstance(changes, list) or not isinstance(total_pages, int) or isinstance(total_pages, bool):
                raise CqcError("the changes answer lacks changes or totalPages")
            for location_id in changes:
                if not isinstance(location_id, str):
                    raise CqcError("the changes answer lists something that is not a location id")
                yield location_id
            pages = min(total_pages, 10_000)  # a runaway page count must not loop for ever
            page += 1

    def _get(self, path: str, params: dict | None = None):
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._session.get(
                    self.base_url + path, params=params, timeout=self.timeout, stream=True, allow_redirects=False
                )
            except requests.RequestException as error:
                raise CqcError(f"could not reach the CQC API: {type(error).__name__}") from None
            with response:
                if response.status_code == 429 and attempt < self.max_attempts:
                    wait = self._retry_after(response.headers.get("Retry-After"), attempt)
                    self.waited += wait
                    self.sleep(wait)
                    continue
                if response.status_code == 404 and path.startswith("/locations/"):
                    raise CqcNotFound(f"the CQC has no location {path.rsplit('/', 1)[-1]}")
                if response.status_code != 200:
                    raise CqcError(f"the CQC API answered {response.status_code}")
                body = self._read(response)
            try:
                return json.loads(body)
            except ValueError:
                raise CqcError("the CQC API's answer is not JSON") from None
        raise CqcError("the CQC API kept answering 429")  # pragma: no cover (the loop returns or raises)

    def _read(self, response: requests.Response) -> bytes:
        """The body, refusing one larger than ``max_body_bytes`` without reading the rest."""
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise CqcError(f"the CQC API's answer is too large ({declared} bytes)")
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise CqcError(f"the CQC API's answer is larger than {self.max_body_bytes} bytes")
                chunks.append(chunk)
        except requests.RequestException as error:
            raise CqcError(f"the CQC API's answer broke off: {type(error).__name__}") from None
        return b"".join(chunks)

    def _retry_after(self, header: str | None, attempt: int) -> float:
        """Seconds to wait before the next try: the server's ``Retry-After`` (seconds), else doubling from 1."""
        if header is not None and header.strip().isdigit():
            return min(float(header.strip()), self.max_retry_after)
        return min(2.0 ** (attempt - 1), self.max_retry_after)
