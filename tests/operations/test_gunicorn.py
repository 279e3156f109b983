"""The registry as production runs it: gunicorn with several worker processes over one database and index.

Each test starts a real gunicorn on a free local port. Officers act through
HTTP; recipients search through HTTP; whichever worker answers must agree
with the database, also after the index was locked during the change and
after gunicorn was killed outright.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from whoosh import index as whoosh_index

from registry.extensions import db
from registry.providers.services import get_by_slug
from registry.searching.services import rebuild, search_index
from tests.conftest import PASSWORD, TOTP_SECRET, approve_checks, totp_code

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """Start (and restart) gunicorn serving this test's database and index folder."""
    port = _free_port()
    env = {
        **os.environ,
        "REGISTRY_ENV": "testing",
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
        "DOCUMENTS_DIR": app.config["DOCUMENTS_DIR"],
        "SEARCH_CATCHUP_SECONDS": "0",
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    procs = []
    log = open(tmp_path / "gunicorn.log", "ab")
    access_log = tmp_path / "access.log"

    def start(extra_env: dict[str, str] | None = None, config_file: bool = False) -> str:
        """Start gunicorn; ``config_file``: with deploy/gunicorn.conf.py (its hooks), as production runs it."""
        access_log.write_text("")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *(["-c", str(ROOT / "deploy" / "gunicorn.conf.py")] if config_file else []),
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
                # Which worker process answered each request: the proof that every worker was asked.
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                "%(p)s %(U)s %(s)s",
                "wsgi:app",
            ],
            cwd=ROOT,
            env={**env, **(extra_env or {})},
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    return base
            except requests.RequestException:  # not listening yet, or workers still booting
                time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        raise RuntimeError(f"gunicorn did not start; see {tmp_path / 'gunicorn.log'}")

    def kill() -> None:
        os.killpg(procs[-1].pid, signal.SIGKILL)  # master and workers, no clean shutdown
        procs[-1].wait(10)

    def workers() -> set[int]:
        """The worker processes of the running gunicorn (children of its master)."""
        master = procs[-1].pid
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            if int(fields[1]) == master:
                children.add(int(stat.parent.name))
        return children

    def answered(path: str, since: int = 0) -> set[int]:
        """The worker processes that have answered ``path`` since this gunicorn started (or since log line ``since``)."""
        lines = access_log.read_text().splitlines()[since:]
        return {int(line.split()[0].strip("<>")) for line in lines if line.split()[1:2] == [path]}

    def log_lines() -> int:
        return len(access_log.read_text().splitlines())

    start.kill = kill
    start.workers = workers
    start.answered = answered
    start.log_lines = log_lines
    yield start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
    log.close()


def _search(base: str) -> set[str]:
    response = requests.get(f"{base}/api/v1/search", params={"postcode": "LS6"}, timeout=5)
    assert response.status_code == 200, response.text
    return {r["slug"] for r in response.json()["results"]}


def _search_on_every_worker(gunicorn, base: str, expected: set[str]) -> None:
    """Search until each of the WORKERS processes has answered at least once (30 s at most); every answer is ``expected``."""
    workers = gunicorn.workers()
    assert len(workers) == WORKERS, workers
    since, asked = gunicorn.log_lines(), 0
    deadline = time.monotonic() + 30
    while not workers <= gunicorn.answered("/api/v1/search", since):
        answered = gunicorn.answered("/api/v1/search", since)
        assert time.monotonic() < deadline, f"after {asked} searches only {answered} of {workers} answered"
        assert _search(base) == expected
        asked += 1
        time.sleep(0.01)  # the access log line is written after the answer


def _officer(base: str, email: str) -> requests.Session:
    """An officer signed in: the password, then enrolling an authenticator app with the key the page shows."""
    session = requests.Session()
    assert (
        session.post(
            f"{base}/account/sign-in", data={"email": email, "password": PASSWORD}, allow_redirects=False, timeout=5
        ).status_code
        == 302
    )
    secret = TOTP_SECRET.search(session.get(f"{base}/account/second-factor/enrol", timeout=5).text).group(1)
    enrolled = session.post(
        f"{base}/account/second-factor/enrol", data={"code": totp_code(secret)}, allow_redirects=False, timeout=5
    )
    assert enrolled.status_code == 302
    return session


def _listed_pair(app, make_provider):
    slugs = [make_provider(name=name, base_postcode="LS6 2AA") for name in ("Ann Carer", "Bea Carer")]
    for slug in slugs:
        approve_checks(app, slug)
    with app.app_context():
        rebuild(db.session, search_index())
    return slugs


