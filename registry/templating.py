"""Template filters and globals."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request, url_for
from flask_wtf import FlaskForm
from jinja2 import pass_context

from registry.accounts.views import home_link
from registry.checks.badges import BADGE_LABELS
from registry.families.models import AUTHORITY_LABELS, CONSENT_HOW, RELATIONSHIP_LABELS, WRITTEN_BY
from registry.formatting import long_date, money
from registry.nations import NATION_NAMES
from registry.providers.prices import Prices, card_price, price_lines
from registry.providers.vocabulary import (
    COMMUNICATION_SUPPORT,
    DAY_LABELS,
    DAYS,
    GENDERS,
    KIND_LABELS,
    LANGUAGES,
    PART_LABELS,
    PARTS,
    SPOKEN_LANGUAGES,
    availability_text,
)
from registry.reviews.models import DIMENSIONS, ENQUIRY_STATUS_LABELS, SUPPORTED_FOR


def modify_query(**changes) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    # A results page links every facet and page this way: work out the path and the pairs once a request.
    if "query_base" not in g:
        g.query_base = (url_for(request.endpoint, **(request.view_args or {})), list(request.args.items(multi=True)))
    path, pairs = g.query_base
    kept = [(key, value) for key, value in pairs if key not in changes]
    pairs = kept + [(key, value) for key, value in changes.items() if value is not None]
    return path + ("?" + urlencode(pairs) if pairs else "")


@pass_context
def page_has_errors(context) -> bool:
    """Whether a form on this page was refused, so its title starts with "Error: " (GOV.UK pattern)."""
    forms = [value for value in context.values() if isinstance(value, FlaskForm)]
    forms += [
        form
        for value in context.values()
        if isinstance(value, dict)
        for form in value.values()
        if isinstance(form, FlaskForm)
    ]
    return any(form.errors for form in forms) or bool(context.get("errors"))


def _prices(holder) -> Prices:
    return holder if isinstance(holder, Prices) else holder.prices


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money,
        long_date=long_date,
        availability_text=availability_text,
        # The one price presenter (registry/providers/prices.py), of a provider or of its Prices.
        price_lines=lambda holder: price_lines(_prices(holder)),
        card_price=lambda holder: card_price(_prices(holder)),
    )
    app.jinja_env.globals.update(
        KIND_LABELS=KIND_LABELS,
        LANGUAGES=LANGUAGES,
        COMMUNICATION_SUPPORT=COMMUNICATION_SUPPORT,
        SPOKEN_LANGUAGES=SPOKEN_LANGUAGES,
        GENDERS=GENDERS,
        DAYS=DAYS,
        DAY_LABELS=DAY_LABELS,
        PARTS=PARTS,
        PART_LABELS=PART_LABELS,
        BADGE_LABELS=BADGE_LABELS,
        NATION_NAMES=NATION_NAMES,
        DIMENSIONS=DIMENSIONS,
        ENQUIRY_STATUS_LABELS=ENQUIRY_STATUS_LABELS,
        RELATIONSHIP_LABELS=RELATIONSHIP_LABELS,
        AUTHORITY_LABELS=AUTHORITY_LABELS,
        CONSENT_HOW=CONSENT_HOW,
        WRITTEN_BY=WRITTEN_BY,
        SUPPORTED_FOR=SUPPORTED_FOR,
        home_link=home_link,
        modify_query=modify_query,
        page_has_errors=page_has_errors,
    )
