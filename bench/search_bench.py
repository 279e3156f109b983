"""Search benchmark: SearchIndex against a naive SQL baseline and an SQLite R*Tree.

    .venv/bin/python bench/search_bench.py                 # N = 10,000 and 100,000
    .venv/bin/python bench/search_bench.py --sizes 10000   # just one size

For each N it generates synthetic providers over real postcode districts,
clustered like real supply (districts with many neighbours, i.e. towns and
cities, get more), builds the index with ``SearchIndex.rebuild``, then times
a fixed mix of 500 queries (postcode + service; + text; + filters; sorted by
distance) in a *fresh worker process* that opens the index cold, so the RSS
printed is what one web worker costs. The same queries then run against

* naive: an SQLite providers table, SQL filtered by service (and the simple
  column filters), distances computed in Python for every row returned;
* rtree: the same plus an R*Tree on the providers' points, so SQL only
  returns providers inside the query's bounding box.

Both baselines compute the total and the page but no facets, so the ratios
flatter them slightly. Targets at 100,000 (issue 4): p95 <= 20 ms, >= 10x
faster than naive, rebuild <= 60 s.

To time the HTTP endpoint too, pass a callable to :func:`main` (or call
:func:`time_queries` yourself)::

    from bench.search_bench import main
    def endpoint(params):            # params: a dict of /api/v1/search query-string values
        client.get("/api/v1/search", query_string=params)
    main(["--sizes", "10000"], extra_timers={"http": endpoint})

The callable runs in the parent process after the index is built; building
an app on top of that index directory is the caller's business (the
directory is passed as ``params["_index_dir"]``, popped before the request
if you don't want it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from searchindex import ProviderDocument, SearchIndex, SearchQuery  # noqa: E402
from searchindex.geo import distance_miles, outcode_centroids  # noqa: E402

SEED = 20260401
QUERY_COUNT = 500
SERVICES = [
    ("home-care", "Home care"),
    ("personal-care", "Personal care"),
    ("companionship", "Companionship"),
    ("meals", "Hot meals"),
    ("nursing", "Nursing"),
    ("respite", "Respite care"),
    ("shopping", "Shopping help"),
    ("cleaning", "Cleaning"),
    ("dementia-care", "Dementia care"),
    ("learning-disability", "Learning disability support"),
    ("children", "Children's support"),
    ("transport", "Transport"),
    ("overnight", "Overnight care"),
    ("day-service", "Day service"),
    ("gardening", "Gardening"),
    ("befriending", "Befriending"),
]
SERVICE_WEIGHTS = [10, 8, 7, 4, 3, 4, 5, 5, 4, 3, 2, 3, 2, 2, 1, 3]
LANGUAGES = ["en", "bsl", "makaton", "pl", "ur", "pa", "bn", "gu", "ar", "so", "ro", "cy"]
BADGES = ["enhanced-dbs", "dbs-update-service", "insurance", "cqc-registered", "food-hygiene-5", "right-to-work"]
WORDS = (
    "friendly reliable experienced caring patient kind gentle qualified trained local family independent "
    "community support elderly dementia stroke mobility medication cooking halal vegetarian gardening "
    "garden walks music church mosque temple library shopping bathing dressing companionship nurse "
    "retired former teacher carer driver cook chef baker punjabi polish urdu welsh bengali signing deaf "
    "blind wheelchair hoist palliative overnight weekends evenings mornings pets dogs cats knitting".split()
)
FIRST = (
    "Amira Ben Chloe Dev Ewa Femi Grace Harpreet Ioan Jas Kasia Leon Maya Nia Omar Priya Rhys Sam Tomasz Zara".split()
)
LAST = "Ahmed Brown Clarke Davies Evans Fraser Ghosh Hughes Iqbal Jones Kowalski Lewis Morgan Nowak Patel Roberts Singh Taylor Williams".split()
ORG = "Care Support Helping Hands Home Comfort Kindly Neighbours Meals Community Trust Angels Friends".split()


# -- data ------------------------------------------------------------------


def district_weights() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Districts, their centroids and a supply weight.

    Districts are roughly population units already, and towns pack more of
    them together; weighting each by the square root of its number of
    neighbours within 8 miles puts about a quarter of all providers within
    15 miles of central London (the population share is nearer a seventh), so
    city queries are the hard case they will be in production.
    """
    centroids = outcode_centroids()
    names = sorted(centroids)
    lat = np.array([centroids[n][0] for n in names])
    lon = np.array([centroids[n][1] for n in names])
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    counts = np.empty(len(names))
    for i in range(len(names)):
        dphi = lat_r - lat_r[i]
        dl = lon_r - lon_r[i]
        a = np.sin(dphi / 2) ** 2 + np.cos(lat_r[i]) * np.cos(lat_r) * np.sin(dl / 2) ** 2
        counts[i] = (2 * 3958.7613 * np.arcsin(np.sqrt(np.minimum(1, a))) <= 8).sum()
    weights = counts**0.5
    return names, lat, lon, weights / weights.sum()


