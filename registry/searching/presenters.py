"""Turn search hits into what the results page and the API show.

A page of results is drawn from what the index holds for each hit (name,
district, services, rates, rating, languages, badges with their dates), so
it costs the same whatever the page size: one query confirms the page's
providers with the database (:func:`confirmed_listed`), and nothing else is read.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select

from registry.checks.badges import SEARCH_BADGES, search_badge_codes
from registry.checks.claims import background_note, service_claims
from registry.checks.listing import listed_now_clause, listed_services_now
from registry.checks.models import cqc_location_url
from registry.extensions import db
from registry.models import one_of, today
from registry.money import to_pounds
from registry.providers.models import Provider, ProviderService, ServiceType
from registry.providers.prices import PRICE_FIELDS, Prices
from registry.providers.vocabulary import LANGUAGES
from registry.reviews.models import ProviderRating
from registry.visits.reliability import VisitReliability
from searchindex import SearchHit, SearchResult


@lru_cache(maxsize=4)
def _listed_services_statement(dialect: str):
    """Built once per database kind: constructing the statement on every search cost as much as running it.
    It reads each provider's prices too (no other query): the card shows them as the database holds them now."""
    return (
        select(ProviderService.provider_id, ServiceType.slug, *(getattr(Provider, name) for name in PRICE_FIELDS))
        .join(Provider, Provider.id == ProviderService.provider_id)
        .join(ServiceType, ServiceType.id == ProviderService.service_type_id)
        .where(
            one_of(ProviderService.provider_id, "ids", dialect),
            # Said of both tables, so the plan starts from the ids even before the tables have statistics
            # (just after a bulk load): otherwise PostgreSQL walked every provider, 280 ms instead of 0.4.
            one_of(Provider.id, "ids", dialect),
            listed_now_clause(bindparam("day")),
        )
    )


class Confirmed(NamedTuple):
    """What the database says now of a hit it confirms: the services it is listed for, and its prices."""

    services: set[str]
    prices: Prices


def confirmed_listed(ids: list[int], services: tuple[str, ...] | list[str]) -> dict[int, Confirmed]:
    """Of ``ids``, those the database says are listed now for every service in ``services`` (any, when none),
    each with the slugs of every service it is listed for now, and its prices.

    One query asking the listing rule of each hit at read time
    (:func:`registry.checks.listing.listed_now_clause`): stored listing, no
    suspension, an open account, and each requirement met by a check valid
    today as the database holds it now. The index can lag the database (a
    locked index, a crash before the catch-up, another node's change not yet
    applied, a check corrected in the database); a hit that fails this is
    dropped rather than shown; a service (and what was checked for it) the
    database no longer lists is dropped from its card.
    """
    if not ids:
        return {}
    listed: dict[int, Confirmed] = {}
    for provider_id, slug, *prices in _listed_services(ids):
        if provider_id not in listed:
            listed[provider_id] = Confirmed(set(), Prices(*prices))
        listed[provider_id].services.add(slug)
    return {
        provider_id: confirmed
        for provider_id, confirmed in listed.items()
        if all(s in confirmed.services for s in services)
    }


def _listed_services(ids: list[int]) -> list[tuple]:
    """(provider id, service slug, *prices) for each listed service of ``ids``, as committed now.

    Core, not the ORM: its statement handling cost more than the query. A
    request with no transaction open (every anonymous search) reads on an
    autocommit connection: the session's BEGIN and ROLLBACK were two more
    round trips, and together took longer than the query itself. A request
    already in a transaction reads through it, so it sees its own writes.
    """
    parameters = {"ids": ids, "day": today()}
    if db.session().in_transaction():
        connection = db.session.connection()
        return connection.execute(_listed_services_statement(connection.dialect.name), parameters).all()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(_listed_services_statement(connection.dialect.name), parameters).all()


def _visits(hit: SearchHit, minimum: int) -> dict | None:
    """The card's reliability figure from the counts the index holds (no query), under today's minimum."""
    if hit.visits is None:
        return None
    kept, confirmed = hit.visits
    return VisitReliability(kept=kept, confirmed=confirmed, minimum=minimum).summary()


