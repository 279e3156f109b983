"""Open Referral feed benchmark: a council harvesting /openreferral/services over HTTP, as it would meet it.

    .venv/bin/python bench/openreferral_bench.py                        # N = 10,000, SQLite
    .venv/bin/python bench/openreferral_bench.py --providers 100000 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_feed

It migrates a fresh database (SQLite in a temporary folder by default; the
PostgreSQL database given is emptied first: use your own), bulk-inserts N
listed providers over real postcode districts (clustered like real supply,
as in bench/search_bench.py) with 1 to 4 listed services, four approved
checks and one or two languages each, starts the shipped gunicorn
(deploy/gunicorn.conf.py) on 127.0.0.1, and then, over real HTTP with gzip:

1. probes ``/healthz`` alone for ten seconds (every 0.1 s): the baseline;
2. harvests every service by cursor, following ``Link: rel="next"`` from
   ``per_page=1000``, while the probe goes on: the harvest's time, each
   page's, the bytes received, and ``/healthz`` during it;
3. harvests again sending each page's ETag back (a nightly run when nothing
   changed): each ``304``'s time as a share of its page's ``200``;
4. streams ``format=ndjson`` to the end, while the probe goes on: time,
   first byte, bytes, and the workers' peak memory (VmHWM).

Every figure is also given as a share (or a multiple) of ``/healthz`` in the
same run. The rate limits are off (testing configuration), so the harvester
is never slowed: the worst case for everyone else. Prints JSON, then a
markdown table ready to paste with the machine, date and load. In-process
CPU figures for the export and the cursor walk: bench/openreferral_export.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.search_bench import WORDS, district_weights  # noqa: E402
from registry.nations import nation_of  # noqa: E402

SEED = 20260412
CHUNK = 5000
LANGUAGE_CODES = ["en", "bsl", "pl", "ur", "pa", "bn", "gu", "ar", "so", "ro", "cy"]
CHECKS = [
    ("identity", {"document_type": "passport"}),
    ("right_to_work", {"document_type": "british_passport"}),
    ("insurance", {"insurer": "Aviva", "cover_pounds": 5000000, "end_date": "2027-06-30"}),
]
# The background check of each provider's nation (README, "Each nation's checks"): four checks each, as before.
BACKGROUND = {
    "england": (
        "dbs",
        {"level": "enhanced", "barred_lists": "adults", "issue_date": "2026-01-12", "update_service": True},
    ),
    "wales": (
        "dbs",
        {"level": "enhanced", "barred_lists": "adults", "issue_date": "2026-01-12", "update_service": True},
    ),
    "scotland": ("pvg", {"workforce": "adults", "scheme_record_date": "2026-01-12"}),
    "northern_ireland": ("accessni", {"level": "enhanced", "barred_lists": "adults", "issue_date": "2026-01-12"}),
}


def _build_app(database_url: str | None, folder: str):
    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db

    url = database_url or "sqlite:///" + os.path.join(folder, "bench.sqlite3")
    if url.startswith("postgresql"):
        from tests.conftest import reset_postgres_schema

        reset_postgres_schema(url)
    app = create_app(
        {
            "REGISTRY_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": os.path.join(folder, "index"),
            "DOCUMENTS_DIR": os.path.join(folder, "documents"),
            "MAIL_OUTBOX_DIR": os.path.join(folder, "outbox"),
            "SERVER_NAME": "registry.bench",
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


def populate(app, n: int, seed: int = SEED) -> int:
    """Insert ``n`` listed providers straight into the tables; returns the number of listed services."""
    from registry.extensions import db

    rng = random.Random(seed)
    names, _, _, weights = district_weights()
    # Not in the Crown Dependencies (JE, GY, IM): no nation's checks apply there, so nobody there is listed.
    weights = np.where([nation_of(name) is None for name in names], 0.0, weights)
    weights = weights / weights.sum()
    districts = np.random.default_rng(seed).choice(len(names), size=n, p=weights)
    now = datetime.now(timezone.utc)
    valid_until = date.today() + timedelta(days=365)
    services_total = 0
    with app.app_context():
        tables = db.metadata.tables
        type_ids = [
            row[0]
            for row in db.session.execute(
                tables["service_types"].select().with_only_columns(tables["service_types"].c.id)
            )
        ]
        # Only services whose requirements the four checks above meet for a PA.
        type_ids = [t for t in type_ids if t in (2, 5, 8, 9, 11)] or type_ids[:1]
        for start in range(0, n, CHUNK):
            ids = range(start + 1, min(n, start + CHUNK) + 1)
            users, providers, services, checks, languages = [], [], [], [], []
            for pid in ids:
                outcode = names[int(districts[pid - 1])]
                users.append(
                    {
                        "id": pid,
                        "email": f"bench{pid}@example.com",
                        "password_hash": "x",
                        "role": "provider",
                        "name": f"Bench {pid}",
                        "active": True,
                        "session_epoch": 0,
                        "created_at": now,
                    }
                )
                providers.append(
                    {
                        "id": pid,
                        "user_id": pid,
                        "kind": "pa",
                        "display_name": f"Bench Provider {pid}",
                        "slug": f"bench-{pid}",
                        "about": " ".join(rng.choices(WORDS, k=25)),
                        "base_postcode": outcode,
                        "outcode": outcode,
                        "nation": nation_of(outcode),
                        "travel_radius_miles": rng.choice([3, 5, 8, 10, 15, 20]),
                        "rate_min_pence": rng.randrange(1200, 3000, 50),
                        "rate_max_pence": 3000,
                        "availability": rng.getrandbits(28),
                        "status": "listed",
                        "created_at": now,
                        "updated_at": now,
                        "submitted_at": now,
                    }
                )
                for type_id in sorted(rng.sample(type_ids, rng.choice([1, 1, 2, 2, 3, 4]))):
                    services.append({"provider_id": pid, "service_type_id": type_id, "listed": True})
                background = [BACKGROUND[nation_of(outcode)]] if nation_of(outcode) in BACKGROUND else []
                for kind, details in CHECKS + background:
                    checks.append(
                        {
                            "provider_id": pid,
                            "kind": kind,
                            "status": "approved",
                            "details": details,
                            "submitted_at": now,
                            "document_name": "",
                            "document_type": "",
                            "document_size": 0,
                            "decided_at": now,
                            "verification_method": "in_person",
                            "valid_until": valid_until,
                            "version": 1,
                        }
                    )
                for code in sorted(set(rng.choices(LANGUAGE_CODES, k=2))):
                    languages.append({"provider_id": pid, "language": code})
            for table, rows in (
                ("users", users),
                ("providers", providers),
                ("provider_services", services),
                ("checks", checks),
                ("provider_languages", languages),
            ):
                db.session.execute(tables[table].insert(), rows)
            db.session.commit()
            services_total += len(services)
        if db.engine.dialect.name == "postgresql":
            for table in ("users", "providers", "checks"):
                db.session.execute(
                    db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
    return services_total


def _rss_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Start the peak-RSS (VmHWM) count again from the current RSS (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1)))] if ordered else float("nan")


def _summary(values: list[float]) -> dict:
    return {
        "probes": len(values),
        "p50_ms": round(_percentile(values, 0.5) * 1000, 2),
        "p95_ms": round(_percentile(values, 0.95) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2) if values else None,
    }


class Probe:
    """GET /healthz every ``every`` seconds on its own thread, keeping each latency, while the block runs."""

    def __init__(self, base: str, every: float = 0.1):
        self.base, self.every, self.timings = base, every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            t0 = time.perf_counter()
            urllib.request.urlopen(self.base + "/healthz", timeout=30).read()
            self.timings.append(time.perf_counter() - t0)
            self._stop.wait(self.every)

    def __enter__(self) -> "Probe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes, float]:
    """One GET asking for gzip: status, headers, the body as received (compressed) and the seconds it took."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **(headers or {})})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            body = response.read()
            return response.status, dict(response.headers), body, time.perf_counter() - t0
    except urllib.error.HTTPError as error:  # 304 arrives as an HTTPError
        error.read()
        return error.code, dict(error.headers), b"", time.perf_counter() - t0


