"""Provider search: Whoosh for text relevance, numpy columns for everything else.

No Flask and no ``registry`` import: the app builds :class:`ProviderDocument`
values from its models and calls :class:`SearchIndex`.

Public API::

    index = SearchIndex(directory, lock_timeout=2.0, result_cache_size=512)   # one per process; thread-safe
    index.rebuild(documents, procs=1, applied_mark=0, catch_up=None, progress=None) -> int   # new generation, replay, atomic swap
    index.rebuild_in_parts(parts, applied_mark=0, catch_up=None, progress=None) -> int   # each part read and indexed by its own process
    with index.updating(timeout=None) as update:       # one writer; IndexLocked if busy
        update.applied_mark; update.apply(upserts, deletes); update.advance(mark)
    index.apply(upserts=(), deletes=(), timeout=None)  # the same, without a mark
    index.applied_mark() -> int                        # how far the caller's change log is applied
    index.search(SearchQuery(...)) -> SearchResult
    index.count() -> int;  index.ids() -> set[int]

Validity is checked at query time: each listed service and badge carries
its last valid day, and a search keeps only those still valid on
``SearchQuery.today`` (default: today), so a lapse needs no index write.

Repeated queries: each ``SearchIndex`` keeps the results of its last
``result_cache_size`` queries for the index version they were computed on.
Any write, by this process or another, and a new day for a query without a
date, give a fresh search; results are shared, so callers must not change them.

Matching: a provider is returned when the great-circle distance from the
query point to its district centroid is at most
``min(provider.travel_radius_miles, query.radius_miles)``, it is listed for
every requested service on the query's date, and every other filter holds (``kinds``: any of;
``languages`` and ``badges``: all of; ``max_rate_pence``: the provider's
minimum rate is known and at most this; ``min_rating``: the score is known
and at least this; ``day``/``part``: that availability bit, any part of that
day, or that part of any day; ``gender``: equal; ``text``: every word, after
stemming and dropping stop words, appears in the name, the about text or a
service name). A provider listed for nothing is never returned.

Best match (``sort="best"``, the default) ranks by::

    score = 0.25 * verification + 0.25 * rating + 0.25 * proximity + 0.10 * relevance + 0.15 * reliability

    verification = min(number of badges, 3) / 3
    rating       = (score out of 10 / 10) * reviews / (reviews + 5)   # 0 when unrated
    proximity    = 1 - distance / search radius                      # 1 next door, 0 at the edge
    relevance    = text score / best text score in the results       # 0 without text
    reliability  = share of confirmed visits kept in the last 12 months   # 0.9 without a figure

so a fully verified provider with a 9/10 from 20 reviews, 2 miles away in a
10-mile search, that kept 95 % of its confirmed visits, scores
0.25 + 0.25*0.9*0.8 + 0.25*0.8 + 0.15*0.95 = 0.7725 before text.
``reliability`` is the document's own (the app sets it only when the
provider has enough confirmed visits for the figure to be shown); a
document without one gets ``NEUTRAL_RELIABILITY`` (0.9): better than a
provider that misses one visit in five, worse than one that keeps nearly all.
The review-count factor keeps one glowing review from outranking fifty good
ones on top of the Bayesian score. Ties go to the nearer provider, then the
lower id. The other sorts: ``distance`` ascending; ``rating`` descending with
unrated providers last; ``price`` by minimum hourly rate ascending with
unpriced providers last; each breaks ties by distance, then id.
"""

from searchindex.index import SearchIndex
from searchindex.model import IndexLocked, ProviderDocument, SearchHit, SearchQuery, SearchResult

__all__ = ["IndexLocked", "ProviderDocument", "SearchHit", "SearchIndex", "SearchQuery", "SearchResult"]
