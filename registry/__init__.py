"""The Trusted Care Registry Flask application."""

from __future__ import annotations

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
    return app


def after_fork(app: Flask) -> None:
    """In a process forked from one that built ``app`` (gunicorn's preloading master): drop what is the parent's.

    Pooled database connections are forgotten without being closed (closing
    would end the parent's), and search-index files the parent had open are
    closed in this process only. The worker opens its own as it needs them.
    """
    from registry.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    app.extensions["search_index"].close()


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
    from registry import compression, i18n, mail, monitoring, security, storage
    from registry.extensions import csrf, db, limiter, login_manager, migrate
    from registry.searching import services as searching_services

    compression.init_app(app)  # first, so its after-request function runs after every other one
    monitoring.init_app(app)  # then request ids, timing and logging, before any hook that could refuse a request
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
    i18n.init_app(app)
    _import_models()
    connect_receivers()


def connect_receivers() -> None:
    """Who hears what, in one place: the session hooks that keep stores in step with the database, and the
    signals one feature sends for another's rule to answer. Connecting twice (a second app) changes nothing."""
    from flask_sqlalchemy.session import Session
    from sqlalchemy import event

    from registry import aftercommit
    from registry.accounts.services import account_deactivated
    from registry.checks import listing
    from registry.councils import calloffs
    from registry.families.services import person_removed
    from registry.openreferral import tracking
    from registry.providers.services import profile_changed
    from registry.reviews.enquiries import keep_enquiries_without_the_person
    from registry.reviews.services import review_held
    from registry.safeguarding.services import held_review_becomes_a_concern
    from registry.searching import outbox

    session_hooks = [
        ("before_flush", outbox.collect),  # which providers' search documents a flush changes...
        ("after_flush_postexec", outbox.write_rows),  # ...written to the search outbox in the same transaction
        ("after_rollback", outbox.forget),
        ("before_flush", tracking.note_changes),  # the Open Referral feed's last_modified per service
        ("after_flush", tracking.stamp),
        ("before_commit", tracking.restamp),
        ("after_rollback", tracking.forget),
        ("after_commit", aftercommit.run_queued),  # email, search and file work, only once committed
        ("after_rollback", aftercommit.drop_queued),
    ]
    for name, hook in session_hooks:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
    profile_changed.connect(listing.relist_changed_profile)  # a profile edit can list or delist its services
    account_deactivated.connect(listing.delist_closed_account)  # a closed account's provider leaves every surface
    person_removed.connect(keep_enquiries_without_the_person)  # past enquiries stay, without the person
    person_removed.connect(calloffs.forget_person)  # and orders placed for them, in the council's figures
    review_held.connect(held_review_becomes_a_concern)  # a review held for safeguarding opens a concern


def _import_models() -> None:
    """Make every table known to SQLAlchemy (and so to Alembic's autogenerate)."""
    import registry.accounts.models  # noqa: F401
    import registry.audit.models  # noqa: F401
    import registry.checks.models  # noqa: F401
    import registry.families.models  # noqa: F401
    import registry.jobs  # noqa: F401
    import registry.mail  # noqa: F401
    import registry.providers.models  # noqa: F401
    import registry.reviews.models  # noqa: F401
    import registry.safeguarding.models  # noqa: F401
    import registry.searching.models  # noqa: F401
    import registry.visits.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Each feature's URL table (its blueprint.py) and the blueprints it fills.

    A blueprint's URL prefix is set where the blueprint is made (its package's
    __init__.py), nowhere else. Views are imported by the tables, not by their
    packages, so models and services can import each other's packages without
    pulling in every route.
    """
    import registry.accounts.blueprint  # noqa: F401
    import registry.admin.blueprint  # noqa: F401
    import registry.checks.blueprint  # noqa: F401
    import registry.composed.blueprint  # noqa: F401
    import registry.councils.blueprint  # noqa: F401
    import registry.councils.cli  # noqa: F401
    import registry.datarights.blueprint  # noqa: F401
    import registry.families.blueprint  # noqa: F401
    import registry.legal.blueprint  # noqa: F401
    import registry.main.blueprint  # noqa: F401
    import registry.monitoring.blueprint  # noqa: F401
    import registry.openreferral.blueprint  # noqa: F401
    import registry.reviews.blueprint  # noqa: F401
    import registry.safeguarding.blueprint  # noqa: F401
    import registry.searching.blueprint  # noqa: F401
    import registry.visits.blueprint  # noqa: F401
    from registry.accounts import bp as accounts_bp
    from registry.admin import bp as admin_bp
    from registry.api import bp as api_bp
    from registry.checks import bp as checks_bp
    from registry.composed.blueprint import api_docs_bp
    from registry.councils import bp as councils_bp
    from registry.datarights import bp as datarights_bp
    from registry.families import bp as families_bp
    from registry.legal import bp as legal_bp
    from registry.main import bp as main_bp
    from registry.monitoring import bp as monitoring_bp
    from registry.openreferral import bp as openreferral_bp
    from registry.providers import bp as providers_bp
    from registry.reviews import bp as reviews_bp
    from registry.safeguarding import bp as safeguarding_bp
    from registry.safeguarding import concerns_bp, suspension_bp
    from registry.searching import bp as searching_bp
    from registry.visits import bp as visits_bp

    for blueprint in (
        main_bp,
        legal_bp,
        accounts_bp,
        providers_bp,
        searching_bp,
        checks_bp,
        reviews_bp,
        safeguarding_bp,
        concerns_bp,
        suspension_bp,
        api_bp,
        api_docs_bp,
        openreferral_bp,
        admin_bp,
        councils_bp,
        families_bp,
        datarights_bp,
        visits_bp,
        monitoring_bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from registry import errors, unitofwork
    from registry.api import query

    errors.init_app(app)
    unitofwork.init_app(app)
    query.init_app(app)  # a bad query string: 400 invalid_parameters for JSON clients


def register_commands(app: Flask) -> None:
    from registry.cli import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from registry.templating import init_app

    init_app(app)
