"""gunicorn settings for the registry: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden by the environment variable named beside it.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, one per core and one more to use a core while another waits on the
# database: a request is mostly CPU (search answers from memory). Load-tested on 2 cores
# with PostgreSQL alongside (README, "Workers"), 3 workers served the search page at 465
# to 497 req/s, p99 27 to 34 ms, against 429 to 443, p99 34 to 37 ms, with 4. Raise it
# where requests wait longer (a remote database, slow uploads).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# Longer than S3 (S3_MAX_ATTEMPTS x (connect + read timeouts)) and the database's statement
# timeout, so a slow dependency ends in a clear error, not a killed worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so no slow leak lives for ever. Not often: a new
# worker reloads the index's columns and starts with an empty result cache, and
# at 5,000 each worker restarted every half minute under load (a p99 spike each time).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# The app logs each request itself, as one JSON line with its request id (registry/monitoring), so
# gunicorn's own access log is off unless GUNICORN_ACCESSLOG names a file ("-": standard output).
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
# Preloaded: the master imports everything and builds the app once, and the workers share those pages
# (copy-on-write) instead of each holding its own copy: about 150 MB a worker at 100,000 providers
# (bench/http_load.py reports each worker's RSS and PSS). Each worker still opens its own database
# connections and search index after the fork (post_fork). A new release needs a restart of the master,
# not a HUP (which re-forks workers from the code already loaded). GUNICORN_PRELOAD=0 turns it off.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no")


def pre_fork(server, worker):
    """Before the master forks a worker: move everything it holds out of the collector's reach, so a worker's
    collections never write to (and so copy) the pages it shares with the master."""
    gc.freeze()


def post_fork(server, worker):
    """In the new worker, let go of the master's database connections and index files (registry.after_fork)."""
    if server.cfg.preload_app:
        from registry import after_fork

        after_fork(worker.app.wsgi())


def post_worker_init(worker):
    """Keep the worker's start-up objects (the app and everything imported) out of garbage collection.

    A full collection walked every one of them under load: the search page's p99
    was 42 to 58 ms with them scanned and 31 to 37 ms frozen, back to back
    (bench/RESULTS.md). They live as long as the worker, so nothing is lost.
    """
    gc.freeze()


# Prometheus (/metrics): with PROMETHEUS_MULTIPROC_DIR set, every worker keeps its counts in files there and
# whichever worker answers a scrape adds up all of them (prometheus-client's multiprocess mode). The folder
# must exist before the app is imported and hold no files from an earlier run of this server.
def on_starting(server):
    """Clear the metrics folder of files left by processes that are gone (an earlier run of this server).

    A running process's files stay: a `flask worker` on this machine may share the folder, so this node's
    /metrics also counts its job runs, and its counts must not vanish when gunicorn restarts.
    """
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db") and not _running(name[: -len(".db")].rpartition("_")[2]):
            os.remove(os.path.join(folder, name))


def _running(pid: str) -> bool:
    """Whether the process whose id a metrics file is named after still runs."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def child_exit(server, worker):
    """A worker that ended (recycled, killed) stops counting in live gauges; its counters and histograms stay."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