def make_documents(n: int, seed: int = SEED) -> list[ProviderDocument]:
    """``n`` synthetic listed providers, deterministic for a seed."""
    return list(iter_documents(n, seed))


def iter_documents(n: int, seed: int = SEED) -> Iterator[ProviderDocument]:
    """The same providers as :func:`make_documents`, one at a time (bounded memory at 500,000)."""
    rng = random.Random(seed)
    names, lat, lon, weights = district_weights()
    np_rng = np.random.default_rng(seed)
    districts = np_rng.choice(len(names), size=n, p=weights)
    for i in range(n):
        d = int(districts[i])
        is_pa = rng.random() < 0.6
        k = rng.choice([1, 1, 2, 2, 3, 4])
        chosen = sorted(set(rng.choices(range(len(SERVICES)), weights=SERVICE_WEIGHTS, k=k)))
        rate = rng.randrange(1200, 3500, 50) if rng.random() < 0.9 else None
        reviews = rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 21, 40])
        availability = 0
        for day in range(7):
            for part in range(4):
                if rng.random() < (0.5 if part < 3 else 0.15):
                    availability |= 1 << (day * 4 + part)
        name = (
            f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if is_pa
            else f"{rng.choice(LAST)} {rng.choice(ORG)} {rng.choice(ORG)}"
        )
        yield (
            ProviderDocument(
                id=i + 1,
                slug=f"provider-{i + 1}",
                name=name,
                kind="pa" if is_pa else "organisation",
                about=" ".join(rng.choices(WORDS, k=rng.randint(15, 60))),
                outcode=names[d],
                latitude=float(lat[d]),
                longitude=float(lon[d]),
                travel_radius_miles=float(rng.choice([3, 5, 5, 8, 10, 10, 15, 20, 30])),
                listed_services=tuple(SERVICES[j][0] for j in chosen),
                service_names=tuple(SERVICES[j][1] for j in chosen),
                rate_min_pence=rate,
                rate_max_pence=None if rate is None else rate + rng.randrange(0, 1000, 50),
                rating_score=None if reviews == 0 else round(rng.uniform(5.5, 9.8), 1),
                review_count=reviews,
                languages=tuple(sorted({"en"} | set(rng.sample(LANGUAGES[1:], rng.choice([0, 0, 0, 1, 1, 2]))))),
                availability=availability,
                gender=rng.choice(["female", "female", "male", "non-binary", None]) if is_pa else None,
                badges=tuple(sorted(rng.sample(BADGES, rng.randint(0, 4)))),
            )
        )


def make_queries(seed: int = SEED + 1) -> list[SearchQuery]:
    """The fixed mix: a quarter each of service only, + text, + filters, sorted by distance."""
    rng = random.Random(seed)
    names, lat, lon, weights = district_weights()
    np_rng = np.random.default_rng(seed)
    places = np_rng.choice(len(names), size=QUERY_COUNT, p=weights)
    queries = []
    for i in range(QUERY_COUNT):
        p = int(places[i])
        kind = i % 4
        service = rng.choices([s for s, _ in SERVICES], weights=SERVICE_WEIGHTS)[0]
        q = dict(
            latitude=float(lat[p]),
            longitude=float(lon[p]),
            radius_miles=float(rng.choice([5, 10, 10, 10, 15, 25])),
            services=(service,),
        )
        if kind == 1:
            q["text"] = rng.choice(
                ["friendly", "dementia", "cooking", "polish", "retired nurse", "kind carer", "halal meals", "garden"]
            )
        elif kind == 2:
            q["max_rate_pence"] = rng.choice([2000, 2500, 3000])
            q["min_rating"] = rng.choice([None, 6.0, 7.5])
            q["languages"] = rng.choice([(), (), ("pl",), ("ur",)])
            q["badges"] = rng.choice([("enhanced-dbs",), (), ("dbs-update-service",)])
            q["day"] = rng.choice([None, 0, 3, 5])
            q["part"] = rng.choice([None, 0, 2])
            q["kinds"] = rng.choice([(), ("pa",), ("organisation",)])
        elif kind == 3:
            q["sort"] = "distance"
        queries.append(SearchQuery(**q))
    return queries


