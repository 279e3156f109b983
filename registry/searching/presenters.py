"""Turn search hits into what the results page and the API show.

A page of results is drawn from what the index holds for each hit (name,
district, services, rates, rating, languages, badges with their dates), so
it costs the same whatever the page size: one query confirms the page's
providers with the database (:func:`confirmed_listed`), and nothing else is read.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

from sqlalchemy import bindparam, select

from registry.checks.badges import SEARCH_BADGES, search_badge_codes
from registry.checks.claims import background_note, service_claims
from registry.checks.listing import listed_now_clause, listed_services_now
from registry.checks.models import cqc_location_url
from registry.councils.services import council_shortlist
from registry.extensions import db
from registry.models import today
from registry.money import to_pounds
from registry.providers.models import Provider, ProviderService, ServiceType
from registry.providers.vocabulary import LANGUAGES
from registry.reviews.models import ProviderRating
from registry.searching.services import run_search
from search import SearchHit, SearchResult


class Rates(NamedTuple):
    """An hourly rate range in pence, as the ``rate_range`` filter reads it."""

    rate_min_pence: int | None
    rate_max_pence: int | None


# Built once: constructing the statement on every search cost as much as running it.
_LISTED_SERVICES = (
    select(ProviderService.provider_id, ServiceType.slug)
    .join(Provider, Provider.id == ProviderService.provider_id)
    .join(ServiceType, ServiceType.id == ProviderService.service_type_id)
    .where(
        ProviderService.provider_id.in_(bindparam("ids", expanding=True)),
        # Said of both tables, so the plan starts from the ids even before the tables have statistics
        # (just after a bulk load): otherwise PostgreSQL walked every provider, 280 ms instead of 0.4.
        Provider.id.in_(bindparam("ids", expanding=True)),
        listed_now_clause(bindparam("day")),
    )
)


def confirmed_listed(ids: list[int], services: tuple[str, ...] | list[str]) -> dict[int, set[str]]:
    """Of ``ids``, those the database says are listed now for every service in ``services`` (any, when none),
    each with the slugs of every service it is listed for now.

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
    listed: dict[int, set[str]] = {}
    for provider_id, slug in _listed_services(ids):
        listed.setdefault(provider_id, set()).add(slug)
    return {provider_id: slugs for provider_id, slugs in listed.items() if all(s in slugs for s in services)}


def _listed_services(ids: list[int]) -> list[tuple[int, str]]:
    """(provider id, service slug) for each listed service of ``ids``, as committed now.

    Core, not the ORM: its statement handling cost more than the query. A
    request with no transaction open (every anonymous search) reads on an
    autocommit connection: the session's BEGIN and ROLLBACK were two more
    round trips, and together took longer than the query itself. A request
    already in a transaction reads through it, so it sees its own writes.
    """
    if db.session().in_transaction():
        return db.session.connection().execute(_LISTED_SERVICES, {"ids": ids, "day": today()}).all()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(_LISTED_SERVICES, {"ids": ids, "day": today()}).all()


def _row(hit: SearchHit, listed_now: set[str] | None = None) -> dict:
    """A card from what the index holds; ``listed_now``: the service slugs the database lists today, the
    only ones shown (the index can be behind a lapse or a correction)."""
    shown = [
        (slug, name, claim)
        for slug, name, claim in itertools.zip_longest(hit.services, hit.service_names, hit.service_claims)
        if listed_now is None or slug in listed_now
    ]
    return {
        "slug": hit.slug,
        "name": hit.name,
        "kind": hit.kind,
        "district": hit.outcode,
        "distance_miles": round(hit.distance_miles, 1),
        "services": [slug for slug, _name, _claim in shown],
        "service_names": [name for _slug, name, _claim in shown],
        "hourly_rate": {"min_pounds": to_pounds(hit.rate_min_pence), "max_pounds": to_pounds(hit.rate_max_pence)},
        "rates": Rates(hit.rate_min_pence, hit.rate_max_pence),
        "rating": {
            "score": None if hit.rating_score is None else round(hit.rating_score, 1),
            "count": hit.review_count,
        },
        "badges": list(hit.badges),
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
        )
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
    rows = []
    for hit in result.hits:
        if hit.id not in confirmed:
            continue
        row = _row(hit, confirmed[hit.id]) if hit.slug is not None else _row_from_database(hit, day)
        if council_approvals is not None:
            row["council_approvals"] = council_approvals.get(hit.id, [])
        rows.append(row)
    return {"results": rows, "total": result.total, "page": result.page, "pages": result.pages, "facets": result.facets}


# Each facet and the search argument its links set (replacing any value it had, keeping every other argument).
FACET_ARGUMENTS = {"services": "service", "kinds": "kind"}


def facets_as_linked(args: dict, result: SearchResult, only_ids: frozenset[int] | None = None) -> dict:
    """Facet counts that match the results their links lead to (issue 26: "Companionship (25)" led to 36).

    A facet's link replaces its own filter and keeps the others ("Companionship"
    while searching for personal care searches for companionship instead), so
    its count is over the search without that filter, not over the results on
    the page (which counted only those offering both). With no such filter in
    use the page's own result is that search, and nothing more is asked.
    ``only_ids``: the search is limited to a council's lists (see
    :func:`_council_service_facets` for the service facet there).
    """
    facets = dict(result.facets)
    for facet, argument in FACET_ARGUMENTS.items():
        if not args.get(argument):
            continue
        if facet == "services" and only_ids is not None:
            facets[facet] = _council_service_facets(args)
            continue
        without = run_search({**args, argument: [], "page": 1}, only_ids, per_page=1)
        facets[facet] = without.facets.get(facet, {})
    return facets


def _council_service_facets(args: dict) -> dict[str, int]:
    """On a council's lists, a service's link searches those on its list *for that service*, so each count is of
    the providers found without the service filter that offer the service and are on the list for it.

    A council's lists are short (its approved providers), so reading every hit is cheap.
    """
    everyone = council_shortlist(args["postcode"], [], today())
    ids = frozenset(everyone.approvals)
    first = run_search({**args, "service": [], "page": 1}, ids, per_page=1)
    hits = run_search({**args, "service": [], "page": 1}, ids, per_page=max(1, first.total)).hits if first.total else []
    counts: dict[str, int] = {}
    for hit in hits:
        on_list_for = {a.service_slug for a in everyone.approvals.get(hit.id, [])}
        for slug in set(hit.services) & on_list_for:
            counts[slug] = counts.get(slug, 0) + 1
    return {slug: counts[slug] for slug in first.facets.get("services", {}) if counts.get(slug)}  # the index's order


def find(args: dict) -> dict:
    """One page of results for parsed search arguments: the page and the API both come here.

    With ``council_list`` the search is limited to the approved lists of the
    council covering the postcode (``council`` in the result says which, or
    None when no council has lists there yet). Facet counts are the counts
    their links give (:func:`facets_as_linked`).
    """
    if not args.get("council_list"):
        result = run_search(args)
        return {**present(result, args["service"]), "facets": facets_as_linked(args, result), "council": None}
    shortlist = council_shortlist(args["postcode"], args["service"], today())
    only_ids = frozenset(shortlist.approvals)
    result = run_search(args, only_ids=only_ids)
    page = present(result, args["service"], shortlist.approvals)
    return {**page, "facets": facets_as_linked(args, result, only_ids), "council": shortlist.council}
