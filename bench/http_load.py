"""HTTP load benchmark: gunicorn (deploy/gunicorn.conf.py) driven by wrk as a new user meets it.

    python bench/http_load.py --providers 100000 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_speed
    python bench/http_load.py --providers 10000            # SQLite in a temporary folder
    python bench/http_load.py --providers 500000 --database ...   # a registry for the whole UK
    GUNICORN_WORKERS=3 python bench/http_load.py ...        # any deploy/gunicorn.conf.py setting from the environment

Builds N synthetic providers (generated and bulk-inserted in batches of 5,000,
so memory stays bounded at 500,000; each with approved checks so the search
page's database confirmation agrees with the index), times ``flask search
rebuild`` (its progress shown), starts gunicorn on 127.0.0.1 only, and runs
wrk for a bounded time against:

* /healthz (one ``SELECT 1``: the ceiling every other figure is a share of);
* /api/v1/search and /search with DISTINCT queries: a Lua script builds each
  request's query from a per-thread counter (postcode district x service x
  radius x filters, scattered by a stride coprime to their product), and each
  run takes its own range of counters, so no query repeats within a run or
  across runs. The shipped result cache stays on (what users meet); it cannot
  help. The output says how many distinct queries were sent against requests;
* profile pages and /api/v1/providers/<slug>, rotating over ``--profiles``
  listed providers (default 5,000);
* the Open Referral feed by postcode (/openreferral/services and
  /openreferral/service_at_locations with ``postcode``, ``proximity`` and
  ``per_page=20``), rotating over districts and distances; and one
  ``per_page=1000`` page timed on its own.

Then it reads each gunicorn worker's memory (RSS and PSS from /proc/<pid>/smaps_rollup) and
prints one markdown table ready to paste: req/s, p50/p90/p99, errors and each
rate as a share of /healthz from the same run, with the machine (nproc, CPU
model), date and the load average at start and end. The PostgreSQL database
given is emptied first: use your own.
Needs ``wrk`` (``make bench`` installs the Debian package when run as root).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import runpy
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flask_migrate import upgrade  # noqa: E402
from http_timer import BATCH, _load_providers  # noqa: E402
from search_bench import SERVICES, iter_documents  # noqa: E402

from registry import create_app  # noqa: E402
from registry.extensions import db  # noqa: E402
from searchindex.geo import outcode_centroids  # noqa: E402

WRK_THREADS = 2
RADII = ("5", "10", "15", "20", "25")
# Each a query-string tail: the kinds of search the page's form offers, text included.
VARIANTS = (
    "",
    "&q=friendly",
    "&q=dementia",
    "&q=retired+nurse",
    "&max_rate=25&min_rating=7.5",
    "&sort=distance",
    "&sort=rating",
    "&sort=price&kind=organisation",
    "&kind=pa&day=wed",
    "&language=pl",
    "&badge=enhanced-dbs&part=morning",
    "&max_rate=30&day=sat&part=evening",
)
PROXIMITIES_METRES = (3000, 8000, 16000, 24000, 40000)


@dataclass(frozen=True)
class QuerySpace:
    """Every search the bench can send: district x service x radius x variant, numbered 0 .. size - 1.

    Query ``k`` is the mixed-radix reading of ``k * stride mod size``; the stride is coprime to the
    size, so distinct numbers below ``size`` give distinct queries, spread over districts and services
    rather than walking one district at a time. :meth:`lua` writes the same arithmetic for wrk.
    """

    outcodes: tuple[str, ...]
    services: tuple[str, ...] = tuple(slug for slug, _ in SERVICES)
    radii: tuple[str, ...] = RADII
    variants: tuple[str, ...] = VARIANTS

    @property
    def size(self) -> int:
        return len(self.outcodes) * len(self.services) * len(self.radii) * len(self.variants)

    @property
    def stride(self) -> int:
        stride = int(self.size * 0.6180339887) | 1
        while math.gcd(stride, self.size) != 1:
            stride += 2
        return stride

    def query(self, k: int) -> str:
        """The query string of search number ``k`` (0 <= k < size)."""
        if not 0 <= k < self.size:
            raise ValueError(f"query number {k} outside 0..{self.size - 1}")
        j = k * self.stride % self.size
        j, o = divmod(j, len(self.outcodes))
        j, s = divmod(j, len(self.services))
        v, r = divmod(j, len(self.radii))
        return f"postcode={self.outcodes[o]}&radius={self.radii[r]}&service={self.services[s]}{self.variants[v]}"

    def lua(self, path: str, first: int, span: int, threads: int, file: Path) -> Path:
        """A wrk script sending searches ``first`` .. ``first + span - 1``, each once (wrapping only past span)."""
        if first + span > self.size:
            raise ValueError("the runs need more distinct queries than the space holds")

        def table(values) -> str:
            return "{" + ", ".join(json.dumps(v) for v in values) + "}"

        file.write_text(
            f"""-- {span:,} distinct searches from number {first:,}, shared between {threads} threads by counter.