def query_params(q: SearchQuery) -> dict:
    """The query as plain JSON-able values (for the worker and for HTTP hooks)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in q.__dict__.items()}


# -- baselines -------------------------------------------------------------


def build_sqlite(docs: list[ProviderDocument], path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE providers (id INTEGER PRIMARY KEY, name TEXT, about TEXT, kind TEXT, latitude REAL,
            longitude REAL, radius REAL, rate_min INTEGER, rating REAL, reviews INTEGER,
            availability INTEGER, gender TEXT, languages TEXT, badges TEXT, service_names TEXT, badge_count INTEGER);
        CREATE TABLE provider_services (provider_id INTEGER, slug TEXT);
        CREATE INDEX provider_services_slug ON provider_services (slug, provider_id);
        CREATE INDEX provider_services_provider ON provider_services (provider_id, slug);
        CREATE VIRTUAL TABLE provider_points USING rtree (id, min_lat, max_lat, min_lon, max_lon);
        """
    )
    conn.executemany(
        "INSERT INTO providers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                d.id,
                d.name,
                d.about,
                d.kind,
                d.latitude,
                d.longitude,
                d.travel_radius_miles,
                d.rate_min_pence,
                d.rating_score,
                d.review_count,
                d.availability,
                d.gender,
                " " + " ".join(d.languages) + " ",
                " " + " ".join(d.badges) + " ",
                " ".join(d.service_names),
                len(d.badges),
            )
            for d in docs
        ],
    )
    conn.executemany("INSERT INTO provider_services VALUES (?,?)", [(d.id, s) for d in docs for s in d.listed_services])
    conn.executemany(
        "INSERT INTO provider_points VALUES (?,?,?,?,?)",
        [(d.id, d.latitude, d.latitude, d.longitude, d.longitude) for d in docs],
    )
    conn.commit()
    return conn


def sql_search(conn: sqlite3.Connection, q: SearchQuery, use_rtree: bool) -> tuple[int, list[int]]:
    """Total and first page (distance order) the way a plain SQL app would do it."""
    where = ["p.id IN (SELECT provider_id FROM provider_services WHERE slug = ?)"]
    args: list = [q.services[0]]
    for extra in q.services[1:]:
        where.append("p.id IN (SELECT provider_id FROM provider_services WHERE slug = ?)")
        args.append(extra)
    if q.kinds:
        where.append(f"p.kind IN ({','.join('?' * len(q.kinds))})")
        args.extend(q.kinds)
    if q.max_rate_pence is not None:
        where.append("p.rate_min <= ?")
        args.append(q.max_rate_pence)
    if q.min_rating is not None:
        where.append("p.rating >= ?")
        args.append(q.min_rating)
    for lang in q.languages:
        where.append("p.languages LIKE ?")
        args.append(f"% {lang} %")
    for badge in q.badges:
        where.append("p.badges LIKE ?")
        args.append(f"% {badge} %")
    for word in q.text.split():
        where.append("(p.name LIKE ? OR p.about LIKE ? OR p.service_names LIKE ?)")
        args.extend([f"%{word}%"] * 3)
    if use_rtree:
        # The box first (CROSS JOIN fixes the join order), then each row's services by key.
        dlat = math.degrees(q.radius_miles / 3958.7613) * 1.001
        dlon = dlat / math.cos(math.radians(abs(q.latitude) + dlat)) * 1.001
        for i, slug in enumerate(q.services):
            where[i] = "EXISTS (SELECT 1 FROM provider_services s WHERE s.provider_id = p.id AND s.slug = ?)"
        where.append("r.min_lat >= ? AND r.max_lat <= ? AND r.min_lon >= ? AND r.max_lon <= ?")
        args.extend([q.latitude - dlat, q.latitude + dlat, q.longitude - dlon, q.longitude + dlon])
        source = "provider_points r CROSS JOIN providers p ON p.id = r.id"
    else:
        source = "providers p"
    sql = f"SELECT p.id, p.latitude, p.longitude, p.radius, p.availability FROM {source} WHERE {' AND '.join(where)}"
    mask = 0
    if q.day is not None and q.part is not None:
        mask = 1 << (q.day * 4 + q.part)
    elif q.day is not None:
        mask = 0b1111 << (q.day * 4)
    elif q.part is not None:
        mask = sum(1 << (d * 4 + q.part) for d in range(7))
    found = []
    for pid, lat, lon, radius, availability in conn.execute(sql, args):
        if mask and not availability & mask:
            continue
        d = distance_miles(q.latitude, q.longitude, lat, lon)
        if d <= min(radius, q.radius_miles):
            found.append((d, pid))
    found.sort()
    return len(found), [pid for _, pid in found[: q.per_page]]


# -- timing ----------------------------------------------------------------


def summarise(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
    }


