"""Site-wide pages."""

from __future__ import annotations

from flask import current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.checks.claims import kinds_explained, rechecks_in_words
from registry.extensions import db
from registry.providers.services import all_service_types


def index():
    return render_template(
        "main/index.html", service_types=all_service_types(), rechecks=rechecks_in_words(current_app.config)
    )


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # the request's unit of work rolls back
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def readyz():
    """Ready to serve: database readable, this node's index answering and caught up, the worker alive."""
    from registry.main.readiness import readiness

    report = readiness(current_app._get_current_object())
    return jsonify(report), 200 if report["status"] == "ready" else 503


def how_it_works():
    return render_template(
        "main/scores.html",
        prior_mean=current_app.config["REVIEW_PRIOR_MEAN"],
        prior_weight=current_app.config["REVIEW_PRIOR_WEIGHT"],
        kinds=kinds_explained(current_app.config),
        rechecks=rechecks_in_words(current_app.config),
    )
