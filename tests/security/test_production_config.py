"""Item 7: production configuration fails fast."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import ConfigurationError
from registry import create_app
from tests.security.conftest import production_config

ROOT = Path(__file__).resolve().parents[2]
GOOD = production_config(SECRET_KEY="k" * 32)


def test_production_without_a_database_url_refuses_to_start_instead_of_using_sqlite(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app({**GOOD, "SQLALCHEMY_DATABASE_URI": None})


@pytest.mark.parametrize("length", [8, 16, 31])
def test_production_refuses_a_short_secret_key(length):
    with pytest.raises(ConfigurationError, match="too short"):
        create_app({**GOOD, "SECRET_KEY": "k" * length})


def test_production_starts_with_a_32_character_key():
    assert create_app(GOOD).config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_per_process_rate_limits():
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        create_app({**GOOD, "RATELIMIT_STORAGE_URI": "memory://"})


def test_production_must_be_told_how_many_proxies_to_trust():
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_COUNT"):
        create_app({**GOOD, "TRUSTED_PROXY_COUNT": None})
    assert create_app({**GOOD, "TRUSTED_PROXY_COUNT": 0})


def test_an_unknown_registry_env_is_named():
    with pytest.raises(ConfigurationError, match="REGISTRY_ENV must be one of"):
        create_app({"REGISTRY_ENV": "prod"})


def test_development_without_a_secret_key_uses_a_private_random_key_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(tmp_path))
    first = create_app({"REGISTRY_ENV": "development", "SECRET_KEY": "dev-only-not-secret"})
    again = create_app({"REGISTRY_ENV": "development", "SECRET_KEY": "dev-only-not-secret"})
    key = first.config["SECRET_KEY"]
    assert key != "dev-only-not-secret" and len(key) >= 32
    assert again.config["SECRET_KEY"] == key  # sessions survive a restart
    assert (tmp_path / "secret-key").stat().st_mode & 0o077 == 0


def test_gunicorn_without_registry_env_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REGISTRY_ENV", "SECRET_KEY", "DATABASE_URL")}
    env["REGISTRY_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--check-config", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "REGISTRY_ENV is not set" in result.stdout + result.stderr