def time_queries(fn: Callable[[dict], object], queries: list[SearchQuery], extra: dict | None = None) -> dict:
    """Time ``fn(params)`` over the query mix; the hook for the HTTP endpoint."""
    samples = []
    for q in queries:
        params = query_params(q) | (extra or {})
        start = time.perf_counter()
        fn(params)
        samples.append((time.perf_counter() - start) * 1000)
    return summarise(samples)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(index_dir: str) -> None:
    """Child process: open the index cold, time the mix, report JSON on stdout."""
    queries = make_queries()
    rss_before = rss_mb()
    start = time.perf_counter()
    index = SearchIndex(index_dir, result_cache_size=0)  # the search itself, not the cache
    first = index.search(queries[0])
    cold_ms = (time.perf_counter() - start) * 1000
    # Warm-up pass, then the timed pass.
    for q in queries[:50]:
        index.search(q)
    samples = []
    totals = []
    hits = []
    for q in queries:
        start = time.perf_counter()
        result = index.search(q)
        samples.append((time.perf_counter() - start) * 1000)
        totals.append(result.total)
        hits.append([h.id for h in result.hits])
    by_kind = {name: summarise(samples[i::4]) for i, name in enumerate(["service", "text", "filters", "distance"])}
    print(
        json.dumps(
            {
                "search": summarise(samples),
                "by_kind": by_kind,
                "cold_first_query_ms": cold_ms,
                "rss_start_mb": rss_before,
                "rss_mb": rss_mb(),
                "totals": totals,
                "hits": hits,
                "first_total": first.total,
            }
        )
    )


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def bench_size(n: int, workdir: Path, extra_timers: dict[str, Callable[[dict], object]], procs: int = 1) -> None:
    print(f"\n=== N = {n:,} providers ===", flush=True)
    t0 = time.perf_counter()
    docs = make_documents(n)
    print(f"generated documents in {time.perf_counter() - t0:.1f} s")
    index_dir = workdir / f"index-{n}"
    index = SearchIndex(index_dir)
    t0 = time.perf_counter()
    index.rebuild(docs, procs=procs)
    build_s = time.perf_counter() - t0
    print(f"rebuild (procs={procs}): {build_s:.1f} s   index on disk: {dir_size_mb(index_dir):.1f} MB")

    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(index_dir)], check=True, capture_output=True, text=True
    )
    report = json.loads(out.stdout)
    s = report["search"]
    print(
        f"SearchIndex.search (fresh worker, 500 queries): median {s['median']:.2f} ms  p95 {s['p95']:.2f} ms  max {s['max']:.2f} ms"
    )
    for name, k in report["by_kind"].items():
        print(f"    {name:<9} median {k['median']:.2f} ms  p95 {k['p95']:.2f} ms")
    print(
        f"worker: first query on a cold index {report['cold_first_query_ms']:.0f} ms; RSS {report['rss_start_mb']:.0f} MB at start (Python + numpy + whoosh), {report['rss_mb']:.0f} MB after the mix"
    )

    conn = build_sqlite(docs, workdir / f"providers-{n}.sqlite3")
    queries = make_queries()
    baseline = {}
    mismatches = 0
    for name, use_rtree in (("naive SQL + Python distances", False), ("SQLite R*Tree", True)):
        samples = []
        for i, q in enumerate(queries):
            start = time.perf_counter()
            total, page = sql_search(conn, q, use_rtree)
            samples.append((time.perf_counter() - start) * 1000)
            if not q.text and q.sort == "distance" and (total != report["totals"][i] or page != report["hits"][i]):
                mismatches += 1
            elif not q.text and total != report["totals"][i]:
                mismatches += 1
        baseline[name] = summarise(samples)
    conn.close()
    for name, b in baseline.items():
        print(
            f"{name:<30} median {b['median']:.2f} ms  p95 {b['p95']:.2f} ms   ratio (baseline/search): median {b['median'] / s['median']:.1f}x  p95 {b['p95'] / s['p95']:.1f}x"
        )
    print(f"cross-check against the SQL baselines (queries without text): {mismatches} disagreements")
    for name, fn in extra_timers.items():
        t = time_queries(fn, queries, {"_index_dir": str(index_dir)})
        print(f"{name:<30} median {t['median']:.2f} ms  p95 {t['p95']:.2f} ms")


def main(argv: list[str] | None = None, extra_timers: dict[str, Callable[[dict], object]] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated provider counts")
    parser.add_argument("--workdir", help="keep indexes and databases here (default: a temporary folder)")
    parser.add_argument("--procs", type=int, default=1, help="indexing processes for rebuild (default 1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, numpy {np.__version__}")
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            bench_size(n, workdir, extra_timers or {}, args.procs)
    else:
        with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
            for n in sizes:
                bench_size(n, Path(tmp), extra_timers or {}, args.procs)


if __name__ == "__main__":
    from bench.http_timer import make_http_timer

    main(extra_timers={"HTTP GET /api/v1/search": make_http_timer(make_documents, SERVICES)})
