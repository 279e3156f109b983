"""Compare two to four shortlisted providers side by side (issue 26): checks as claims, score, price, services,
where they work, languages and availability. It shows checks and reviews together, so it lives here."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from registry.accounts.models import Role
from registry.auth import role_required
from registry.checks.claims import service_claims
from registry.checks.listing import listed_services_now
from registry.extensions import db
from registry.families import services
from registry.models import today
from registry.providers.prices import comparison_rows
from registry.reviews.models import ProviderRating


@role_required(Role.RECIPIENT)
def compare():
    """``?provider=<slug>`` two to four times; anything else shows the shortlist again with what to tick (422)."""
    try:
        chosen = services.compare_selection(current_user, request.args.getlist("provider"))
    except services.FamilyError as error:
        return render_template(
            "families/shortlist.html",
            groups=services.shortlist_by_person(current_user),
            people=services.people_of(current_user),
            compare_error=str(error),
            chosen=request.args.getlist("provider"),
        ), 422
    day = today()
    ids = [saved.entry.provider_id for saved in chosen if saved.listed]
    ratings = {
        r.provider_id: r for r in db.session.scalars(select(ProviderRating).where(ProviderRating.provider_id.in_(ids)))
    }
    columns = []
    for saved in chosen:
        provider = saved.entry.provider
        # Asked again of the loaded provider: only a provider listed today shows anything but its name.
        listed = listed_services_now(provider, day) if saved.listed else []
        columns.append(
            {
                "provider": provider,
                "listed": bool(listed),
                "services": listed,
                "claims": service_claims(provider, day, listed) if listed else [],
                "rating": ratings.get(provider.id),
            }
        )
    # One row per kind of price any listed provider gives, the same rows in every column, so they line up.
    shown = [c for c in columns if c["listed"]]
    price_rows = comparison_rows([c["provider"].prices for c in shown])
    for n, column in enumerate(shown):
        column["prices"] = [(label, cells[n]) for label, cells in price_rows]
    return render_template("families/compare.html", columns=columns, price_rows=len(price_rows))