def _row(hit: SearchHit, listed_now: set[str] | None = None, min_visits: int = 0, prices: Prices | None = None) -> dict:
    """A card from what the index holds; ``listed_now``: the service slugs the database lists today, the
    only ones shown (the index can be behind a lapse or a correction); ``prices`` as the database holds them
    (the index's hourly range without)."""
    shown = [
        (slug, name, claim)
        for slug, name, claim in itertools.zip_longest(hit.services, hit.service_names, hit.service_claims)
        if listed_now is None or slug in listed_now
    ]
    prices = prices or Prices(rate_min_pence=hit.rate_min_pence, rate_max_pence=hit.rate_max_pence)
    return {
        "slug": hit.slug,
        "name": hit.name,
        "kind": hit.kind,
        "district": hit.outcode,
        "distance_miles": round(hit.distance_miles, 1),
        "services": [slug for slug, _name, _claim in shown],
        "service_names": [name for _slug, name, _claim in shown],
        # The card and the API say the same hourly rate, the database's (the index's is for filtering and sorting).
        "hourly_rate": {"min_pounds": to_pounds(prices.rate_min_pence), "max_pounds": to_pounds(prices.rate_max_pence)},
        "prices": prices,
        "rating": {
            "score": None if hit.rating_score is None else round(hit.rating_score, 1),
            "count": hit.review_count,
        },
        "badges": list(hit.badges),
        "visits": _visits(hit, min_visits),
        # What was checked for each listed service, as the index holds it (no query per card).
        "service_claims": [{"service": slug, "text": claim} for slug, _name, claim in shown if claim],
        # Beside an organisation's background-check badge: whose check it is (never each worker's).
        "background_note": background_note(hit.kind, [SEARCH_BADGES[b].kind for b in hit.badges if b in SEARCH_BADGES]),
        "languages": list(hit.languages),
        "language_names": [LANGUAGES.get(code, code) for code in hit.languages],
        "cqc": None
        if hit.cqc is None
        else {
            "location_id": hit.cqc[0],
            "rating": hit.cqc[1],
            "rating_date": hit.cqc[2],
            "url": cqc_location_url(hit.cqc[0]),
        },
    }


def _row_from_database(hit: SearchHit, day) -> dict:
    """For a document indexed before the index held display values (until the next rebuild)."""
    provider = db.session.get(Provider, hit.id)
    rating = db.session.execute(
        select(ProviderRating.score, ProviderRating.review_count).where(ProviderRating.provider_id == provider.id)
    ).first()
    listed = listed_services_now(provider, day)
    return _row(
        SearchHit(
            id=provider.id,
            distance_miles=hit.distance_miles,
            slug=provider.slug,
            name=provider.display_name,
            kind=provider.kind,
            outcode=provider.outcode,
            services=tuple(t.slug for t in listed),
            service_names=tuple(t.name for t in listed),
            rate_min_pence=provider.rate_min_pence,
            rate_max_pence=provider.rate_max_pence,
            rating_score=rating.score if rating else None,
            review_count=rating.review_count if rating else 0,
            languages=tuple(provider.languages),
            badges=tuple(search_badge_codes(provider, day)),
            service_claims=tuple(claim.short for claim in service_claims(provider, day, listed)),
        ),
        prices=provider.prices,
    )


def present(
    result: SearchResult, services: tuple[str, ...] | list[str] = (), council_approvals: dict | None = None
) -> dict:
    """Results in rank order, each provider the database confirms is still listed for ``services``.

    With ``council_approvals`` (provider id -> approvals) each row carries its
    council list entries, with the agreed rate, beside the provider's own.
    """
    day = today()
    confirmed = confirmed_listed([hit.id for hit in result.hits], services)
    min_visits = current_app.config["RELIABILITY_MIN_VISITS"]
    rows = []
    for hit in result.hits:
        if hit.id not in confirmed:
            continue
        now = confirmed[hit.id]
        row = _row(hit, now.services, min_visits, now.prices) if hit.slug is not None else _row_from_database(hit, day)
        if council_approvals is not None:
            row["council_approvals"] = council_approvals.get(hit.id, [])
        rows.append(row)
    return {"results": rows, "total": result.total, "page": result.page, "pages": result.pages, "facets": result.facets}
