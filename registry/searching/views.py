"""The search page."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from registry.api.query import QueryError, parse_query
from registry.checks.status_checks import automatically_checked_on
from registry.models import today
from registry.searching.schemas import BADGES, DEFAULT_RADIUS_MILES, search_args_schema
from registry.searching.services import search_providers, searchable_services


def search_page():
    service_types = searchable_services()  # this process's copy: no query per search
    query = request.args
    if not query.get("postcode") and current_user.is_authenticated and current_user.home_postcode:
        query = query.copy()
        query["postcode"] = current_user.home_postcode
    errors, page = {}, None
    if query.get("postcode") or request.args:
        try:
            parsed = parse_query(search_args_schema(frozenset(t.slug for t in service_types)), query)
        except QueryError as error:
            errors = error.fields
        else:
            page = search_providers(parsed)
            # The Update Service badge says when the registry last status-checked the certificate itself.
            with_update_service = [r["slug"] for r in page["results"] if "dbs-update-service" in r["badges"]]
            for slug, checked_at in automatically_checked_on(with_update_service, today()).items():
                next(r for r in page["results"] if r["slug"] == slug)["dbs_checked_automatically"] = checked_at
    status = 400 if errors else 200
    return (
        render_template(
            "search/results.html",
            args=query,  # what was asked, drawn back into the form
            errors=errors,
            page=page,
            service_types=service_types,
            service_names={t.slug: t.name for t in service_types},
            badges=BADGES,
            default_radius=DEFAULT_RADIUS_MILES,
        ),
        status,
    )
