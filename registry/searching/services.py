"""Keep the search index in step with the database, and run searches.

The database is the source of truth. Every change that affects search adds
a ``search_outbox`` row in the same transaction as the change
(:func:`registry.searching.outbox.enqueue_reindex`);
after the commit, :func:`sync_pending` turns pending rows into index updates
in one batch and deletes the rows it applied. If the index is locked by
another process, or this process dies first, the rows stay and the next
sync (another request, or ``flask search sync``) applies them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from registry.checks.badges import search_badge_codes
from registry.extensions import db
from registry.models import today
from registry.providers.models import Provider, ProviderService
from registry.providers.vocabulary import DAYS, PARTS, ProfileStatus
from registry.reviews.models import ProviderRating
from registry.searching.models import SearchOutboxEntry
from search import IndexLocked, ProviderDocument, SearchIndex, SearchQuery, SearchResult
from search.geo import outcode_centroids

log = logging.getLogger(__name__)
SYNC_BATCH = 500


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = SearchIndex(
        app.config["SEARCH_INDEX_DIR"], lock_timeout=app.config["SEARCH_LOCK_TIMEOUT"]
    )


def search_index() -> SearchIndex:
    return current_app.extensions["search_index"]


def sync_after_commit(app: Flask) -> None:
    """Apply the outbox once the change behind it is committed; never fails the request."""
    # A fresh session: the one that just committed cannot run SQL in its hook.
    with app.app_context(), Session(db.engine) as session:
        try:
            sync_pending(session, app.extensions["search_index"])
        except IndexLocked:
            log.info("search index busy; outbox rows stay pending for the next sync")


def provider_documents(session: Session, provider_ids: Iterable[int] | None = None) -> Iterator[tuple[int, ProviderDocument | None]]:
    """``(provider_id, document)`` for each provider; ``None`` when it must not be searchable."""
    query = select(Provider).options(
        selectinload(Provider.services).selectinload(ProviderService.service_type),
        selectinload(Provider.language_rows),
        selectinload(Provider.checks),
    )
    ratings_query = select(ProviderRating.provider_id, ProviderRating.score, ProviderRating.review_count)
    if provider_ids is not None:
        query = query.where(Provider.id.in_(list(provider_ids)))
        ratings_query = ratings_query.where(ProviderRating.provider_id.in_(list(provider_ids)))
    ratings = {row.provider_id: (row.score, row.review_count) for row in session.execute(ratings_query)}
    for provider in session.scalars(query.execution_options(yield_per=1000)):
        yield provider.id, build_document(provider, ratings.get(provider.id, (None, 0)))


def build_document(provider: Provider, rating: tuple[float | None, int]) -> ProviderDocument | None:
    """The provider as search sees it, or None when it is not listed for anything."""
    listed = sorted((row.service_type for row in provider.services if row.listed), key=lambda t: t.position)
    if provider.status != ProfileStatus.LISTED or not listed or not provider.outcode:
        return None
    latitude, longitude = outcode_centroids()[provider.outcode]
    return ProviderDocument(
        id=provider.id,
        slug=provider.slug,
        name=provider.display_name,
        kind=provider.kind,
        about=provider.about,
        outcode=provider.outcode,
        latitude=latitude,
        longitude=longitude,
        travel_radius_miles=float(provider.travel_radius_miles or 0),
        listed_services=tuple(t.slug for t in listed),
        service_names=tuple(t.name for t in listed),
        rate_min_pence=provider.rate_min_pence,
        rate_max_pence=provider.rate_max_pence,
        rating_score=rating[0],
        review_count=rating[1],
        languages=tuple(provider.languages),
        availability=provider.availability,
        gender=provider.gender if provider.is_pa else None,
        badges=tuple(badges_for(provider)),
    )


def badges_for(provider: Provider) -> list[str]:
    """Search badge codes earned by the provider's approved, current checks."""
    return search_badge_codes(provider, today())


def sync_pending(session: Session, index: SearchIndex, limit: int | None = None) -> int:
    """Apply pending outbox rows to the index; returns how many providers were updated."""
    applied = 0
    while True:
        rows = list(session.execute(select(SearchOutboxEntry.id, SearchOutboxEntry.provider_id).order_by(SearchOutboxEntry.id).limit(SYNC_BATCH)))
        if not rows:
            return applied
        last_id = rows[-1].id
        provider_ids = {row.provider_id for row in rows}
        documents = dict(provider_documents(session, provider_ids))
        upserts = [doc for doc in documents.values() if doc is not None]
        deletes = [pid for pid in provider_ids if documents.get(pid) is None]
        index.apply(upserts, deletes)
        # Only rows up to the batch's last id: rows added meanwhile stay pending.
        session.execute(delete(SearchOutboxEntry).where(SearchOutboxEntry.id <= last_id, SearchOutboxEntry.provider_id.in_(provider_ids)))
        session.commit()
        applied += len(provider_ids)
        if limit is not None and applied >= limit:
            return applied


def rebuild(session: Session, index: SearchIndex, procs: int = 1) -> int:
    """Build a fresh index from the database and swap it in; clears the outbox rows it covers."""
    high_water = session.scalar(select(SearchOutboxEntry.id).order_by(SearchOutboxEntry.id.desc()).limit(1))
    documents = [doc for _, doc in provider_documents(session) if doc is not None]
    index.rebuild(documents, procs=procs)
    if high_water is not None:
        session.execute(delete(SearchOutboxEntry).where(SearchOutboxEntry.id <= high_water))
        session.commit()
    return len(documents)


def run_search(args: dict) -> SearchResult:
    """Search with parsed :class:`SearchArgsSchema` values."""
    place = args["place"]
    day = None if args["day"] is None else DAYS.index(args["day"])
    part = None if args["part"] is None else PARTS.index(args["part"])
    query = SearchQuery(
        latitude=place.latitude,
        longitude=place.longitude,
        radius_miles=args["radius"],
        services=tuple(args["service"]),
        text=args["q"],
        kinds=tuple(args["kind"]),
        languages=tuple(args["language"]),
        max_rate_pence=None if args["max_rate"] is None else int(args["max_rate"] * 100),
        min_rating=args["min_rating"],
        day=day,
        part=part,
        gender=args["gender"],
        badges=tuple(args["badge"]),
        sort=args["sort"],
        page=args["page"],
        per_page=20,
    )
    return search_index().search(query)