local outcodes = {table(self.outcodes)}
local services = {table(self.services)}
local radii = {table(self.radii)}
local variants = {table(self.variants)}
local size, stride, first, span, nthreads = {self.size}, {self.stride}, {first}, {span}, {threads}
local threads = {{}}
local n = 0
function setup(thread)
  thread:set("tid", n)
  n = n + 1
  table.insert(threads, thread)
end
sent = 0
function request()
  local k = first + (sent * nthreads + tid) % span
  sent = sent + 1
  local j = (k * stride) % size
  local o = j % #outcodes
  j = (j - o) / #outcodes
  local s = j % #services
  j = (j - s) / #services
  local r = j % #radii
  local v = (j - r) / #radii
  return wrk.format("GET", "{path}?postcode=" .. outcodes[o + 1] .. "&radius=" .. radii[r + 1]
    .. "&service=" .. services[s + 1] .. variants[v + 1])
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("sent") end
  io.write(string.format("DISTINCT %d of %d requests\\n", math.min(total, span), total))
end
""",
            encoding="utf-8",
        )
        return file


def query_space(based: list[str], seconds: int, ceiling_rps: int = 5_000) -> QuerySpace:
    """The districts where providers are based (a search anywhere else finds nobody: cheaper), or every
    district when those are too few for each of the four runs to send ``seconds`` at ``ceiling_rps``
    without repeating a query."""
    space = QuerySpace(tuple(sorted(based)))
    if space.size // 4 < seconds * ceiling_rps:
        space = QuerySpace(tuple(sorted(outcode_centroids())))
    return space


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
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [base + path], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    distinct = re.search(r"^DISTINCT (\d+) of (\d+) requests$", out, re.M)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
        "distinct": None if distinct is None else (int(distinct.group(1)), int(distinct.group(2))),
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
def serving(env: dict, work: Path, pids: list[int] | None = None) -> Iterator[str]:
    """gunicorn with the shipped config on a free local port; yields its base URL once /healthz answers.

    ``pids``, if given, receives the gunicorn master's process id (its children are the workers)."""
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
    if pids is not None:
        pids.append(server.pid)
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


def worker_memory_mb(master: int) -> list[tuple[float, float]]:
    """(RSS, PSS) of each child of the gunicorn master, in MB.

    RSS counts every page a worker maps, those it shares with the preloading master and the other workers
    included; PSS divides each shared page among the processes sharing it, so the workers' PSS add up to
    what they cost the machine.
    """
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != master:
                continue
            fields = {}
            for line in (entry / "smaps_rollup").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("Rss", "Pss"):
                    fields[name] = int(rest.split()[0]) / 1024
            children.append((fields["Rss"], fields["Pss"]))
        except (OSError, ValueError, IndexError, KeyError):
            continue
    return children


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, {model}"


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 minutes)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def load_registry(app, n: int) -> Counter:
    """Generate and insert ``n`` providers in batches (bounded memory); the number based in each district."""
    districts: Counter = Counter()
    documents = iter_documents(n)
    while batch := list(itertools.islice(documents, BATCH)):
        _load_providers(app, batch, SERVICES)
        districts.update(d.outcode for d in batch)
    return districts