def harvest(base: str, per_page: int) -> dict:
    """Every service by cursor, following Link rel="next" as a client would; keeps each page's URL and ETag."""
    url = f"{base}/openreferral/services?per_page={per_page}"
    pages, times, received, items = [], [], 0, 0
    started = time.perf_counter()
    while url:
        status, headers, body, seconds = _get(url)
        assert status == 200, (status, url)
        plain = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
        items += json.loads(plain)["size"]
        received += len(body)
        times.append(seconds)
        pages.append((url, headers.get("ETag", "")))
        found = re.search(r'<([^>]+)>; rel="next"', headers.get("Link", ""))
        url = found.group(1) if found else None
    return {
        "pages": len(pages),
        "services": items,
        "seconds": round(time.perf_counter() - started, 1),
        "page_ms_p50": round(statistics.median(times) * 1000, 1),
        "page_ms_p95": round(_percentile(times, 0.95) * 1000, 1),
        "first_page_ms": round(times[0] * 1000, 1),
        "megabytes_received": round(received / 1e6, 1),
        "_pages": pages,
        "_times": times,
    }


def conditional(pages: list[tuple[str, str]], times_200: list[float]) -> dict:
    """The same pages again, each with its ETag: every answer should be a 304 with no body."""
    times, statuses = [], Counter()
    started = time.perf_counter()
    for url, etag in pages:
        status, _, body, seconds = _get(url, {"If-None-Match": etag})
        statuses[status] += 1
        times.append(seconds)
    shares = [t304 / t200 for t304, t200 in zip(times, times_200, strict=True)]
    return {
        "statuses": dict(statuses),
        "seconds": round(time.perf_counter() - started, 2),
        "ms_p50": round(statistics.median(times) * 1000, 2),
        "ms_p95": round(_percentile(times, 0.95) * 1000, 2),
        "share_of_its_200_p50": round(statistics.median(shares), 4),
    }


