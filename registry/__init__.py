"""The Trusted Care Registry Flask application."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from typing import Any

from flask import Flask

from config.settings import CONFIGS, DEFAULT_SECRET_KEY, ConfigurationError, check_production, public_host
from registry.unitofwork import Registry


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application.

    ``REGISTRY_ENV`` picks the configuration class; ``config`` (used by the
    tests) overrides single values on top of it.
    """
    env = (config or {}).get("REGISTRY_ENV") or os.environ.get("REGISTRY_ENV") or _default_env()
    if env not in CONFIGS:
        raise ConfigurationError(f"REGISTRY_ENV must be one of {', '.join(CONFIGS)}, not {env!r}.")
    app = Registry(
        __name__,
        instance_path=os.environ.get("REGISTRY_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(CONFIGS[env])
    app.config["REGISTRY_ENV"] = env  # commands that must not run in production ask this
    if config:
        app.config.update(config)
    if env == "production":
        # Before the embedded defaults, which would otherwise fill the gaps.
        check_production(app.config)
        app.config["TRUSTED_HOSTS"] = [public_host(app.config["PUBLIC_URL"]), *app.config["EXTRA_TRUSTED_HOSTS"]]
    os.makedirs(app.instance_path, exist_ok=True)
    _apply_embedded_defaults(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    logging.basicConfig(level=logging.INFO)
    return app


def _default_env() -> str:
    """Development, unless a production server is running us.

    Under gunicorn a missing ``REGISTRY_ENV`` is a deployment mistake, not a
    wish for the embedded demo set-up, so it stops the start.
    """
    if "gunicorn" in sys.modules:
        raise ConfigurationError(
            "REGISTRY_ENV is not set. Set REGISTRY_ENV=production for gunicorn "
            "(or REGISTRY_ENV=development to serve the embedded set-up on purpose)."
        )
    return "development"


def _instance_secret_key(instance: str) -> str:
    """A random key kept in the instance folder (made on first use, readable by its owner only).

    Development without ``SECRET_KEY`` signs sessions with this rather than a
    key published in the source code.
    """
    path = os.path.join(instance, "secret-key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key


def _apply_embedded_defaults(app: Flask) -> None:
    """Fill in the instance-folder defaults for whatever was not configured."""
    instance = app.instance_path
    if app.config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("SQLALCHEMY_DATABASE_URI") or (
        "sqlite:///" + os.path.join(instance, "registry.sqlite3")
    )
    defaults = {
        "DOCUMENTS_DIR": "documents",
        "SEARCH_INDEX_DIR": "search-index",
        "MAIL_OUTBOX_DIR": "outbox",
    }
    for key, folder in defaults.items():
        app.config[key] = app.config.get(key) or os.path.join(instance, folder)


def register_extensions(app: Flask) -> None:
    from registry import compression, mail, security, storage
    from registry.extensions import csrf, db, limiter, login_manager, migrate
    from registry.searching import services as searching_services

    compression.init_app(app)  # first, so its after-request function runs after every other one
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    storage.init_app(app)
    searching_services.init_app(app)
    security.init_app(app)
    _import_models()


def _import_models() -> None:
    """Make every table known to SQLAlchemy (and so to Alembic's autogenerate)."""
    import registry.accounts.models  # noqa: F401
    import registry.audit.models  # noqa: F401
    import registry.checks.listing  # noqa: F401  (re-lists a provider whenever its profile changes)
    import registry.checks.models  # noqa: F401
    import registry.families.models  # noqa: F401
    import registry.jobs  # noqa: F401
    import registry.mail  # noqa: F401
    import registry.providers.models  # noqa: F401
    import registry.reviews.models  # noqa: F401
    import registry.safeguarding.models  # noqa: F401
    import registry.safeguarding.services  # noqa: F401  (turns held reviews into concerns)
    import registry.searching.models  # noqa: F401
    import registry.visits.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    # Views are imported here, not by their packages, so models and services
    # can import each other's packages without pulling in every route.
    import registry.accounts.factor_views  # noqa: F401
    import registry.accounts.views  # noqa: F401
    import registry.admin.views  # noqa: F401
    import registry.checks.views  # noqa: F401
    import registry.councils.cli  # noqa: F401
    import registry.councils.views  # noqa: F401
    import registry.datarights.views  # noqa: F401
    import registry.families.views  # noqa: F401
    import registry.legal.views  # noqa: F401
    import registry.main.views  # noqa: F401
    import registry.openreferral.views  # noqa: F401
    import registry.pages.api_docs  # noqa: F401
    import registry.pages.compare  # noqa: F401
    import registry.pages.openapi  # noqa: F401
    import registry.pages.provider  # noqa: F401
    import registry.pages.provider_api  # noqa: F401
    import registry.pages.sign_up  # noqa: F401
    import registry.pages.staff_home  # noqa: F401
    import registry.reviews.api  # noqa: F401
    import registry.reviews.views  # noqa: F401
    import registry.safeguarding.views  # noqa: F401
    import registry.searching.api  # noqa: F401
    import registry.searching.views  # noqa: F401
    import registry.visits.views  # noqa: F401
    from registry.accounts import bp as accounts_bp
    from registry.admin import bp as admin_bp
    from registry.api import bp as api_bp
    from registry.checks import bp as checks_bp
    from registry.councils import bp as councils_bp
    from registry.datarights import bp as datarights_bp
    from registry.families import bp as families_bp
    from registry.legal import bp as legal_bp
    from registry.main import bp as main_bp
    from registry.openreferral import bp as openreferral_bp
    from registry.pages.api_docs import bp as api_docs_bp
    from registry.providers import bp as providers_bp
    from registry.reviews import bp as reviews_bp
    from registry.safeguarding import bp as safeguarding_bp
    from registry.safeguarding import concerns_bp, suspension_bp
    from registry.searching import bp as searching_bp
    from registry.visits import bp as visits_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(accounts_bp, url_prefix="/account")
    app.register_blueprint(providers_bp)
    app.register_blueprint(searching_bp)
    app.register_blueprint(checks_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(safeguarding_bp)
    app.register_blueprint(concerns_bp)
    app.register_blueprint(suspension_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(openreferral_bp, url_prefix="/openreferral")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(councils_bp)
    app.register_blueprint(families_bp)
    app.register_blueprint(datarights_bp, url_prefix="/account")
    app.register_blueprint(visits_bp)


def register_errorhandlers(app: Flask) -> None:
    from registry import errors, unitofwork

    errors.init_app(app)
    unitofwork.init_app(app)


def register_commands(app: Flask) -> None:
    from registry.cli import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from registry.templating import init_app

    init_app(app)
