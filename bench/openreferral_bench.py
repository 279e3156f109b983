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
run when nothing changed: every page a 304). Prints JSON.
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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(os.environ.get("DATABASE_URL"), folder)
        t0 = time.perf_counter()
        services = populate(app, args.providers)
        build = time.perf_counter() - t0
        client = app.test_client()
        # Each request gets its own app context and session, as in production.
        full = harvest(client, args.per_page)
        again = harvest(client, args.per_page, etags=full["etags"])
        assert full["items"] == services, (full["items"], services)
        result = {
            "providers": args.providers,
            "listed_services": services,
            "per_page": args.per_page,
            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
            "populate_seconds": round(build, 1),
            "full_harvest": {k: v for k, v in full.items() if k != "etags"},
            "conditional_harvest": {k: v for k, v in again.items() if k != "etags"},
        }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
