"""Site-wide pages."""

from __future__ import annotations

import re

from flask import current_app, jsonify, redirect, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.auth import safe_next_url
from registry.checks.claims import kinds_explained, rechecks_in_words
from registry.checks.kinds import KIND_NAMES
from registry.extensions import db
from registry.i18n import LANGUAGES, remember_language
from registry.main.checks_explained import badge_anchor, kind_anchor, sections
from registry.providers.services import all_service_types, get_by_slug, is_publicly_visible

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")


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


def switch_language():
    """The header's "Cymraeg" / "English" link: remember the choice and go back to the same page.

    Only a same-site path is followed back (anything else goes home); a language we do not have changes nothing.
    """
    response = redirect(safe_next_url(request.args.get("next")) or "/", code=303)
    code = request.args.get("lang")
    if code in LANGUAGES:
        remember_language(response, code)
    return response


def easy_read_how_it_works():
    """How the registry works, in Easy Read: short sentences, one idea a line, pictures described in words."""
    return render_template("main/easy_read/how_it_works.html")


def easy_read_checks():
    """What our checks mean, in Easy Read."""
    return render_template("main/easy_read/checks.html")


def easy_read_concern():
    """How to raise a concern, in Easy Read. Reached from a provider's concern form (``?provider=<slug>``), it
    links back to that form; a provider nobody may see, or no provider, links to help instead."""
    slug = request.args.get("provider", "")
    provider = get_by_slug(slug) if SLUG.fullmatch(slug) else None  # anything else is not a provider's address
    if provider is not None and not is_publicly_visible(provider):
        provider = None
    return render_template(
        "main/easy_read/concern.html", provider=provider, contact_email=current_app.config["CONTACT_EMAIL"]
    )
