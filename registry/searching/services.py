"""Keep the search index in step with the database, and run searches.

The database is the source of truth. Every change that affects search adds
a ``search_outbox`` row in the same transaction as the change (written by
the session itself, see :mod:`registry.searching.outbox`). The outbox is a
log that every node's index follows: each index records the last row it
applied (its mark) and catches up after each commit, before searches when
it is behind, and with ``flask search sync``. Rows are never deleted when
applied, only pruned once old, so any number of nodes, each with its own
index folder, converge on one database; a rebuild replays what came in
while it ran before it swaps.

Ids are handed out when a transaction writes its row but become visible
when it commits, so a row can appear below ids already applied. A gap in
the ids is therefore not skipped until the row after it is
``SEARCH_OUTBOX_SETTLE_SECONDS`` old; until then the rows after it are
applied again on each catch-up (harmless: a document is rebuilt from the
database every time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial

from flask import Flask, current_app
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from registry.councils.services import council_shortlist
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import Provider
from registry.providers.vocabulary import DAYS, PARTS, ProfileStatus
from registry.searching import presenters
from registry.searching.documents import listed_provider_ids, provider_documents
from registry.searching.models import SearchOutboxEntry
from registry.searching.taxonomy import TAXONOMY_CHANGED, ServiceTypeEntry
from registry.searching.taxonomy import forget_if_older as forget_taxonomy_if_older
from registry.searching.taxonomy import service_types as taxonomy_service_types
from searchindex import IndexLocked, ProviderDocument, SearchIndex, SearchQuery, SearchResult
from searchindex.building import in_shares
from searchindex.index import IndexUpdate

log = logging.getLogger(__name__)
SYNC_BATCH = 500


def init_app(app: Flask) -> None:
    import registry.searching.outbox  # noqa: F401  (registers the session listener)

    app.extensions["search_index"] = SearchIndex(
        app.config["SEARCH_INDEX_DIR"],
        lock_timeout=app.config["SEARCH_LOCK_TIMEOUT"],
        result_cache_size=app.config["SEARCH_RESULT_CACHE_SIZE"],
    )
    app.extensions["search_last_catch_up"] = 0.0


def search_index() -> SearchIndex:
    return current_app.extensions["search_index"]


def sync_after_commit(app: Flask) -> None:
    """Apply the outbox once the change behind it is committed; never fails the request."""
    # A fresh session: the one that just committed cannot run SQL in its hook.
    with app.app_context(), Session(db.engine) as session:
        try:
            sync_pending(session, app.extensions["search_index"])
        except IndexLocked:
            log.info("search index busy; it catches up on the next sync")


def catch_up_if_behind(app: Flask) -> None:
    """Before a search: apply rows other nodes wrote, at most once per ``SEARCH_CATCHUP_SECONDS``.

    The same single query tells whether another process changed the
    taxonomy, so this process's cached copy follows within that interval.

    Never waits for the index lock: whoever holds it is applying them already.
    """
    now = time.monotonic()
    if now - app.extensions["search_last_catch_up"] < app.config["SEARCH_CATCHUP_SECONDS"]:
        return
    app.extensions["search_last_catch_up"] = now
    index = app.extensions["search_index"]
    newest = select(func.max(SearchOutboxEntry.id))
    with Session(db.engine) as session:
        # One query for both: the log's head, and its newest taxonomy change.
        latest, taxonomy_change = session.execute(
            select(
                newest.scalar_subquery(),
                newest.where(SearchOutboxEntry.provider_id == TAXONOMY_CHANGED).scalar_subquery(),
            )
        ).one()
        forget_taxonomy_if_older(app, taxonomy_change)
        if latest is None or latest <= index.applied_mark():
            return
        try:
            sync_pending(session, index, timeout=0)
        except IndexLocked:
            pass


def sync_pending(session: Session, index: SearchIndex, timeout: float | None = None) -> int:
    """Apply outbox rows after the index's mark; returns how many provider documents were rewritten."""
    applied = 0
    while True:
        with index.updating(timeout) as update:
            count, full_batch = _apply_outbox(session, update, limit=SYNC_BATCH)
        applied += count
        if not full_batch or update.mark == update.applied_mark:
            return applied


def _apply_outbox(session: Session, update: IndexUpdate, limit: int | None = None) -> tuple[int, bool]:
    """Rewrite the documents of providers in rows after ``update.applied_mark``; advance the mark.

    Returns the number of providers and whether ``limit`` rows were read.
    """
    query = (
        select(SearchOutboxEntry.id, SearchOutboxEntry.provider_id, SearchOutboxEntry.created_at)
        .where(SearchOutboxEntry.id > update.applied_mark)
        .order_by(SearchOutboxEntry.id)
    )
    rows = list(session.execute(query if limit is None else query.limit(limit)))
    session.rollback()  # end the read transaction: the documents must be read from now, not before
    if not rows:
        return 0, False
    provider_ids = {row.provider_id for row in rows}
    documents = dict(provider_documents(session, provider_ids))
    update.apply(
        upserts=[doc for doc in documents.values() if doc is not None],
        deletes=[pid for pid in provider_ids if documents.get(pid) is None],
    )
    update.advance(_settled_mark(update.applied_mark, rows, current_app.config["SEARCH_OUTBOX_SETTLE_SECONDS"]))
    session.rollback()
    return len(provider_ids), limit is not None and len(rows) == limit


def _settled_mark(mark: int, rows, settle_seconds: float) -> int:
    """How far the mark may move: past every row read, but not past a gap that may still fill."""
    settled_before = utcnow() - timedelta(seconds=settle_seconds)
    for row in rows:
        if row.id != mark + 1 and row.created_at > settled_before:
            break  # a lower id may belong to a transaction still open
        mark = row.id
    return mark


