"""Site-wide pages."""

from __future__ import annotations

from flask import current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.checks.claims import kinds_explained, rechecks_in_words
from registry.checks.kinds import KIND_NAMES
from registry.extensions import db
from registry.main.checks_explained import badge_anchor, kind_anchor, sections
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


def checks_explained():
    """Each kind of check in plain words: what it is, what it shows and does not, who gives it, how long it lasts."""
    return render_template("main/checks_explained.html", sections=sections(current_app.config))


def check_meaning_anchors():
    """``badge_anchor(code)`` and ``kind_anchor(kind)``: where on "What our checks mean" a badge is explained;
    ``KIND_NAMES`` to name it."""
    return {"badge_anchor": badge_anchor, "kind_anchor": kind_anchor, "KIND_NAMES": KIND_NAMES}