def test_every_gunicorn_worker_stops_showing_a_suspended_provider_at_once(app, make_provider, make_user, gunicorn):
    ann, bea = _listed_pair(app, make_provider)
    base = gunicorn()
    _search_on_every_worker(gunicorn, base, {ann, bea})
    officer = _officer(base, make_user("officer"))
    response = officer.post(
        f"{base}/officer/providers/{ann}/suspend", data={"reason": "Police enquiry"}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302
    _search_on_every_worker(gunicorn, base, {bea})
    with app.app_context():
        assert get_by_slug(ann).id not in search_index().ids()


def test_a_suspension_made_while_the_index_is_locked_survives_a_killed_server(app, make_provider, make_user, gunicorn):
    ann, bea = _listed_pair(app, make_provider)
    base = gunicorn()
    officer = _officer(base, make_user("officer"))
    with app.app_context():
        generation = os.path.join(search_index().directory, search_index().current_generation())
    writer = whoosh_index.open_dir(generation).writer()  # another process holds the index
    try:
        response = officer.post(
            f"{base}/officer/providers/{ann}/suspend",
            data={"reason": "Police enquiry"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302  # the officer's action is saved whatever the index does
        _search_on_every_worker(gunicorn, base, {bea})  # the database check hides it, in every worker
        gunicorn.kill()  # the server dies before anything applied the change to the index
    finally:
        writer.cancel()
    with app.app_context():
        assert get_by_slug(ann).id in search_index().ids()  # still in the index...
    base = gunicorn()
    assert _search(base) == {bea}  # ...never shown, and the first search after the restart caught up
    with app.app_context():
        assert get_by_slug(ann).id not in search_index().ids()


METRICS_TOKEN = "metrics-token-for-the-gunicorn-test-0123456789"


def _healthz_count(base: str) -> float:
    """The histogram's count of /healthz answers, as one scrape (answered by any one worker) reports it."""
    response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5)
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "registry_http_request_duration_seconds_count" and sample.labels == {
                "endpoint": "main.healthz",
                "status": "2xx",
            }:
                return sample.value
    return 0.0


def test_metrics_add_up_across_every_gunicorn_worker(app, gunicorn, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    # A file from an earlier run, by a process long gone (past any pid Linux gives): unreadable, so it must go.
    (folder / "counter_99999999.db").write_bytes(b"an earlier run's file")
    # One written by a process still running here (this test's, standing in for `flask worker`): it must stay.
    MmapedDict(str(folder / f"counter_{os.getpid()}.db")).close()
    base = gunicorn({"PROMETHEUS_MULTIPROC_DIR": str(folder), "METRICS_TOKEN": METRICS_TOKEN}, config_file=True)
    assert not (folder / "counter_99999999.db").exists()
    assert (folder / f"counter_{os.getpid()}.db").exists()
    before = _healthz_count(base)
    workers, since, asked = gunicorn.workers(), gunicorn.log_lines(), 0
    assert len(workers) == WORKERS
    deadline = time.monotonic() + 30
    while not workers <= gunicorn.answered("/healthz", since):
        assert time.monotonic() < deadline, f"after {asked} requests only {gunicorn.answered('/healthz', since)}"
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        asked += 1
        time.sleep(0.01)
    # Every worker answered some of them; whichever worker answers each scrape, the count is all of them.
    for _ in range(2 * WORKERS):
        assert _healthz_count(base) - before == asked
    assert len(list(folder.glob("histogram_*.db"))) >= WORKERS


def test_a_worker_forked_from_the_preloading_master_keeps_off_its_connections(app):
    """The shipped gunicorn preloads the app: a worker starts from the master's copy, pool included. After
    registry.after_fork it talks to the database on a connection of its own, and the master's still works."""
    from sqlalchemy import text

    from registry import after_fork

    def backend(session):
        on_postgres = session.get_bind().dialect.name == "postgresql"
        return session.execute(text("SELECT pg_backend_pid()" if on_postgres else "SELECT 1")).scalar()

    with app.app_context():
        master = backend(db.session)
        db.session.commit()  # back in the pool, as the master leaves it
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                os.close(read)
                after_fork(app)
                with app.app_context():
                    os.write(write, str(backend(db.session)).encode())
                    db.session.commit()
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        worker = int(os.read(read, 64) or 0)
        os.close(read)
        assert os.waitstatus_to_exitcode(status) == 0
        assert backend(db.session) == master  # the same connection of the master's, still open
        if db.session.get_bind().dialect.name == "postgresql":
            assert worker not in (0, master)  # its own backend, never the master's socket
