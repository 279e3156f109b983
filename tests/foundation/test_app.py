import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select

from config.settings import ConfigurationError
from registry import create_app
from registry.accounts.models import User
from registry.extensions import db
from registry.providers.models import Provider, ServiceType
from tests.conftest import PASSWORD, make_app
from tests.html_forms import parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_post_without_a_csrf_token_is_refused(app, client, make_user):
    email = make_user("recipient")
    response = client.post("/account/sign-in", data={"email": email, "password": PASSWORD})
    # Refused, but as a form with the email kept and a fresh token, not a Bad Request page.
    assert response.status_code == 422
    assert b"Everything you typed is still below" in response.data and email.encode() in response.data
    assert client.get("/account/").status_code == 302  # not signed in


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_post_with_the_csrf_token_works(client, make_user):
    email = make_user("recipient")
    page = client.get("/account/sign-in").get_data(as_text=True)
    token = parse(page).xpath('//input[@name="csrf_token"]/@value')[0]
    response = client.post("/account/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "3 per minute"}])
def test_sign_in_is_rate_limited(client, make_user):
    email = make_user("recipient")
    statuses = [
        client.post("/account/sign-in", data={"email": email, "password": "wrong-password"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    # Even the right password is refused until the window passes.
    assert client.post("/account/sign-in", data={"email": email, "password": PASSWORD}).status_code == 429


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/nowhere", tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_error_pages_use_the_site_look(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data and b"Trusted Care Registry" in response.data
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_an_unexpected_error_shows_the_500_page_and_rolls_back(app, client):
    @app.get("/explode")
    def explode():
        db.session.add(User(email="half@example.com", password_hash="x", name="Half", role="recipient"))
        db.session.flush()
        raise RuntimeError("boom")

    response = client.get("/explode")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("secret", [None, "", "dev-only-not-secret"])
def test_production_refuses_a_missing_or_default_secret_key(secret):
    config = {"REGISTRY_ENV": "production", "SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret(tmp_path):
    app = create_app(
        {
            "REGISTRY_ENV": "production",
            "SECRET_KEY": os.urandom(16).hex(),
            "AUDIT_HMAC_KEY": os.urandom(16).hex(),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PUBLIC_URL": "https://registry.example.org",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "TRUSTED_PROXY_COUNT": 1,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _fresh_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        return "sqlite:///" + str(tmp_path / "fresh.sqlite3")
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS registry_migration_check"))
        conn.execute(sa.text("CREATE DATABASE registry_migration_check"))
    engine.dispose()
    return database_url.rsplit("/", 1)[0] + "/registry_migration_check"


def test_migrations_build_an_empty_database_that_matches_the_models(database_url, tmp_path):
    url = _fresh_database_url(database_url, tmp_path)
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == []
        assert db.session.scalar(select(func.count()).select_from(ServiceType)) == 20
        db.session.remove()
        db.engine.dispose()
    if url.startswith("postgresql"):
        engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("DROP DATABASE registry_migration_check"))
        engine.dispose()


def test_demo_seed_twice_leaves_the_same_counts(app, runner):
    first = runner.invoke(args=["demo", "seed", "--cities", "0", "--providers", "25"])
    assert first.exit_code == 0, first.output

    def counts():
        with app.app_context():
            return {
                "users": db.session.scalar(select(func.count()).select_from(User)),
                "providers": db.session.scalar(select(func.count()).select_from(Provider)),
                "officers": db.session.scalar(select(func.count()).select_from(User).where(User.role == "officer")),
            }

    after_first = counts()
    second = runner.invoke(args=["demo", "seed", "--cities", "0", "--providers", "25"])
    assert second.exit_code == 0
    assert counts() == after_first
    assert after_first["providers"] == 25 and after_first["officers"] == 1
    assert "officer@" in first.output and "demo-password" in first.output
    skipped = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert "not seeding" in skipped.output


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "SEARCH_RESULT_CACHE_SIZE must be a whole number, not 'lots'."),
        ("-1", "SEARCH_RESULT_CACHE_SIZE must be 0 or more, not -1."),
    ],
)
def test_a_number_setting_that_is_not_a_count_stops_the_start_and_names_itself(value, message):
    started = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**os.environ, "SEARCH_RESULT_CACHE_SIZE": value},
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    assert f"ConfigurationError: {message}" in started.stderr
