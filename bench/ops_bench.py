"""Time the scheduled commands at national scale: `flask audit verify` and `flask checks expire`.

    python bench/ops_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_ops
    python bench/ops_bench.py --events 100000 --providers 10000      # SQLite in a temporary folder

Builds the data with bulk inserts (the PostgreSQL database given is emptied
first: use your own), then runs each command as an operator would, in its
own process, and prints how long it took:

* ``flask audit verify`` over ``--events`` audit events (a valid keyed hash
  chain, built here with the registry's own hash function);
* ``flask checks expire`` over ``--providers`` providers, each with six
  approved checks, of which ``--lapsing`` per cent have a DBS check that
  lapsed yesterday (each lapse delists, is audited and emails the provider)
  and as many again an insurance policy ending within the reminder window.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flask_migrate import upgrade  # noqa: E402
from http_load import analyze, reset_postgres  # noqa: E402
from http_timer import _load_providers  # noqa: E402
from search_bench import SERVICES, make_documents  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from registry import create_app  # noqa: E402
from registry.audit import canonical_details, event_hash  # noqa: E402
from registry.audit.models import GENESIS_HASH, KEYED  # noqa: E402
from registry.extensions import db  # noqa: E402

BATCH = 10_000


def load_audit_events(app, count: int) -> None:
    """A valid chain of ``count`` keyed events, inserted in batches."""
    table = db.metadata.tables["audit_events"]
    key = app.config["AUDIT_HMAC_KEY"]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    prev = GENESIS_HASH
    with app.app_context():
        for first in range(0, count, BATCH):
            rows = []
            for n in range(first, min(count, first + BATCH)):
                event = SimpleNamespace(
                    created_at=start + timedelta(seconds=n),
                    actor_id=None,
                    action="check.lapsed",
                    subject_type="Check",
                    subject_id=str(n + 1),
                    provider_id=n % 50_000 + 1,
                    details=canonical_details({"valid_until": "2026-01-01", "as_of": "2026-01-02"}),
                    prev_hash=prev,
                    hash_scheme=KEYED,
                )
                event.hash = event_hash(event, key)
                prev = event.hash
                rows.append(vars(event))
            db.session.execute(insert(table), rows)
            db.session.commit()


def make_checks_due(app, lapsing_percent: float, as_of: date) -> tuple[int, int]:
    """Move some DBS checks to lapsed-yesterday and some insurance to ending soon; returns how many of each."""
    checks = db.metadata.tables["checks"]
    with app.app_context():
        ids = list(db.session.scalars(select(db.metadata.tables["providers"].c.id).order_by("id")))
        step = max(1, round(100 / lapsing_percent))
        lapse, remind = ids[::step], ids[step // 2 :: step]
        db.session.execute(
            update(checks)
            .where(checks.c.provider_id.in_(lapse), checks.c.kind == "dbs")
            .values(valid_until=as_of - timedelta(days=1))
        )
        db.session.execute(
            update(checks)
            .where(checks.c.provider_id.in_(remind), checks.c.kind == "insurance")
            .values(valid_until=as_of + timedelta(days=10))
        )
        db.session.commit()
    return len(lapse), len(remind)


def timed(cmd: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "flask", *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"flask {' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr[-2000:]}")
    return seconds, out.stdout.strip().splitlines()[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL of a database of your own (emptied); default SQLite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument(
        "--lapsing",
        type=float,
        default=1.0,
        help="per cent of providers with a lapsed DBS check (and as many with insurance ending soon)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ops-bench-"))
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
        "AUDIT_CHECKPOINT_FILE": str(work / "checkpoint.json"),
        "FLASK_APP": "wsgi:app",
    }
    app = create_app(
        {"REGISTRY_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(work / "index")}
    )
    with app.app_context():
        upgrade()
    database = "PostgreSQL" if args.database else "SQLite"
    # What every command pays before its work starts (Python, the app, its imports).
    seconds, _ = timed(["routes"], env)
    print(f"app start-up (flask routes): {seconds:.1f} s, included in each figure below")

    started = time.perf_counter()
    load_audit_events(app, args.events)
    analyze(app)
    print(f"loaded {args.events:,} audit events into {database} in {time.perf_counter() - started:.0f} s")
    seconds, line = timed(["audit", "verify"], env)
    print(f"flask audit verify: {seconds:.1f} s ({args.events / seconds:,.0f} events/s): {line}")

    started = time.perf_counter()
    _load_providers(app, make_documents(args.providers), SERVICES)
    today = date.today()
    lapse, remind = make_checks_due(app, args.lapsing, today)
    analyze(app)
    print(
        f"loaded {args.providers:,} providers ({args.providers * 6:,} approved checks; {lapse:,} DBS lapsed yesterday, "
        f"{remind:,} insurance ending soon) in {time.perf_counter() - started:.0f} s"
    )
    seconds, line = timed(["checks", "expire"], env)
    print(f"flask checks expire: {seconds:.1f} s: {line}")
    seconds, line = timed(["checks", "expire"], env)
    print(f"flask checks expire again (nothing due): {seconds:.1f} s: {line}")


if __name__ == "__main__":
    main()