def listed_slugs(app, count: int, seed: int = 25) -> list[str]:
    """``count`` providers spread over the registry, each one the listing rule lets the public see."""
    from registry.providers.models import Provider
    from registry.searching.documents import listed_provider_ids, provider_documents

    with app.app_context():
        ids = listed_provider_ids(db.session)
        sample = random.Random(seed).sample(ids, min(len(ids), count + count // 10 + 10))
        visible = sorted(pid for pid, doc in provider_documents(db.session, sample) if doc is not None)[:count]
        slugs = dict(db.session.execute(db.select(Provider.id, Provider.slug).where(Provider.id.in_(visible))).all())
        db.session.rollback()
        db.engine.dispose()
    random.Random(seed).shuffle(visible)
    return [slugs[pid] for pid in visible]


def feed_paths(path: str, outcodes: list[str], seed: int = 26) -> list[str]:
    """The feed by postcode: every district x distance, shuffled, 20 a page."""
    pairs = [(o, m) for o in outcodes for m in PROXIMITIES_METRES]
    random.Random(seed).shuffle(pairs)
    return [f"{path}?postcode={o}&proximity={m}&per_page=20" for o, m in pairs]


def time_big_page(base: str, outcode: str, times: int = 5) -> dict:
    """One ``per_page=1000`` page of the feed's services, fetched ``times`` times: ms and items."""
    url = f"{base}/openreferral/services?postcode={outcode}&proximity=50000&per_page=1000"
    samples, size = [], 0
    for _ in range(times):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            body = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        size = len(json.loads(body)["contents"])
    return {"first": samples[0], "median": statistics.median(samples), "max": max(samples), "items": size}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=5_000, help="listed providers the profile runs rotate over")
    parser.add_argument("--database", help="PostgreSQL URL of a database of your own (emptied); default SQLite")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per endpoint (bounded: at most 120)")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: sudo apt-get install wrk")
    seconds = max(1, min(args.seconds, 120))
    load_start, started_at = load_average(), datetime.now(timezone.utc)
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
    districts = load_registry(app, args.providers)
    analyze(app)
    print(
        f"loaded {args.providers:,} providers into {'PostgreSQL' if args.database else 'SQLite'} "
        f"in batches of {BATCH:,} in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "search", "rebuild"], cwd=ROOT, env=env, check=True)
    rebuild_s = time.perf_counter() - started
    print(f"flask search rebuild (default --procs): {rebuild_s:.1f} s", flush=True)

    # Searches and the feed ask where providers are based (a search anywhere else finds nobody: cheaper).
    outcodes = sorted(districts)
    space = query_space(outcodes, seconds)
    span = space.size // 4  # four runs (two warm-ups, two timed), each its own range of queries
    searches = {
        name: space.lua(path, i * span, span, WRK_THREADS, work / f"search-{i}.lua")
        for i, (name, path) in enumerate(
            (("warm api", "/api/v1/search"), ("warm page", "/search"), ("api", "/api/v1/search"), ("page", "/search"))
        )
    }
    slugs = listed_slugs(app, args.profiles)
    profiles = lua_rotating([f"/providers/{s}" for s in slugs], work / "profiles.lua")
    provider_api = lua_rotating([f"/api/v1/providers/{s}" for s in slugs], work / "provider-api.lua")
    feed = lua_rotating(feed_paths("/openreferral/services", outcodes), work / "feed.lua")
    feed_sal = lua_rotating(feed_paths("/openreferral/service_at_locations", outcodes, seed=27), work / "feed-sal.lua")
    runs = {
        "`/healthz`": None,
        "`/api/v1/search`, distinct queries": searches["api"],
        "`/search`, distinct queries": searches["page"],
        f"profile page, {len(slugs):,} providers": profiles,
        f"`/api/v1/providers/<slug>`, {len(slugs):,} providers": provider_api,
        "`/openreferral/services?postcode=…&proximity=…&per_page=20`": feed,
        "`/openreferral/service_at_locations?postcode=…&proximity=…&per_page=20`": feed_sal,
    }
    masters: list[int] = []
    with serving(env, work, masters) as base:
        # Every worker opens its index and columns, and compiles the templates, before timing.
        for warm in (searches["warm api"], searches["warm page"], profiles, provider_api, feed, feed_sal):
            wrk(base, warm, "/", 2, args.connections)
        results = {
            name: wrk(base, script, "/healthz" if script is None else "/", seconds, args.connections)
            for name, script in runs.items()
        }
        big_page = time_big_page(base, districts.most_common(1)[0][0])
        memory = worker_memory_mb(masters[0])
    load_end = load_average()
    ceiling = results["`/healthz`"]["rps"]
    shipped = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))  # as the servers read it (GUNICORN_WORKERS)
    print(
        f"\n{args.providers:,} providers on {'PostgreSQL' if args.database else 'SQLite'}; {machine()}; "
        f"{started_at:%Y-%m-%d %H:%M} UTC; load average {load_start} at start, {load_end} at end\n"
        f"gunicorn {shipped['workers']} {shipped['worker_class']} workers (result cache on), "
        f"wrk -t{WRK_THREADS} -c{args.connections} -d{seconds}s; rebuild {rebuild_s:.1f} s\n"
    )
    print("| endpoint | req/s | share of /healthz | p50 | p90 | p99 | errors | distinct queries / requests |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        distinct = "" if r["distinct"] is None else f"{r['distinct'][0]:,} / {r['distinct'][1]:,}"
        print(
            f"| {name} | {r['rps']:,.0f} | {r['rps'] / ceiling:.2f} | {r['p50']:.1f} ms | {r['p90']:.1f} ms "
            f"| {r['p99']:.1f} ms | {r['errors']} | {distinct} |"
        )
    print(
        f"\nOne `/openreferral/services?...&per_page=1000` page ({big_page['items']:,} services): "
        f"{big_page['first']:.0f} ms first, median {big_page['median']:.0f} ms, max {big_page['max']:.0f} ms of 5"
    )
    if memory:
        rss, pss = [m[0] for m in memory], [m[1] for m in memory]
        print(
            f"Memory per worker after the runs ({len(memory)} workers, "
            f"{'preloaded' if shipped['preload_app'] else 'not preloaded'}): "
            f"RSS max {max(rss):.0f} MB, mean {statistics.mean(rss):.0f} MB; "
            f"PSS max {max(pss):.0f} MB, mean {statistics.mean(pss):.0f} MB"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