def rebuild(session: Session, index: SearchIndex, procs: int = 1, progress: Callable[[int], None] | None = None) -> int:
    """Build a fresh index from the database and swap it in, replaying changes made meanwhile.

    The listed providers are split into ``procs`` runs of ids, each read and
    indexed by its own process. ``progress(n)`` hears of documents indexed
    as they are; providers whose checks lapsed since the last expiry run are
    read but not indexed, so it may stop short of :func:`listed_count`.
    """
    settled_before = utcnow() - timedelta(seconds=current_app.config["SEARCH_OUTBOX_SETTLE_SECONDS"])
    # Every row up to here is committed or abandoned, so the documents read next include it.
    start_mark = (
        session.scalar(select(func.max(SearchOutboxEntry.id)).where(SearchOutboxEntry.created_at < settled_before)) or 0
    )
    ids = listed_provider_ids(session)
    session.rollback()
    runs = in_shares(ids, procs)
    if len(runs) == 1:
        parts = [partial(_documents_in_this_process, session, runs[0])]
    else:
        parts = [partial(_documents_in_forked_process, session.get_bind(), run) for run in runs]
    return index.rebuild_in_parts(
        parts,
        applied_mark=start_mark,
        catch_up=lambda update: _apply_outbox(session, update),
        progress=progress,
    )


def _searchable_documents(session: Session, ids: list[int]) -> Iterator[ProviderDocument]:
    """Documents of a run of listed ids; none for a provider whose checks lapsed since the last expiry run."""
    return (doc for _, doc in provider_documents(session, ids, dense=True) if doc is not None)


def _documents_in_this_process(session: Session, ids: list[int]) -> Iterator[ProviderDocument]:
    yield from _searchable_documents(session, ids)
    # End the read transaction before the catch-up: SQLite's would still show the log as it was at the start.
    session.rollback()


def _documents_in_forked_process(engine: Engine, ids: list[int]) -> Iterator[ProviderDocument]:
    # The pool's connections belong to the parent; sharing a socket between processes corrupts both.
    engine.dispose(close=False)
    with Session(engine) as session:
        yield from _searchable_documents(session, ids)


def listed_count(session: Session) -> int:
    """How many providers are listed (what a rebuild reads)."""
    count = session.scalar(select(func.count()).select_from(Provider).where(Provider.status == ProfileStatus.LISTED))
    session.rollback()
    return count


def prune_outbox(session: Session, older_than_days: int) -> int:
    """Delete outbox rows older than the retention period (a node that far behind must rebuild)."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    # Keep the newest row whatever its age, so ids keep growing past every node's mark.
    newest = session.scalar(select(func.max(SearchOutboxEntry.id)))
    result = session.execute(
        delete(SearchOutboxEntry).where(SearchOutboxEntry.created_at < cutoff, SearchOutboxEntry.id != newest)
    )
    session.commit()
    return result.rowcount


def searchable_services() -> tuple[ServiceTypeEntry, ...]:
    """Start of every search: catch up with the log if due, then the taxonomy to validate against.

    In this order, so a taxonomy change another process made is seen by the
    same request whose catch-up query noticed it.
    """
    app = current_app._get_current_object()
    catch_up_if_behind(app)
    return taxonomy_service_types(app)


def run_search(args: dict, only_ids: frozenset[int] | None = None, per_page: int = 20) -> SearchResult:
    """Search with parsed :class:`SearchArgsSchema` values (parsed against :func:`searchable_services`).

    ``only_ids`` limits the results to those providers (a council's approved list); ``per_page``: how many
    hits to read (1 when only the total and facets are wanted).
    """
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
        per_page=per_page,
        # The registry's one UTC clock decides which listings and badges hold, as it does for the database's
        # confirmation of each hit (the library would otherwise use the process's local date).
        today=today(),
        only_ids=only_ids,
        linked_facets=True,  # each facet counted as its link finds (see facets_as_linked)
    )
    return search_index().search(query)


def facets_as_linked(args: dict, result: SearchResult, only_ids: frozenset[int] | None = None) -> dict:
    """Facet counts that match the results their links lead to (issue 26: "Companionship (25)" led to 36).

    A facet's link replaces its own filter and keeps the others ("Companionship"
    while searching for personal care searches for companionship instead), so
    its count is over the search without that filter, not over the results on
    the page (which counted only those offering both). The index counts each
    facet that way in the same pass as the results (``linked_facets``, see
    :func:`run_search`). ``only_ids``: the search is limited to a council's
    lists, where a service's count is worked out apart (see
    :func:`_council_service_facets`).
    """
    facets = dict(result.facets)
    if only_ids is not None and args.get("service"):
        facets["services"] = _council_service_facets(args)
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


def search_providers(args: dict) -> dict:
    """One page of results for parsed search arguments: the page and the API both come here.

    With ``council_list`` the search is limited to the approved lists of the
    council covering the postcode (``council`` in the result says which, or
    None when no council has lists there yet). Facet counts are the counts
    their links give (:func:`facets_as_linked`).
    """
    if not args.get("council_list"):
        result = run_search(args)
        return {
            **presenters.present(result, args["service"]),
            "facets": facets_as_linked(args, result),
            "council": None,
        }
    shortlist = council_shortlist(args["postcode"], args["service"], today())
    only_ids = frozenset(shortlist.approvals)
    result = run_search(args, only_ids=only_ids)
    page = presenters.present(result, args["service"], shortlist.approvals)
    return {**page, "facets": facets_as_linked(args, result, only_ids), "council": shortlist.council}
