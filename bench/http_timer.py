"""Time GET /api/v1/search through the Flask test client, on the bench's own index.

The app gets a SQLite database holding the same synthetic providers as the
index (same ids), each with approved checks, because the endpoint loads each
page's providers from the database and confirms they are still listed, as it
does in production.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select

from registry import create_app
from registry.extensions import db
from registry.nations import nation_of
from searchindex.geo import outcode_centroids

BATCH = 5000
# One approved check of each kind meets every service's requirements, so the
# search endpoint's database check agrees with the index.
APPROVED_CHECKS = {
    "identity": {"document_type": "passport"},
    "right_to_work": {"document_type": "british_passport"},
    "insurance": {"insurer": "Aviva", "policy_number": "PL-55512", "cover_pounds": 5000000, "end_date": "2030-06-30"},
    "food_hygiene": {"rating": 5, "inspected_on": "2026-03-01", "local_authority": "Leeds"},
}
_DBS = {
    "level": "enhanced",
    "barred_lists": "both",
    "certificate_number": "001234567890",
    "issue_date": "2026-01-12",
    "update_service": True,
    "update_service_id": "C1234567",
}
# And the background check and regulator of each provider's nation (README, "Each nation's checks").
NATION_CHECKS = {
    "england": {"dbs": _DBS, "cqc": {"registration_id": "1-101234567"}},
    "wales": {"dbs": _DBS, "ciw": {"registration_id": "SIN-00001234-ABCD"}},
    "scotland": {
        "pvg": {"membership_number": "1234567890123456", "workforce": "both", "scheme_record_date": "2026-01-12"},
        "care_inspectorate": {"registration_id": "CS2003001234"},
    },
    "northern_ireland": {
        "accessni": {
            "level": "enhanced",
            "barred_lists": "both",
            "certificate_number": "001234567890",
            "issue_date": "2026-01-12",
        },
        "rqia": {"registration_id": "11045"},
    },
}


def _checks_of(outcode: str) -> dict[str, dict]:
    return {**APPROVED_CHECKS, **NATION_CHECKS.get(nation_of(outcode), {})}


def _postcode_by_point() -> dict[tuple[float, float], str]:
    return {(lat, lon): outcode for outcode, (lat, lon) in outcode_centroids().items()}


def _load_providers(app, docs, services) -> None:
    """Bulk-insert the synthetic providers (and any services the taxonomy lacks)."""
    tables = db.metadata.tables
    now = datetime.now(timezone.utc)
    with app.app_context():
        known = dict(db.session.execute(select(tables["service_types"].c.slug, tables["service_types"].c.id)).all())
        for slug, name in services:
            if slug not in known:
                known[slug] = db.session.execute(
                    insert(tables["service_types"]).values(slug=slug, name=name, description=name, position=100)
                ).inserted_primary_key[0]
        for start in range(0, len(docs), BATCH):
            chunk = docs[start : start + BATCH]
            db.session.execute(
                insert(tables["users"]),
                [
                    {
                        "id": d.id,
                        "email": f"bench{d.id}@example.com",
                        "password_hash": "x",
                        "role": "provider",
                        "name": d.name,
                        "active": True,
                        "created_at": now,
                    }
                    for d in chunk
                ],
            )
            db.session.execute(
                insert(tables["providers"]),
                [
                    {
                        "id": d.id,
                        "user_id": d.id,
                        "kind": d.kind,
                        "display_name": d.name,
                        "slug": d.slug,
                        "about": d.about,
                        "base_postcode": d.outcode,
                        "outcode": d.outcode,
                        "nation": nation_of(d.outcode),
                        "travel_radius_miles": int(d.travel_radius_miles),
                        "rate_min_pence": d.rate_min_pence,
                        "rate_max_pence": d.rate_max_pence,
                        "availability": d.availability,
                        "gender": d.gender,
                        "status": "listed",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for d in chunk
                ],
            )
            db.session.execute(
                insert(tables["provider_services"]),
                [
                    {"provider_id": d.id, "service_type_id": known[slug], "listed": True}
                    for d in chunk
                    for slug in d.listed_services
                ],
            )
            db.session.execute(
                insert(tables["checks"]),
                [
                    {
                        "provider_id": d.id,
                        "kind": kind,
                        "status": "approved",
                        "details": details,
                        "submitted_at": now,
                        "decided_at": now,
                        "verification_method": "in_person",
                        "valid_until": date(2030, 6, 30),
                        "document_name": "",
                        "document_type": "",
                        "document_size": 0,
                        "version": 1,
                    }
                    for d in chunk
                    for kind, details in _checks_of(d.outcode).items()
                ],
            )
            db.session.execute(
                insert(tables["provider_languages"]),
                [{"provider_id": d.id, "language": code} for d in chunk for code in d.languages],
            )
        db.session.commit()


def make_http_timer(make_documents: Callable[[int], list], services: list[tuple[str, str]]) -> Callable[[dict], None]:
    """A ``fn(params)`` for the bench's ``extra_timers``; builds the app on first use per index."""
    apps: dict[str, object] = {}
    points = _postcode_by_point()
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-http-"))

    def client_for(index_dir: str):
        if index_dir not in apps:
            n = int(Path(index_dir).name.split("-")[-1])
            started = time.perf_counter()
            app = create_app(
                {
                    "REGISTRY_ENV": "testing",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / f'app-{n}.sqlite3'}",
                    "SEARCH_INDEX_DIR": index_dir,
                    "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
                    "DOCUMENTS_DIR": str(workdir / "documents"),
                    "SEARCH_RESULT_CACHE_SIZE": 0,  # time each query's search, not a repeat's cache hit
                }
            )
            with app.app_context():
                upgrade()
            _load_providers(app, make_documents(n), services)
            print(f"    (HTTP: loaded {n:,} providers into the app's SQLite in {time.perf_counter() - started:.0f} s)")
            apps[index_dir] = app.test_client()
        return apps[index_dir]

    def timer(params: dict) -> None:
        client = client_for(params["_index_dir"])
        query = {
            "postcode": points[(params["latitude"], params["longitude"])],
            "radius": params["radius_miles"],
            "service": params["services"],
            "q": params["text"],
            "kind": params["kinds"],
            "language": params["languages"],
            "max_rate": None if params["max_rate_pence"] is None else params["max_rate_pence"] / 100,
            "min_rating": params["min_rating"],
            "day": None if params["day"] is None else ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][params["day"]],
            "part": None
            if params["part"] is None
            else ["morning", "afternoon", "evening", "overnight"][params["part"]],
            "badge": params["badges"],
            "sort": params["sort"],
        }
        response = client.get(
            "/api/v1/search", query_string={k: v for k, v in query.items() if v not in (None, "", [])}
        )
        if response.status_code != 200:
            raise RuntimeError(
                f"/api/v1/search answered {response.status_code}: {response.get_data(as_text=True)[:300]}"
            )

    return timer
