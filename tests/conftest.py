"""Shared fixtures.

The schema is built once per database by running the real migrations (so
every run also proves they work); each test then starts from empty tables
plus the seeded service taxonomy. With ``TEST_DATABASE_URL`` set, every test
runs twice: on SQLite and on that PostgreSQL database.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from registry import create_app
from registry.extensions import db
from tests.factories import CHECK_DETAILS as DETAILS_OF_EVERY_KIND
from tests.factories import PASSWORD  # noqa: F401  (re-exported: tests import it from here)

ROOT = Path(__file__).resolve().parent.parent
# What every enquiry must say besides the service and the message: where, which days and times, how many hours.
ENQUIRY_DETAILS = {"district": "LS6", "times": "tue-afternoon", "hours_per_week": "6"}


def _migration(number: str, name: str):
    path = next((ROOT / "migrations" / "versions").glob(f"{number}_*.py"))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TAXONOMY = _migration("0002", "taxonomy_migration")
# The audit log's append-only triggers, as the migration installs them.
AUDIT_TRIGGERS = _migration("0008", "audit_triggers_migration")


def _database_params():
    params = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        params.append("postgresql")
    return params


def reset_postgres_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=_database_params())
def database_url(request, tmp_path_factory):
    """A database migrated to head, once per test session and backend."""
    # TEST_SQLITE_TEMPLATE (set by `make mutation`, which starts a test session per mutant): the first session
    # migrates and saves the database file there, later sessions copy it instead of migrating again.
    template = os.environ.get("TEST_SQLITE_TEMPLATE") if request.param == "sqlite" else None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = "sqlite:///" + str(path)
        if template and os.path.exists(template):
            shutil.copyfile(template, path)
            return url
    else:
        url = os.environ["TEST_DATABASE_URL"]
        reset_postgres_schema(url)
    app = create_app({"REGISTRY_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    if template:
        shutil.copyfile(path, f"{template}.{os.getpid()}.tmp")
        os.replace(f"{template}.{os.getpid()}.tmp", template)
    return url


@pytest.fixture(scope="session", autouse=True)
def _listing_clause_built_afresh():
    """Each test session builds the listing rule's SQL anew (it is cached per day in the process).

    One session per process makes this a no-op; a mutation run (``make mutation``) starts a session per mutant
    in a process forked after the clean run, which would otherwise reuse the clause built from unchanged code.
    """
    from registry.checks.listing import listed_now_clause

    listed_now_clause.cache_clear()


def _empty_tables() -> None:
    """Delete every row, then put the seeded taxonomy back.

    The audit log refuses DELETE (SQLite) and TRUNCATE (PostgreSQL), so the
    wipe lifts that trigger and restores it in the same transaction: no test
    ever runs against an audit table that accepts deletes.
    """
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(
                sa.text(f"ALTER TABLE audit_events DISABLE TRIGGER {AUDIT_TRIGGERS.POSTGRES_TRUNCATE_TRIGGER}")
            )
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(sa.text(f"ALTER TABLE audit_events ENABLE TRIGGER {AUDIT_TRIGGERS.POSTGRES_TRUNCATE_TRIGGER}"))
        else:
            conn.execute(sa.text(f"DROP TRIGGER {AUDIT_TRIGGERS.SQLITE_DELETE_TRIGGER}"))
            for table in tables:
                conn.execute(table.delete())
            conn.execute(sa.text(AUDIT_TRIGGERS.SQLITE_TRIGGERS[AUDIT_TRIGGERS.SQLITE_DELETE_TRIGGER]))
        conn.execute(db.metadata.tables["service_types"].insert(), TAXONOMY.service_rows())
        conn.execute(db.metadata.tables["service_requirements"].insert(), TAXONOMY.requirement_rows())
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('service_types', 'id'), 100)"))


def make_app(database_url: str, tmp_path: Path, **overrides):
    config = {
        "REGISTRY_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoint.json"),
        "SERVER_NAME": "registry.test",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config():
    """Override single settings for one test: ``@pytest.mark.parametrize`` or reassign."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    app = make_app(database_url, tmp_path, **app_config)
    with app.app_context():
        _empty_tables()
    yield app
    # The searchers the index keeps open between searches: closed here, not whenever the app is collected
    # (a file still open then is a ResourceWarning, which fails the run at an unrelated test).
    app.extensions["search_index"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` collects every SQL statement the app's engine runs.

    For asserting that a page's queries stay bounded whatever the rows on it
    (an N+1 shows up as a count that grows with the rows).
    """

    @contextmanager
    def _counting():
        with app.app_context():
            engine = db.engine
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return _counting


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.rollback()


def sign_in(client, email: str, password: str = PASSWORD, remember: bool = False, **extra):
    """Sign ``client`` in through the real sign-in form; returns the response (a 302 when it worked).

    The one way tests sign in: every route then sees the session, remember
    cookie and device cookie a browser would get. Staff (officers, admins,
    commissioners) then pass the second-factor step through its real forms:
    the first time the account signs in it enrols an authenticator app with
    the key the page shows (see :func:`finish_second_factor`).
    """
    data = {"email": email, "password": password, **extra}
    if remember:
        data["remember"] = "y"
    return finish_second_factor(client, email, client.post("/account/sign-in", data=data))


# What the helpers enrolled for each staff email in the current test: the
# authenticator key the enrolment page showed, the recovery codes not yet
# used, and the newest time step a code was sent for (each step works once).
STAFF_FACTORS: dict[str, dict] = {}
TOTP_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>")


def _time_step() -> int:
    from registry import models

    return int(models.utcnow().timestamp()) // 30


def totp_code(secret: str, step: int | None = None) -> str:
    """What an authenticator app holding ``secret`` shows (now, on the app's clock, unless ``step`` is given)."""
    import pyotp

    return pyotp.TOTP(secret).generate_otp(_time_step() if step is None else step)


def next_second_factor_code(email: str) -> str:
    """A code the account will accept now: the app's code for a step not used yet, else a recovery code."""
    entry = STAFF_FACTORS[email]
    step = _time_step()
    if entry["last_step"] <= step:  # the server accepts one step either side of now
        entry["last_step"] = max(step, entry["last_step"] + 1)
        return totp_code(entry["secret"], entry["last_step"])
    return entry["codes"].pop()


def enrol_authenticator(client, email: str):
    """Enrol an authenticator app on the enrolment page the way a person would; returns the form's response."""
    page = client.get("/account/second-factor/enrol").get_data(as_text=True)
    secret = TOTP_SECRET.search(page).group(1)
    step = _time_step()
    response = client.post("/account/second-factor/enrol", data={"code": totp_code(secret, step)})
    assert response.status_code == 302, f"enrolling {email} was refused ({response.status_code})"
    codes = RECOVERY_CODE.findall(client.get(response.headers["Location"]).get_data(as_text=True))
    STAFF_FACTORS[email] = {"secret": secret, "codes": codes, "last_step": step}
    return response


def finish_second_factor(client, email: str, response):
    """After a right password, a staff account's second step: enrol (first time) or type the current code."""
    from urllib.parse import urlsplit

    if response.status_code != 302 or urlsplit(response.headers["Location"]).path != "/account/second-factor":
        return response
    step = client.get("/account/second-factor")
    if step.status_code == 302 and urlsplit(step.headers["Location"]).path == "/account/second-factor/enrol":
        return enrol_authenticator(client, email)
    return client.post("/account/second-factor", data={"code": next_second_factor_code(email)})


def signed_in(app, email: str, **kwargs):
    """A new client of ``app`` (a separate browser), signed in as ``email``."""
    client = app.test_client()
    response = sign_in(client, email, **kwargs)
    assert response.status_code == 302, f"signing in as {email} was refused ({response.status_code})"
    return client


# A page each role may open and no other role may (the proof a client is signed in as that role).
ROLE_PAGE = {
    "recipient": "/people",
    "provider": "/dashboard",
    "officer": "/officer/queue",
    "admin": "/admin/services",
    "commissioner": "/council",
}


def assert_signed_in_as(client, email: str, role: str) -> None:
    """``client`` is signed in as ``email``, whose role is ``role``: the account page names that
    account, and the role's own page opens (an anonymous client would be sent to sign in; another role, refused)."""
    account = client.get("/account/")
    assert account.status_code == 200, f"not signed in as {email}: /account/ answered {account.status_code}"
    assert f"Signed in as {email}." in account.get_data(as_text=True), f"the account page is not {email}'s"
    own_page = client.get(ROLE_PAGE[role])
    assert own_page.status_code == 200, f"{email} cannot open {ROLE_PAGE[role]} ({own_page.status_code})"
    for other, path in ROLE_PAGE.items():
        if other != role and not (role == "admin" and other == "officer"):  # admins do officers' work too
            assert client.get(path).status_code == 403, f"{email} ({role}) opened {other}'s page {path}"


class AuthActions:
    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str, password: str = PASSWORD, remember: bool = False):
        return sign_in(self.client, email, password, remember)

    def sign_out(self):
        return self.client.post("/account/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def complete_profile_data(**overrides):
    from registry.providers.services import ProfileData
    from registry.providers.vocabulary import availability_mask

    data = dict(
        display_name="Ceri Morgan",
        about="I support older people at home with personal care and companionship, calmly and kindly.",
        services=["personal-care", "companionship"],
        base_postcode="LS6 2AA",
        travel_radius_miles=10,
        rate_min_pence=1800,
        rate_max_pence=2200,
        languages=["en", "cy"],
        availability=availability_mask(["mon-morning", "tue-afternoon"]),
        phone="0113 496 0000",
        contact_email="ceri@example.com",
    )
    data.update(overrides)
    return ProfileData(**data)


# What make_provider fills in when it completes a profile (complete_profile_data's values).
PROFILE = {
    "about": "I support older people at home with personal care and companionship, calmly and kindly.",
    "services": ["personal-care", "companionship"],
    "base_postcode": "LS6 2AA",
    "travel_radius_miles": 10,
    "rate_min_pence": 1800,
    "rate_max_pence": 2200,
    "languages": ["en", "cy"],
    "phone": "0113 496 0000",
    "contact_email": "ceri@example.com",
}


@pytest.fixture
def make_user(app):
    """Create a committed user (tests.factories.UserFactory); returns its email."""
    counter = {"n": 0}

    def _make(role: str = "recipient", email: str | None = None, name: str = "Test Person", **fields):
        from registry.accounts.services import normalise_email
        from tests.factories import UserFactory

        counter["n"] += 1
        email = normalise_email(email or f"{role}{counter['n']}@example.com")
        with app.app_context():
            UserFactory(role=role, email=email, name=name.strip(), **fields)
            db.session.commit()
        return email

    return _make


@pytest.fixture
def make_provider(app):
    """Create a committed provider account with a profile (tests.factories.ProviderFactory); returns its slug.

    ``complete=True`` fills every profile field (``PROFILE``, overridden by ``profile``) and submits it;
    ``complete=False`` leaves a draft. The owner has confirmed their email (as every provider who gets
    listed has) unless ``email_verified=False``. Listing states: pass a trait (``listed=True``, ...).
    """
    counter = {"n": 0}

    def _make(
        kind: str = "pa",
        name: str | None = None,
        complete: bool = True,
        email: str | None = None,
        email_verified: bool = True,
        **profile,
    ):
        from registry.accounts.services import normalise_email
        from registry.models import utcnow
        from tests.factories import ProviderFactory

        counter["n"] += 1
        name = name or f"Provider {counter['n']}"
        email = normalise_email(email or f"{re.sub('[^a-z0-9]', '', name.lower())}{counter['n']}@example.com")
        fields = {**PROFILE, **profile} if complete else {"draft": True}
        with app.app_context():
            provider = ProviderFactory(
                kind=kind,
                display_name=name,
                user__email=email,
                user__email_verified_at=utcnow() if email_verified else None,
                **fields,
            )
            slug = provider.slug
            db.session.commit()
        return slug

    return _make


# The kinds approve_checks approves unless told: more than any one service needs, as a well-vetted provider has.
APPROVED_KINDS = ("identity", "dbs", "right_to_work", "insurance", "cqc", "food_hygiene", "qualification", "first_aid")
# Their details (tests.factories.CHECK_DETAILS has every kind's; a nation's own kinds are the nations tests' to add).
CHECK_DETAILS = {kind: DETAILS_OF_EVERY_KIND[kind] for kind in APPROVED_KINDS}


def approve_checks(
    app, slug: str, kinds=APPROVED_KINDS, days_valid: int = 365, verification_method: str = "in_person"
) -> None:
    """Give a provider approved, current checks of ``kinds`` (tests.factories.CheckFactory; not the officer flow)."""
    from registry.providers.services import get_by_slug
    from tests.factories import CheckFactory, relist

    with app.app_context():
        provider = get_by_slug(slug)
        # Built, then written in one flush with the listing they give (a flush per check costs more than the rest).
        checks = [
            CheckFactory.build(
                provider=provider, kind=kind, days_valid=days_valid, verification_method=verification_method
            )
            for kind in kinds
        ]
        db.session.add_all(checks)
        relist(provider)
        db.session.commit()


def free_port() -> int:
    """A local port free now; choose it where it is used (per test), never once at import."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis for the tests that need a real one (the rate limiter's shared store).

    ``TEST_REDIS_URL`` names one to use; otherwise the tests start their own
    ``redis-server`` (no disk, a free port) and stop it at the end. Without
    either, those tests fail saying what to install: never skipped, never a
    silent fall-back to memory.
    """
    import shutil
    import subprocess
    import time

    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("These tests need Redis: install redis-server (make test does, as root) or set TEST_REDIS_URL.")
    import redis

    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if connection.ping():
                    break
            except redis.ConnectionError:
                assert proc.poll() is None, f"redis-server stopped at once (exit {proc.returncode})"
                assert time.monotonic() < deadline, "redis-server did not answer within 15 s"
                time.sleep(0.05)
        yield url
    finally:
        connection.close()
        proc.terminate()
        proc.wait(timeout=10)


class Clock:
    """The time the sign-in rules read (``registry.models.utcnow`` as looked up at each call), moved by a test."""

    def __init__(self, real):
        self._real = real
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._real() + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """``clock.advance(minutes=31)``: staff sessions and one-time codes see the later time."""
    from registry import models

    moved = Clock(models.utcnow)
    monkeypatch.setattr(models, "utcnow", moved.now)
    return moved
