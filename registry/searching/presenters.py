"""Turn search hits into what the results page and the API show.

A page of results is drawn from what the index holds for each hit (name,
district, services, rates, rating, languages, badges with their dates), so
it costs the same whatever the page size: two queries confirm the page's
providers with the database (the providers with their services and those
services' requirements, then their checks), and nothing else is read.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from registry.checks.badges import search_badge_codes
from registry.checks.listing import listed_until
from registry.extensions import db
from registry.models import today
from registry.money import to_pounds
from registry.providers.models import Provider, ProviderService, ServiceType
from registry.providers.vocabulary import LANGUAGES, ProfileStatus
from registry.reviews.models import ProviderRating
from search import SearchHit, SearchResult


class Rates(NamedTuple):
    """An hourly rate range in pence, as the ``rate_range`` filter reads it."""

    rate_min_pence: int | None
    rate_max_pence: int | None


def still_listed(provider: Provider, services: tuple[str, ...] | list[str], day) -> bool:
    """What the database says now: listed, not suspended, and listed today for every requested service.

    The index can lag the database (a locked index, a crash before the
    catch-up, another node's change not yet applied); a hit that fails this
    is dropped rather than shown.
    """
    if provider.status != ProfileStatus.LISTED or provider.suspended_at is not None:
        return False
    listed = {row.service_type.slug for row in provider.services if row.listed and listed_until(provider, row.service_type, day)}
    return bool(listed) and all(s in listed for s in services)


def _confirm(ids: list[int]) -> dict[int, Provider]:
    """The page's providers with what :func:`still_listed` reads, in two queries."""
    if not ids:
        return {}
    query = (
        select(Provider)
        .where(Provider.id.in_(ids))
        .options(
            joinedload(Provider.services).joinedload(ProviderService.service_type).joinedload(ServiceType.requirements),
            selectinload(Provider.checks),
        )
    )
    return {p.id: p for p in db.session.scalars(query).unique()}


def _row(hit: SearchHit) -> dict:
    return {
        "slug": hit.slug,
        "name": hit.name,
        "kind": hit.kind,
        "district": hit.outcode,
        "distance_miles": round(hit.distance_miles, 1),
        "services": list(hit.services),
        "service_names": list(hit.service_names),
        "hourly_rate": {"min_pounds": to_pounds(hit.rate_min_pence), "max_pounds": to_pounds(hit.rate_max_pence)},
        "rates": Rates(hit.rate_min_pence, hit.rate_max_pence),
        "rating": {"score": None if hit.rating_score is None else round(hit.rating_score, 1), "count": hit.review_count},
        "badges": list(hit.badges),
        "languages": list(hit.languages),
        "language_names": [LANGUAGES.get(code, code) for code in hit.languages],
    }


def _row_from_database(hit: SearchHit, provider: Provider, day) -> dict:
    """For a document indexed before the index held display values (until the next rebuild)."""
    rating = db.session.execute(
        select(ProviderRating.score, ProviderRating.review_count).where(ProviderRating.provider_id == provider.id)
    ).first()
    listed = [t for t in provider.listed_service_types if listed_until(provider, t, day)]
    return _row(SearchHit(
        id=provider.id, distance_miles=hit.distance_miles, slug=provider.slug, name=provider.display_name,
        kind=provider.kind, outcode=provider.outcode, services=tuple(t.slug for t in listed),
        service_names=tuple(t.name for t in listed), rate_min_pence=provider.rate_min_pence,
        rate_max_pence=provider.rate_max_pence, rating_score=rating.score if rating else None,
        review_count=rating.review_count if rating else 0, languages=tuple(provider.languages),
        badges=tuple(search_badge_codes(provider, day)),
    ))


def present(result: SearchResult, services: tuple[str, ...] | list[str] = ()) -> dict:
    """Results in rank order, each provider the database confirms is still listed for ``services``."""
    day = today()
    providers = _confirm([hit.id for hit in result.hits])
    rows = []
    for hit in result.hits:
        provider = providers.get(hit.id)
        if provider is None or not still_listed(provider, services, day):
            continue
        rows.append(_row(hit) if hit.slug is not None else _row_from_database(hit, provider, day))
    return {"results": rows, "total": result.total, "page": result.page, "pages": result.pages, "facets": result.facets}
