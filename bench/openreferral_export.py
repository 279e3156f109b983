"""How fast the Open Referral feed gives itself away: the ndjson export, and a cursor harvest page by page.

    .venv/bin/python bench/openreferral_export.py                       # 20,000 providers, SQLite, a few minutes
    .venv/bin/python bench/openreferral_export.py --providers 5000 --skip-harvest
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/openreferral_export.py   # its schema is wiped

Builds the data set of bench/openreferral_bench.py (N listed providers, 1 to
4 services, four checks and one or two languages each), then, through the
WSGI app in-process (no network, no compression):

* reads ``/openreferral/services?format=ndjson`` to the end: wall and CPU
  seconds, services a second, first byte, peak RSS during the export;
* pages through ``/openreferral/services?per_page=1000`` following
  ``Link: rel="next"`` (cursor pages): the whole walk's wall and CPU seconds,
  the first page (which counts the feed), and each page's time. A linear
  walk's pages cost the same whatever the size of the feed, so compare runs
  of two sizes (tests/openreferral/test_paging.py does it by statement).

The machine is shared: the load average before and after is printed, and the
CPU seconds of this process are the figure least disturbed by other work.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.openreferral_bench import _build_app, _reset_peak_rss, _rss_mb, populate  # noqa: E402


def export(client) -> dict:
    rss_before = _rss_mb("VmRSS")
    peak_reset = _reset_peak_rss()
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get("/openreferral/services", query_string={"format": "ndjson"}, buffered=False)
    first_byte, lines, size = None, 0, 0
    for chunk in response.iter_encoded():
        if first_byte is None and chunk:
            first_byte = time.perf_counter() - wall
        lines += chunk.count(b"\n")
        size += len(chunk)
    response.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "status": response.status_code,
        "services": lines,
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "services_per_second": round(lines / wall),
        "services_per_cpu_second": round(lines / cpu) if cpu else None,
        "first_byte_ms": round((first_byte or 0) * 1000, 1),
        "megabytes": round(size / 1e6, 1),
        "rss_mb_before": rss_before,
        "peak_rss_mb_during": _rss_mb("VmHWM") if peak_reset else None,
    }


def cursor_harvest(client, per_page: int) -> dict:
    url = f"/openreferral/services?per_page={per_page}"
    times, items, totals = [], 0, set()
    wall, cpu = time.perf_counter(), time.process_time()
    while url:
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        body = response.get_json()
        items += body["size"]
        totals.add(body["total_items"])
        found = re.search(r'<([^>]+)>; rel="next"', response.headers.get("Link", ""))
        url = re.sub(r"^https?://[^/]+", "", found.group(1)) if found else None
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tenth = max(1, len(times) // 10)
    return {
        "pages": len(times),
        "services": items,
        "total_items_reported": sorted(totals),
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "services_per_second": round(items / wall),
        "first_page_ms": round(times[0] * 1000, 1),
        "page_ms_p50": round(statistics.median(times) * 1000, 1),
        "first_tenth_page_ms_mean": round(statistics.mean(times[1 : tenth + 1] or times) * 1000, 1),
        "last_tenth_page_ms_mean": round(statistics.mean(times[-tenth - 1 : -1] or times) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=20_000)
    parser.add_argument("--per-page", type=int, default=1000)
    parser.add_argument("--skip-harvest", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(os.environ.get("DATABASE_URL"), folder)
        services = populate(app, args.providers)
        client = app.test_client()
        result = {
            "providers": args.providers,
            "listed_services": services,
            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        }
        result["ndjson_export"] = export(client)
        assert result["ndjson_export"]["services"] == services, (result["ndjson_export"], services)
        if not args.skip_harvest:
            result["cursor_harvest"] = cursor_harvest(client, args.per_page)
            assert result["cursor_harvest"]["services"] == services
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
