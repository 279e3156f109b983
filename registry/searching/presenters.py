"""Turn search hits into what the results page and the API show."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.checks.badges import search_badge_codes
from registry.checks.listing import listed_until
from registry.extensions import db
from registry.models import today
from registry.money import to_pounds
from registry.providers.models import Provider, ProviderService
from registry.providers.vocabulary import ProfileStatus
from registry.reviews.models import ProviderRating
from search import SearchResult


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


def present(result: SearchResult, services: tuple[str, ...] | list[str] = ()) -> dict:
    """Results in rank order, with the public fields of each provider still listed for ``services``."""
    day = today()
    ids = [hit.id for hit in result.hits]
    providers = {
        p.id: p
        for p in db.session.scalars(
            select(Provider)
            .where(Provider.id.in_(ids))
            .options(
                selectinload(Provider.services).selectinload(ProviderService.service_type),
                selectinload(Provider.language_rows),
                selectinload(Provider.checks),
            )
        )
    }
    ratings = {
        r.provider_id: (r.score, r.review_count)
        for r in db.session.execute(select(ProviderRating.provider_id, ProviderRating.score, ProviderRating.review_count).where(ProviderRating.provider_id.in_(ids)))
    }
    rows = []
    for hit in result.hits:
        provider = providers.get(hit.id)
        if provider is None or not still_listed(provider, services, day):
            continue
        score, count = ratings.get(provider.id, (None, 0))
        rows.append(
            {
                "slug": provider.slug,
                "name": provider.display_name,
                "kind": provider.kind,
                "district": provider.outcode,
                "distance_miles": round(hit.distance_miles, 1),
                "services": [t.slug for t in provider.listed_service_types if listed_until(provider, t, day)],
                "service_names": [t.name for t in provider.listed_service_types if listed_until(provider, t, day)],
                "hourly_rate": {"min_pounds": to_pounds(provider.rate_min_pence), "max_pounds": to_pounds(provider.rate_max_pence)},
                "rating": {"score": None if score is None else round(score, 1), "count": count},
                "badges": list(search_badge_codes(provider, day)),
                "languages": provider.languages,
                "provider": provider,
            }
        )
    return {"results": rows, "total": result.total, "page": result.page, "pages": result.pages, "facets": result.facets}
