"""Turn search hits into what the results page and the API show."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.providers.models import Provider, ProviderService
from registry.money import to_pounds
from registry.reviews.scoring import rating_of
from registry.searching.services import badges_for
from search import SearchResult


def present(result: SearchResult) -> dict:
    """Results in rank order, with the public fields of each provider."""
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
    rows = []
    for hit in result.hits:
        provider = providers.get(hit.id)
        if provider is None:  # deleted since the index last heard of it
            continue
        score, count = rating_of(provider.id)
        rows.append(
            {
                "slug": provider.slug,
                "name": provider.display_name,
                "kind": provider.kind,
                "district": provider.outcode,
                "distance_miles": round(hit.distance_miles, 1),
                "services": [t.slug for t in provider.listed_service_types],
                "service_names": [t.name for t in provider.listed_service_types],
                "hourly_rate": {"min_pounds": to_pounds(provider.rate_min_pence), "max_pounds": to_pounds(provider.rate_max_pence)},
                "rating": {"score": None if score is None else round(score, 1), "count": count},
                "badges": badges_for(provider),
                "languages": provider.languages,
                "provider": provider,
            }
        )
    return {"results": rows, "total": result.total, "page": result.page, "pages": result.pages, "facets": result.facets}
