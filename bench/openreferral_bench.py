"""Open Referral feed benchmark: a council's nightly harvest of /openreferral/services.

    .venv/bin/python bench/openreferral_bench.py                        # N = 10,000
    .venv/bin/python bench/openreferral_bench.py --providers 100000 --per-page 1000
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/openreferral_bench.py   # on PostgreSQL (its schema is wiped)

It migrates a fresh database (SQLite in a temporary folder by default),
bulk-inserts N listed providers over real postcode districts (clustered
like real supply, as in bench/search_bench.py) with 1 to 4 listed services,
four approved checks and one or two languages each, then, through the WSGI
app in-process (no network), pages through every service as a harvester
would, and then does it again sending each page's ETag back (the nightly
run when nothing changed: every page a 304); then reads the whole feed as
one streamed ``format=ndjson`` export, with the process's peak RSS during
the export alone (Linux: the high-water mark is reset just before it). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
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


def harvest(client, per_page: int, etags: list[str] | None = None) -> dict:
    """Page through /openreferral/services; with ``etags``, send each page's back."""
    page, items, times, sent, fresh_etags, statuses = 1, 0, [], 0, [], {}
    started = time.perf_counter()
    while True:
        headers = {"If-None-Match": etags[page - 1]} if etags else {}
        t0 = time.perf_counter()
        response = client.get(
            "/openreferral/services", query_string={"page": page, "per_page": per_page}, headers=headers
        )
        times.append(time.perf_counter() - t0)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        sent += len(response.data)
        fresh_etags.append(response.headers.get("ETag", ""))
        if response.status_code == 200:
            body = response.get_json()
            items += body["size"]
            last = body["last_page"]
        else:
            last = page >= len(etags or [])
        if last:
            break
        page += 1
    total = time.perf_counter() - started
    ordered = sorted(times)
    return {
        "pages": page,
        "items": items,
        "statuses": statuses,
        "seconds": round(total, 1),
        "page_ms_p50": round(statistics.median(ordered) * 1000, 1),
        "page_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "megabytes_sent": round(sent / 1e6, 1),
        "etags": fresh_etags,
    }


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


def export(client, gzip: bool = False) -> dict:
    """Read /openreferral/services?format=ndjson as a client would, keeping only counts."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    rss_before = _rss_mb("VmRSS")
    peak_reset = _reset_peak_rss()
    started = time.perf_counter()
    response = client.get("/openreferral/services", query_string={"format": "ndjson"}, headers=headers, buffered=False)
    first_byte, lines, sent, tail = None, 0, 0, b""
    for chunk in response.iter_encoded():
        if first_byte is None and chunk:
            first_byte = time.perf_counter() - started
        sent += len(chunk)
        if not gzip:
            lines += chunk.count(b"\n")
            tail = chunk[-1:] or tail
    response.close()
    seconds = time.perf_counter() - started
    return {
        "status": response.status_code,
        "content_encoding": response.headers.get("Content-Encoding", "identity"),
        "lines": lines if not gzip else None,
        "seconds": round(seconds, 1),
        "first_byte_ms": round((first_byte or 0) * 1000, 1),
        "megabytes_sent": round(sent / 1e6, 1),
        "rss_mb_before": rss_before,
        "peak_rss_mb_during": _rss_mb("VmHWM") if peak_reset else None,
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1)))] if ordered else float("nan")


def _probe(base: str, stop, timings: list[float], every: float = 0.2) -> None:
    """GET /healthz every ``every`` seconds until ``stop`` is set, keeping each latency."""
    import urllib.request

    while not stop.is_set():
        t0 = time.perf_counter()
        urllib.request.urlopen(base + "/healthz", timeout=30).read()
        timings.append(time.perf_counter() - t0)
        stop.wait(every)


def _harvest_over_http(base: str, per_page: int) -> dict:
    """One client paging through the feed as fast as it can, following Link rel="next", asking for gzip."""
    import re
    import urllib.request

    url, pages, sent, statuses = f"{base}/openreferral/services?per_page={per_page}", 0, 0, {}
    started = time.perf_counter()
    while url:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=120) as response:
            sent += len(response.read())
            statuses[response.status] = statuses.get(response.status, 0) + 1
            found = re.search(r'<([^>]+)>; rel="next"', response.headers.get("Link", ""))
        url, pages = (found.group(1) if found else None), pages + 1
    return {
        "pages": pages,
        "seconds": round(time.perf_counter() - started, 1),
        "megabytes_received": round(sent / 1e6, 1),
    }


def healthz_under_harvest(app, folder: str, per_page: int) -> dict:
    """/healthz latency on gunicorn (deploy/gunicorn.conf.py) alone, then while one client harvests at full speed."""
    import threading

    from bench.http_load import serving

    env = {
        **os.environ,
        "REGISTRY_ENV": "testing",  # rate limits off: the harvester is not slowed, the worst case for /healthz
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": os.path.join(folder, "index"),
        "MAIL_OUTBOX_DIR": os.path.join(folder, "outbox"),
        "DOCUMENTS_DIR": os.path.join(folder, "documents"),
        "REGISTRY_INSTANCE_PATH": os.path.join(folder, "instance"),
    }
    with serving(env, Path(folder)) as base:
        idle: list[float] = []
        stop = threading.Event()
        probe = threading.Thread(target=_probe, args=(base, stop, idle))
        probe.start()
        time.sleep(10)
        stop.set()
        probe.join()
        busy: list[float] = []
        stop = threading.Event()
        probe = threading.Thread(target=_probe, args=(base, stop, busy))
        probe.start()
        harvest_result = _harvest_over_http(base, per_page)
        stop.set()
        probe.join()

    def summary(values):
        return {
            "probes": len(values),
            "p50_ms": round(_percentile(values, 0.5) * 1000, 1),
            "p95_ms": round(_percentile(values, 0.95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }

    return {"healthz_idle": summary(idle), "healthz_during_harvest": summary(busy), "harvest_over_http": harvest_result}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=1000)
    parser.add_argument("--only-export", action="store_true", help="skip the paged harvests")
    parser.add_argument(
        "--serve", action="store_true", help="also /healthz latency on gunicorn while one client harvests"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(os.environ.get("DATABASE_URL"), folder)
        t0 = time.perf_counter()
        services = populate(app, args.providers)
        build = time.perf_counter() - t0
        client = app.test_client()
        # Each request gets its own app context and session, as in production.
        if args.only_export:
            full = again = {"items": services}
        else:
            full = harvest(client, args.per_page)
            again = harvest(client, args.per_page, etags=full["etags"])
        assert full["items"] == services, (full["items"], services)
        ndjson = export(client)
        assert ndjson["lines"] == services, (ndjson["lines"], services)
        result = {
            "providers": args.providers,
            "listed_services": services,
            "per_page": args.per_page,
            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
            "populate_seconds": round(build, 1),
            "full_harvest": {k: v for k, v in full.items() if k != "etags"},
            "conditional_harvest": {k: v for k, v in again.items() if k != "etags"},
            "ndjson_export": ndjson,
        }
        if not args.only_export:
            result["cost_of_304_as_share_of_200"] = {
                "whole_harvest": round(again["seconds"] / full["seconds"], 2),
                "page_p50": round(again["page_ms_p50"] / full["page_ms_p50"], 3),
            }
        if args.serve:
            result.update(healthz_under_harvest(app, folder, args.per_page))
        result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
