"""HTTP load benchmark: gunicorn (deploy/gunicorn.conf.py) driven by wrk through the bench's query mix.

    python bench/http_load.py --providers 100000 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_speed
    python bench/http_load.py --providers 10000            # SQLite in a temporary folder
    GUNICORN_WORKERS=3 python bench/http_load.py ...        # any deploy/gunicorn.conf.py setting from the environment

Builds N synthetic providers (bulk inserts, each with approved checks so the
search page's database confirmation agrees with the index), times
``flask search rebuild``, starts gunicorn on 127.0.0.1 only, and runs wrk for
a bounded time against /api/v1/search and /search (a Lua script rotating
through the bench's 500 queries), a profile page and /healthz (the ceiling),
then starts gunicorn again with SEARCH_RESULT_CACHE_SIZE=0 for the two search
endpoints (the mix fits in each worker's cache). Prints requests/s and
p50/p90/p99 for each, and each rate as a ratio to /healthz. The PostgreSQL
database given is emptied first: use your own.
Needs ``wrk`` (``make bench`` installs the Debian package when run as root).
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flask_migrate import upgrade  # noqa: E402
from http_timer import _load_providers, _postcode_by_point  # noqa: E402
from search_bench import SERVICES, make_documents, make_queries, query_params  # noqa: E402

from registry import create_app  # noqa: E402
from registry.extensions import db  # noqa: E402

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PARTS = ["morning", "afternoon", "evening", "overnight"]


def search_paths(path: str) -> list[str]:
    """The bench's query mix as URLs (same parameters the search page and API take)."""
    points = _postcode_by_point()
    urls = []
    for q in make_queries():
        p = query_params(q)
        query = {
            "postcode": points[(p["latitude"], p["longitude"])],
            "radius": p["radius_miles"],
            "service": p["services"],
            "q": p["text"],
            "kind": p["kinds"],
            "language": p["languages"],
            "max_rate": None if p["max_rate_pence"] is None else p["max_rate_pence"] / 100,
            "min_rating": p["min_rating"],
            "day": None if p["day"] is None else DAYS[p["day"]],
            "part": None if p["part"] is None else PARTS[p["part"]],
            "badge": p["badges"],
            "sort": p["sort"],
        }
        urls.append(
            path + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v not in (None, "", [])}, doseq=True)
        )
    return urls


def lua_rotating(urls: list[str], path: Path) -> Path:
    body = ",\n".join('"' + u.replace("\\", "\\\\").replace('"', '\\"') + '"' for u in urls)
    path.write_text(
        "local urls = {\n" + body + "\n}\nlocal i = 0\n"
        'request = function()\n  i = i % #urls + 1\n  return wrk.format("GET", urls[i])\nend\n',
        encoding="utf-8",
    )
    return path


def wrk(base: str, script: Path | None, path: str, seconds: int, connections: int) -> dict:
    """Run wrk once; requests/s, percentiles (ms) and errors from its --latency report."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [base + path], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def analyze(app) -> None:
    """Statistics for the planner, as after any bulk load (pg_restore does the same): without them it
    walks every provider to confirm a page of 20, and autovacuum may be off or not round yet."""
    with app.app_context():
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


@contextmanager
def serving(env: dict, work: Path) -> Iterator[str]:
    """gunicorn with the shipped config on a free local port; yields its base URL once /healthz answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(work / "gunicorn.log", "ab") as log:  # the server keeps its own copy of the handle
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--database", help="PostgreSQL URL of a database of your own (emptied); default SQLite")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per endpoint (bounded: at most 120)")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: sudo apt-get install wrk")
    seconds = max(1, min(args.seconds, 120))
    work = Path(tempfile.mkdtemp(prefix="http-load-"))
    url = args.database or f"sqlite:///{work / 'registry.sqlite3'}"
    if args.database:
        reset_postgres(url)
    env = {
        **os.environ,
        "REGISTRY_ENV": "testing",
        "DATABASE_URL": url,
        "SEARCH_INDEX_DIR": str(work / "index"),
        "MAIL_OUTBOX_DIR": str(work / "outbox"),
        "DOCUMENTS_DIR": str(work / "documents"),
        "REGISTRY_INSTANCE_PATH": str(work / "instance"),
        "FLASK_APP": "wsgi:app",
    }
    app = create_app(
        {"REGISTRY_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(work / "index")}
    )
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    docs = make_documents(args.providers)
    _load_providers(app, docs, SERVICES)
    analyze(app)
    print(
        f"loaded {args.providers:,} providers into {'PostgreSQL' if args.database else 'SQLite'} in {time.perf_counter() - started:.0f} s"
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "search", "rebuild"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    print(f"flask search rebuild (default --procs): {time.perf_counter() - started:.1f} s")

    api = lua_rotating(search_paths("/api/v1/search"), work / "api.lua")
    page = lua_rotating(search_paths("/search"), work / "page.lua")
    profile = "/providers/" + docs[len(docs) // 2].slug
    measure = partial(wrk, seconds=seconds, connections=args.connections)
    with serving(env, work) as base:
        # Every worker opens its index and columns, and compiles the templates, before timing.
        for warm, path in ((api, "/"), (page, "/"), (None, profile)):
            wrk(base, warm, path, 2, args.connections)
        results = {
            "/healthz": measure(base, None, "/healthz"),
            "/api/v1/search": measure(base, api, "/"),
            "/search": measure(base, page, "/"),
            "profile page": measure(base, None, profile),
        }
    # Each worker's result cache holds the whole mix after one pass: the same endpoints with it off
    # show what a search costs when every query is new to the worker.
    with serving({**env, "SEARCH_RESULT_CACHE_SIZE": "0"}, work) as base:
        for warm in (api, page):
            wrk(base, warm, "/", 2, args.connections)
        results["/api/v1/search, no cache"] = measure(base, api, "/")
        results["/search, no cache"] = measure(base, page, "/")
    ceiling = results["/healthz"]["rps"]
    shipped = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))  # as the servers read it (GUNICORN_WORKERS)
    print(
        f"\n{args.providers:,} providers, {os.cpu_count()} cores, gunicorn {shipped['workers']} {shipped['worker_class']} workers, wrk -c{args.connections} -d{seconds}s"
    )
    print(f"{'endpoint':<25} {'req/s':>8} {'vs healthz':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(
            f"{name:<25} {r['rps']:>8.0f} {r['rps'] / ceiling:>10.2f} {r['p50']:>8.1f} {r['p90']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7}"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
