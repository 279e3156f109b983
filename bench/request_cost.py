"""What one request of each slow public path costs in-process: CPU ms and SQL statements (issue 25).

    python bench/request_cost.py --providers 20000                      # SQLite in a temporary folder
    python bench/request_cost.py --providers 100000 --database postgresql+psycopg://postgres@127.0.0.1:5432/mine
    python bench/request_cost.py --database ... --reuse                 # measure again on the database already built
    python bench/request_cost.py --reuse --database ... --profile "feed by postcode, 20"   # cProfile one path

Builds the same synthetic providers as bench/http_load.py (bulk inserts; the PostgreSQL database given is
emptied first, unless ``--reuse`` finds it built), then sends each path, through the Flask test client, a
rotation of requests no cache has seen (profiles over thousands of providers, the feed by postcode over
hundreds of districts) and prints, per path, the median CPU time of this process per request
(``time.process_time``: on a shared machine wall time is mostly other people's work), the median wall time
and the SQL statements per request. On PostgreSQL the database's own CPU is not in the CPU figure: the
statement count and the wall time show it. ``--profile NAME`` prints the top of a cProfile of that path.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from http_load import QuerySpace, listed_slugs  # noqa: E402
from http_timer import _load_providers  # noqa: E402
from search_bench import SERVICES, make_documents  # noqa: E402

from registry import create_app  # noqa: E402
from registry.extensions import db  # noqa: E402

PROXIMITY_METRES = 16093  # ten miles


def _paths(app, docs, rotation: int) -> dict[str, list[str]]:
    """Each path and its rotation of distinct URLs."""
    from registry.nations import nation_of

    shown = [d for d in docs if nation_of(d.outcode) is not None]  # no nation's checks apply elsewhere: not listed
    slugs = listed_slugs(app, rotation)  # profiles the listing rule shows (a generated provider may lack a check)
    # Districts where providers are, in the bench's own proportions (cities weigh more).
    outcodes = list(dict.fromkeys(d.outcode for d in shown))[:rotation]
    feed = "/openreferral/{}?postcode={}&proximity=" + str(PROXIMITY_METRES) + "&per_page={}"
    # The HTTP bench's distinct searches (district x service x radius x filters), none sent twice.
    space = QuerySpace(tuple(sorted(outcodes)))
    searches = [space.query(k) for k in range(min(rotation, space.size))]
    return {
        "/healthz": ["/healthz"],
        "/api/v1/search, distinct": [f"/api/v1/search?{q}" for q in searches],
        "/search, distinct": [f"/search?{q}" for q in searches],
        "feed by postcode, 20": [feed.format("services", o, 20) for o in outcodes],
        "feed by postcode, 100": [feed.format("services", o, 100) for o in outcodes],
        "service_at_locations by postcode, 20": [feed.format("service_at_locations", o, 20) for o in outcodes],
        "profile page": [f"/providers/{s}" for s in slugs],
        "/api/v1/providers/<slug>": [f"/api/v1/providers/{s}" for s in slugs],
    }


def _build(app, n: int, url: str, reuse: bool) -> list:
    docs = make_documents(n)
    with app.app_context():
        if reuse:
            try:
                built = db.session.scalar(sa.text("SELECT count(*) FROM providers")) == n
            except sa.exc.DatabaseError:
                built = False
            db.session.rollback()
            if built:
                try:
                    upgrade()  # this code's migrations, if the database was built by an older one
                except Exception as error:  # noqa: BLE001  (built by newer code: measure on it as it is)
                    print(f"not migrated: {error}")
                _index(app)
                return docs
        if url.startswith("postgresql"):
            from tests.conftest import reset_postgres_schema

            db.engine.dispose()
            reset_postgres_schema(url)
        upgrade()
    _load_providers(app, docs, SERVICES)
    with app.app_context():
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    _index(app)
    return docs


def _index(app) -> None:
    """The search index of the providers (the search and, by postcode, the feed answer from it)."""
    from registry.searching.services import listed_count, rebuild, search_index

    with app.app_context():
        index = search_index()
        if index.count() != listed_count(db.session):  # built for another database
            rebuild(db.session, index, procs=2)
        db.engine.dispose()


def measure(client, urls: list[str], count: int, engine) -> dict:
    """Median CPU and wall ms per request, and statements per request (min..max), over ``count`` requests."""
    statements: list[int] = [0]

    def record(*_args):
        statements[-1] += 1

    for url in urls[:3]:  # templates compiled, caches of the process (not of the query) warm
        assert client.get(url).status_code == 200, url
    cpu, wall, counts = [], [], []
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for i in range(count):
            url = urls[i % len(urls)]
            statements.append(0)
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            assert response.status_code == 200, (url, response.status_code)
            counts.append(statements[-1])
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return {
        "cpu_ms": round(statistics.median(cpu) * 1000, 2),
        "wall_ms": round(statistics.median(wall) * 1000, 2),
        "queries": f"{min(counts)}..{max(counts)}" if min(counts) != max(counts) else str(counts[0]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=20_000)
    parser.add_argument("--database", help="PostgreSQL URL of a database of your own (emptied); default SQLite")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already holds N providers")
    parser.add_argument("--requests", type=int, default=200, help="requests per path")
    parser.add_argument("--rotation", type=int, default=2000, help="distinct URLs per path (at most)")
    parser.add_argument("--profile", help="cProfile this path and print the top of it")
    args = parser.parse_args(argv)
    folder = Path(tempfile.gettempdir()) / "request-cost"
    folder.mkdir(exist_ok=True)
    url = args.database or f"sqlite:///{folder / f'registry-{args.providers}.sqlite3'}"
    app = create_app(
        {
            "REGISTRY_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "DOCUMENTS_DIR": str(folder / "documents"),
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "RATELIMIT_ENABLED": False,
        }
    )
    started = time.perf_counter()
    docs = _build(app, args.providers, url, args.reuse)
    print(f"{args.providers:,} providers ready in {time.perf_counter() - started:.0f} s ({url.split(':', 1)[0]})")
    paths = _paths(app, docs, args.rotation)
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    if args.profile:
        urls = paths[args.profile]
        measure(client, urls, 3, engine)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            client.get(urls[i % len(urls)])
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        return
    print(f"{'path':<40} {'CPU ms':>8} {'wall ms':>8} {'queries':>8}")
    for name, urls in paths.items():
        r = measure(client, urls, args.requests, engine)
        print(f"{name:<40} {r['cpu_ms']:>8.2f} {r['wall_ms']:>8.2f} {r['queries']:>8}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