def export(base: str) -> dict:
    """format=ndjson to the end, gzip, counting lines as they arrive (the body is never held whole)."""
    request = urllib.request.Request(f"{base}/openreferral/services?format=ndjson", headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    first_byte, received, lines = None, 0, 0
    with urllib.request.urlopen(request, timeout=600) as response:
        inflate = (
            zlib.decompressobj(16 + zlib.MAX_WBITS) if response.headers.get("Content-Encoding") == "gzip" else None
        )
        while chunk := response.read(1 << 16):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            received += len(chunk)
            lines += (inflate.decompress(chunk) if inflate else chunk).count(b"\n")
        encoding = response.headers.get("Content-Encoding", "identity")
    return {
        "services": lines,
        "seconds": round(time.perf_counter() - started, 1),
        "first_byte_ms": round((first_byte or 0) * 1000, 1),
        "megabytes_received": round(received / 1e6, 1),
        "content_encoding": encoding,
    }


def _workers(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _status_mb(pid: int, field: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> dict:
    from bench.http_load import load_average, machine, serving

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=1000)
    parser.add_argument("--database", help="PostgreSQL URL of a database of your own (emptied); default SQLite")
    args = parser.parse_args(argv)
    load_start, started_at = load_average(), datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(args.database or os.environ.get("DATABASE_URL"), folder)
        t0 = time.perf_counter()
        services = populate(app, args.providers)
        populate_seconds = time.perf_counter() - t0
        env = {
            **os.environ,
            "REGISTRY_ENV": "testing",  # rate limits off: the harvester is not slowed, the worst case for /healthz
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": os.path.join(folder, "index"),
            "MAIL_OUTBOX_DIR": os.path.join(folder, "outbox"),
            "DOCUMENTS_DIR": os.path.join(folder, "documents"),
            "REGISTRY_INSTANCE_PATH": os.path.join(folder, "instance"),
        }
        masters: list[int] = []
        with serving(env, Path(folder), masters) as base:
            _get(f"{base}/openreferral/services?per_page=1")  # each worker's first request is not the bench's
            with Probe(base) as idle:
                time.sleep(10)
            with Probe(base) as during_harvest:
                full = harvest(base, args.per_page)
            again = conditional(full.pop("_pages"), full.pop("_times"))
            workers = _workers(masters[0])
            for pid in workers:  # the peak memory from here on is the export's
                try:
                    Path(f"/proc/{pid}/clear_refs").write_text("5")
                except OSError:
                    pass
            with Probe(base) as during_export:
                ndjson = export(base)
            peak = [m for m in (_status_mb(pid, "VmHWM") for pid in workers) if m is not None]
        assert full["services"] == services, (full["services"], services)
        assert ndjson["services"] == services, (ndjson["services"], services)
        healthz = _summary(idle.timings)
        result = {
            "providers": args.providers,
            "listed_services": services,
            "per_page": args.per_page,
            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
            "machine": machine(),
            "started": f"{started_at:%Y-%m-%d %H:%M} UTC",
            "load_average_start": load_start,
            "load_average_end": load_average(),
            "populate_seconds": round(populate_seconds, 1),
            "healthz_idle": healthz,
            "cursor_harvest": full,
            "healthz_during_harvest": _summary(during_harvest.timings),
            "conditional_harvest": again,
            "ndjson_export": ndjson,
            "healthz_during_export": _summary(during_export.timings),
            "worker_peak_rss_mb_during_export": peak,
        }
    idle_ms = healthz["p50_ms"]
    print(json.dumps(result, indent=2))
    rows = [
        ("`/healthz` alone (a probe every 0.1 s)", f"p50 {idle_ms} ms, p95 {healthz['p95_ms']} ms", "1"),
        (
            f"cursor harvest, `per_page={args.per_page}`, gzip",
            f"{full['pages']} pages, {full['services']:,} services in {full['seconds']} s; "
            f"a page p50 {full['page_ms_p50']} ms, p95 {full['page_ms_p95']} ms; {full['megabytes_received']} MB",
            f"a page p50 = {full['page_ms_p50'] / idle_ms:,.0f} × `/healthz`",
        ),
        (
            "`/healthz` during that harvest",
            "p50 {p50_ms} ms, p95 {p95_ms} ms, max {max_ms} ms ({probes} probes)".format(
                **result["healthz_during_harvest"]
            ),
            f"p50 {result['healthz_during_harvest']['p50_ms'] / idle_ms:.2f} × idle",
        ),
        (
            "the harvest again, each ETag sent back",
            f"{again['statuses']} in {again['seconds']} s; a `304` p50 {again['ms_p50']} ms",
            f"a `304` = {again['share_of_its_200_p50']:.1%} of its `200`, {again['ms_p50'] / idle_ms:.2f} × `/healthz`",
        ),
        (
            "`format=ndjson`, gzip, to the end",
            f"{ndjson['services']:,} services in {ndjson['seconds']} s (first byte {ndjson['first_byte_ms']} ms); "
            f"{ndjson['megabytes_received']} MB; worker peak RSS {max(peak) if peak else '?'} MB",
            "",
        ),
        (
            "`/healthz` during the export",
            "p50 {p50_ms} ms, p95 {p95_ms} ms, max {max_ms} ms ({probes} probes)".format(
                **result["healthz_during_export"]
            ),
            f"p50 {result['healthz_during_export']['p50_ms'] / idle_ms:.2f} × idle",
        ),
    ]
    print(
        f"\n{args.providers:,} providers ({services:,} listed services) on {result['database']}; {result['machine']}; "
        f"{result['started']}; load average {load_start} at start, {result['load_average_end']} at end\n"
    )
    print("| what | figure | against `/healthz` |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return result


if __name__ == "__main__":
    main()
