"""`flask demo seed` never runs under the production configuration."""

from sqlalchemy import func, select

from registry import create_app
from registry.accounts.models import User
from registry.extensions import db
from tests.security.conftest import production_config


def test_demo_seed_is_refused_under_production_config(app, database_url, tmp_path, monkeypatch):
    # ``app`` empties the tables first.
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(tmp_path))
    production = create_app(production_config(SQLALCHEMY_DATABASE_URI=database_url))
    result = production.test_cli_runner().invoke(args=["demo", "seed", "--cities", "0", "--providers", "1"])
    assert result.exit_code != 0
    assert "does not run under the production configuration" in result.output
    with production.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.remove()
        db.engine.dispose()
