"""The values that cross the search library's boundary: documents in, queries in, results out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = ("organisation", "pa")
SORTS = ("best", "distance", "rating", "price")
DAYS_PER_WEEK = 7
PARTS_PER_DAY = 4  # 0 morning, 1 afternoon, 2 evening, 3 overnight


class IndexLocked(RuntimeError):
    """Another process holds the index's write lock; nothing was changed."""


@dataclass(frozen=True)
class ProviderDocument:
    """One listed provider as search sees it; the app builds these from its models.

    ``listed_services`` are the service slugs the provider is *listed* for (every
    required check approved and current); a document without any is never
    returned and is treated as a delete by :meth:`SearchIndex.apply`.
    ``availability`` is a bitmask with bit ``day * 4 + part`` set when the
    provider works that part of that day (day 0 = Monday; part 0 = morning,
    1 = afternoon, 2 = evening, 3 = overnight).

    ``listed_until`` and ``badges_until``, aligned with ``listed_services``
    and ``badges``, give the last day each holds (``None`` or a missing entry:
    no end). Searches compare them with the query's date, so a listing whose
    check lapses overnight leaves the results at midnight without any write.
    """

    id: int
    slug: str
    name: str
    kind: str
    about: str
    outcode: str
    latitude: float
    longitude: float
    travel_radius_miles: float
    listed_services: tuple[str, ...]
    service_names: tuple[str, ...]
    rate_min_pence: int | None
    rate_max_pence: int | None
    rating_score: float | None
    review_count: int
    languages: tuple[str, ...]
    availability: int
    gender: str | None
    badges: tuple[str, ...]
    listed_until: tuple[date | None, ...] = ()
    badges_until: tuple[date | None, ...] = ()
    # Words a recipient may type for the languages and communication support
    # ("Urdu", "BSL", "sign language"): searched with the service names.
    language_names: tuple[str, ...] = ()
    # The CQC location's current overall rating, shown on the results card:
    # ``cqc_location_id`` set means a sync found it registered; ``cqc_rating``
    # None then says CQC has not rated it yet; the date is the report's.
    cqc_location_id: str | None = None
    cqc_rating: str | None = None
    cqc_rating_date: date | None = None
    # A sentence per listed service (aligned with ``listed_services``) saying what was checked for it;
    # shown on the results card while that service is listed on the query's date.
    service_claims: tuple[str, ...] = ()
    # Visit reliability (the app's rule): ``reliability`` is the share of confirmed visits kept in the last
    # 12 months, 0..1, set only when the provider has enough confirmed visits for the figure to be shown;
    # None gives best match's neutral value. The counts are what the results card says.
    reliability: float | None = None
    visits_kept: int = 0
    visits_confirmed: int = 0


@dataclass(frozen=True)
class SearchQuery:
    """What a recipient asked for. The caller validates ranges (``0 < radius_miles <= 50``).

    ``services``, ``languages`` and ``badges`` narrow (a provider needs all of
    them); ``kinds`` widens (any of them). ``text`` is raw user input: it is
    split into words, never parsed as query syntax.

    ``linked_facets``: count the ``services`` facet without the ``services``
    filter and the ``kinds`` facet without the ``kinds`` filter (every other
    filter kept), so each count is what a link replacing that filter finds,
    in the same pass as the results rather than a second search.
    """

    latitude: float
    longitude: float
    radius_miles: float = 10.0
    services: tuple[str, ...] = ()
    text: str = ""
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    max_rate_pence: int | None = None
    min_rating: float | None = None
    day: int | None = None
    part: int | None = None
    gender: str | None = None
    badges: tuple[str, ...] = ()
    sort: str = "best"
    page: int = 1
    per_page: int = 20
    today: date | None = None  # the date listings and badges must hold on; None: today
    only_ids: frozenset[int] | None = None  # when set, only these providers (e.g. a council's approved list)
    linked_facets: bool = False


@dataclass(frozen=True)
class SearchHit:
    """One provider on the requested page.

    ``relevance`` is the text score scaled to 0..1 (1 for the best text match;
    0 without a text query); ``score`` is the best-match score the hit was
    ranked by (see the package docstring), whatever the sort. The other
    fields are the provider's display values as the index holds them.
    """

    id: int
    distance_miles: float
    relevance: float = 0.0
    score: float = 0.0
    # What the index holds for the results page. Services and badges are
    # those still valid on the query's date. ``slug`` is None for a document
    # written before the index stored display values (rebuild to fill it).
    slug: str | None = None
    name: str = ""
    kind: str = ""
    outcode: str = ""
    services: tuple[str, ...] = ()
    service_names: tuple[str, ...] = ()
    rate_min_pence: int | None = None
    rate_max_pence: int | None = None
    rating_score: float | None = None
    review_count: int = 0
    languages: tuple[str, ...] = ()
    badges: tuple[str, ...] = ()
    # (location id, overall rating or None for not yet rated, report date or None); None: no live CQC record.
    cqc: tuple[str, str | None, date | None] | None = None
    # What was checked for each of ``services`` (aligned with it); empty for documents written before claims.
    service_claims: tuple[str, ...] = ()
    # (visits kept, confirmed visits) in the last 12 months when the document has a reliability figure, else None.
    visits: tuple[int, int] | None = None


@dataclass(frozen=True)
class SearchResult:
    """One page of hits plus the size and facets of the whole result set.

    Results are cached and handed to every later caller of the same query, so
    treat one as read-only, its list and dicts included.

    ``facets`` is ``{"services": {slug: n}, "kinds": {kind: n}}`` counted over
    every matching provider (all pages), omitting zero counts; with the
    query's ``linked_facets``, each without its own filter.
    """

    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
