"""What the Open Referral feed publishes: the queries, callable without a request.

One HSDS *service* is one provider offering one service type it is listed
for today (``registry.checks.listing.listed_now_clause``: the rule asked of
the checks at read time, so a lapse, suspension or closed account leaves the
feed at once); its *organization* is the provider; its one
*location* is the centre of the provider's postcode district. Read-only:
nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from registry import models
from registry.checks.kinds import CheckKind, CheckStatus
from registry.checks.listing import listed_now_among, listed_now_clause, listed_services_now, with_listing_rule
from registry.checks.models import Check
from registry.extensions import db
from registry.openreferral import ids
from registry.openreferral.models import FeedChange, FeedVersion
from registry.providers.models import Provider, ProviderLanguage, ProviderService, ServiceType
from searchindex.geo import Place, distance_miles, outcode_centroids

METRES_PER_MILE = 1609.344
# No provider travels further than this (the profile form's limit), so a
# postcode filter never needs to look at districts beyond it.
MAX_TRAVEL_MILES = 50

# The check kinds, in a fixed order: a check kind's taxonomy term key is its
# position here plus one, so ids stay stable when kinds are added at the end
# (here, whatever their place in CheckKind, which orders the badges).
CHECK_KINDS: tuple[str, ...] = (
    CheckKind.IDENTITY,
    CheckKind.DBS,
    CheckKind.RIGHT_TO_WORK,
    CheckKind.INSURANCE,
    CheckKind.QUALIFICATION,
    CheckKind.CQC,
    CheckKind.FOOD_HYGIENE,
    CheckKind.FIRST_AID,
    CheckKind.REFERENCE,
    # The other nations' schemes and regulators (issue 20).
    CheckKind.PVG,
    CheckKind.ACCESSNI,
    CheckKind.CARE_INSPECTORATE,
    CheckKind.CIW,
    CheckKind.RQIA,
)


@dataclass
class ServiceFilter:
    """Parsed filters for ``/services`` and ``/service_at_locations``."""

    words: list[str] = field(default_factory=list)
    service_type_ids: list[int] = field(default_factory=list)  # from service-type terms
    check_kinds: list[str] = field(default_factory=list)  # from check terms
    taxonomy: int | None = None
    organization_provider_id: int | None = None
    place: Place | None = None
    proximity_miles: float | None = None
    modified_after: datetime | None = None
    availability_mask: int | None = None  # from ``day``: any part of that day


def _listed_rows(today: date):
    """ProviderService rows the public may see on ``today``, joined to their provider."""
    return (
        select(ProviderService.provider_id, ProviderService.service_type_id)
        .join(Provider, Provider.id == ProviderService.provider_id)
        .where(listed_now_clause(today))
    )


def _current_check(kind: str, today: date):
    return exists().where(
        Check.provider_id == Provider.id,
        Check.kind == kind,
        Check.status == CheckStatus.APPROVED,
        Check.valid_until >= today,
    )


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: ServiceFilter, today: date):
    query = _listed_rows(today)
    if filters.words:
        query = query.join(ServiceType, ServiceType.id == ProviderService.service_type_id)
        for word in filters.words:
            pattern = _like(word)
            query = query.where(
                or_(
                    func.lower(Provider.display_name).like(pattern, escape="\\"),
                    func.lower(Provider.about).like(pattern, escape="\\"),
                    func.lower(ServiceType.name).like(pattern, escape="\\"),
                )
            )
    if filters.service_type_ids:
        query = query.where(ProviderService.service_type_id.in_(filters.service_type_ids))
    for kind in filters.check_kinds:
        query = query.where(_current_check(kind, today))
    if filters.organization_provider_id is not None:
        query = query.where(ProviderService.provider_id == filters.organization_provider_id)
    if filters.availability_mask is not None:
        query = query.where(Provider.availability.op("&")(filters.availability_mask) != 0)
    if filters.modified_after is not None:
        query = query.where(_changed_since(filters.modified_after, today, ProviderService))
    return query


# When a service last changed. A write stamps feed_changes (tracking.py); a
# check lapses with no write at all, at the midnight (UTC, like today()) after
# its valid_until, so that moment is worked out from the date. The provider's
# updated_at and each check's decision and revocation times count too, for
# writes made with bulk UPDATEs that the session hooks never see.


def lapse_moment(valid_until: date) -> datetime:
    return datetime.combine(valid_until + timedelta(days=1), time(), tzinfo=timezone.utc)


def _first_lapse_day(moment: datetime) -> date:
    """The earliest valid_until whose lapse moment is at or after ``moment``."""
    moment = moment.astimezone(timezone.utc)
    day = moment.date()
    return day if moment.time() != time() or day == date.min else day - timedelta(days=1)


def _changed_since(moment: datetime, today: date, pair):
    """SQL: the pair (``pair``'s provider_id and service_type_id, joined to Provider) changed at or after ``moment``."""
    return or_(
        exists().where(
            FeedChange.provider_id == pair.provider_id,
            FeedChange.service_type_id == pair.service_type_id,
            FeedChange.changed_at >= moment,
        ),
        Provider.updated_at >= moment,
        exists().where(
            Check.provider_id == Provider.id,
            or_(
                Check.decided_at >= moment,
                Check.revoked_at >= moment,
                and_(
                    Check.status == CheckStatus.APPROVED,
                    Check.valid_until >= _first_lapse_day(moment),
                    Check.valid_until < today,
                ),
            ),
        ),
    )


def last_change(provider: Provider, changed_at: datetime | None, today: date) -> datetime:
    """The same moment as ``_changed_since`` tests, for a loaded provider (its checks loaded)."""
    moments = [changed_at, provider.updated_at]
    for check in provider.checks:
        moments += [check.decided_at, check.revoked_at]
        if check.status == CheckStatus.APPROVED and check.valid_until is not None and check.valid_until < today:
            moments.append(lapse_moment(check.valid_until))
    return max(m for m in moments if m is not None)


def changed_at_of(row: ProviderService) -> datetime | None:
    """The feed_changes stamp of a service (set on the rows :func:`load_services` returns)."""
    if not hasattr(row, "_feed_changed_at"):
        change = db.session.get(FeedChange, (row.provider_id, row.service_type_id))
        row._feed_changed_at = change.changed_at if change else None
    return row._feed_changed_at


def _districts_within(place: Place, miles: float) -> dict[str, float]:
    """Every district whose centre is within ``miles`` of ``place``, with its distance."""
    found = {}
    for outcode, (lat, lon) in outcode_centroids().items():
        d = distance_miles(place.latitude, place.longitude, lat, lon)
        if d <= miles:
            found[outcode] = d
    return found


def _from_key(key: tuple[int, int | None]):
    """SQL: the ``ProviderService`` row comes after ``key`` (provider, service type; no type: after the provider).

    Written as plain ranges on both columns (besides the exact tuple order) so
    that either database walks the primary keys of providers and services from
    there, never reading what came before.
    """
    provider_id, type_id = key
    if type_id is None:
        return and_(ProviderService.provider_id > provider_id, Provider.id > provider_id)
    return and_(
        ProviderService.provider_id >= provider_id,
        Provider.id >= provider_id,
        or_(
            ProviderService.provider_id > provider_id,
            ProviderService.service_type_id > type_id,
        ),
    )


def _keys_after(query, after: tuple | None, wanted: int, session: Session) -> list[tuple[int, int]]:
    """The first ``wanted`` keys of ``query`` after ``after``, in key order, reading windows of providers.

    Each window is a range of provider ids (the next so many, found along the
    primary key), so a query weighs that many providers, never the rest of the
    table: the page after a cursor costs the same at the end of a harvest as
    at its start. Providers that are not listed give no rows, so a window
    that comes up short is followed by one twice as wide (a filter that
    matches little costs a few more queries, not a scan per page).
    """
    found: list[tuple[int, int]] = []
    start: tuple[int, int | None] = (after[0], after[1]) if after is not None else (0, None)
    width = wanted
    while len(found) < wanted:
        high = session.scalar(
            select(Provider.id).where(Provider.id > start[0]).order_by(Provider.id).offset(width - 1).limit(1)
        )
        window = query.where(_from_key(start))
        if high is not None:
            window = window.where(ProviderService.provider_id <= high, Provider.id <= high)
        window = window.order_by(ProviderService.provider_id, ProviderService.service_type_id)
        found += [tuple(k) for k in session.execute(window.limit(wanted - len(found))).all()]
        if high is None:
            break
        start, width = (high, None), width * 2
    return found


def count_services(filters: ServiceFilter, today: date) -> int:
    """How many services match ``filters`` (every one of them weighed: asked once per harvest, not per page)."""
    query = _filtered(filters, today)
    if filters.place is None:
        return db.session.scalar(select(func.count()).select_from(query.subquery()))
    return len(_distance_matches(query, filters))


def _distance_matches(query, filters: ServiceFilter, beyond: float = 0.0) -> list[tuple[float, int, int]]:
    """``(miles, provider_id, service_type_id)`` of every match at ``beyond`` miles or more, nearest first."""
    reach = MAX_TRAVEL_MILES if filters.proximity_miles is None else min(MAX_TRAVEL_MILES, filters.proximity_miles)
    districts = {k: d for k, d in _districts_within(filters.place, reach).items() if d >= beyond}
    if not districts:
        return []
    rows = db.session.execute(
        query.add_columns(Provider.outcode, Provider.travel_radius_miles).where(Provider.outcode.in_(list(districts)))
    ).all()
    return sorted(
        (districts[outcode], provider_id, type_id)
        for provider_id, type_id, outcode, radius in rows
        if radius is not None and districts[outcode] <= radius
    )


def service_keys(
    filters: ServiceFilter, per_page: int, today: date, page: int = 1, after: tuple | None = None
) -> tuple[list[tuple[int, int]], int | None, tuple | None]:
    """One page of ``(provider_id, service_type_id)`` keys, how many match in all, and the next page's key.

    Without a postcode the order is by provider, then service type; with a
    postcode by distance first. ``after`` (a key from the last page) pages by
    key rather than by position, so a harvester neither skips nor repeats a
    service while others join or leave the feed; such a page is one range of
    keys read from where the last one ended, and its total is None (the
    caller carries the count it gave with the first page: counting again is a
    read of every match on every page, quadratic over a harvest). A postcode
    alone keeps providers whose travel radius reaches it; ``proximity`` also
    limits the distance between district centres. The next key is None on the
    last page.
    """
    query = _filtered(filters, today)
    if filters.place is None:
        if after is not None:
            keys, total = _keys_after(query, tuple(after), per_page + 1, db.session), None
        elif page == 1:
            keys, total = _keys_after(query, None, per_page + 1, db.session), count_services(filters, today)
        else:
            total = count_services(filters, today)
            ordered = query.order_by(ProviderService.provider_id, ProviderService.service_type_id)
            keys = [tuple(k) for k in db.session.execute(ordered.offset((page - 1) * per_page).limit(per_page + 1))]
        more = len(keys) > per_page
        keys = keys[:per_page]
        return keys, total, (keys[-1] if more and keys else None)
    if after is not None:
        # Districts nearer than the last key's are behind the harvester: never read again.
        following = [m for m in _distance_matches(query, filters, beyond=after[0]) if m > tuple(after)]
        total = None
    else:
        matches = _distance_matches(query, filters)
        following, total = matches[(page - 1) * per_page :], len(matches)
    chunk = following[:per_page]
    more = len(following) > per_page
    return [(provider_id, type_id) for _, provider_id, type_id in chunk], total, (chunk[-1] if more else None)


# The feed by postcode (issue 25). The SQL above weighs the listing rule for
# every provider within reach, then sorts them all: at 100,000 providers a
# city-centre postcode means thousands of providers and most of a second.
# The search index already holds, per provider, its district's centre, its
# travel radius and the services it is listed for with the last day each
# stays listed, and finds the nearest in a few milliseconds; its facets count
# the services of every match. So the first pages by postcode come from the
# index, and the database confirms the page's services with the listing rule
# itself before anything is shown (a service the database would not list
# today is left out, as search does). Filters the index does not hold (words,
# check kinds, an organization, a day, modified_after) and cursor pages after
# the first ones keep the SQL path, which orders by the same key.

# Pages ending beyond this many services are read the SQL way (an offset page deep into a city is a harvest).
INDEX_PAGE_LIMIT = 1000


def _index_can_answer(filters: ServiceFilter, per_page: int, page: int, after: tuple | None) -> bool:
    return (
        filters.place is not None
        and after is None
        and page * per_page <= INDEX_PAGE_LIMIT
        and (filters.proximity_miles is None or filters.proximity_miles > 0)
        and not filters.words
        and not filters.check_kinds
        and filters.organization_provider_id is None
        and filters.availability_mask is None
        and filters.modified_after is None
    )


def _nearest_from_index(
    filters: ServiceFilter, per_page: int, today: date, page: int, types: list[ServiceType]
) -> tuple[list[tuple[float, int, int]], int, tuple | None] | None:
    """One page of ``(miles, provider_id, service_type_id)`` nearest first, the index's count, and the next key.

    Not yet confirmed with the database (:func:`nearest_services` does that). None when the index cannot say:
    it is empty, or holds a document written before it stored each provider's district (rebuild it).
    """
    from flask import current_app

    from registry.searching.services import catch_up_if_behind, search_index
    from searchindex import SearchQuery

    place = filters.place
    type_ids = {t.slug: t.id for t in types}
    wanted = {slug for slug, type_id in type_ids.items() if type_id in filters.service_type_ids}
    if filters.service_type_ids and not wanted:
        return [], 0, None
    start, end = (page - 1) * per_page, page * per_page
    reach = MAX_TRAVEL_MILES if filters.proximity_miles is None else min(MAX_TRAVEL_MILES, filters.proximity_miles)
    catch_up_if_behind(current_app._get_current_object())  # what other nodes wrote, as before a search
    result = search_index().search(
        SearchQuery(
            latitude=place.latitude,
            longitude=place.longitude,
            radius_miles=reach,
            services=tuple(sorted(wanted)),
            sort="distance",
            page=1,
            per_page=end + 1,  # every provider offers at least one service, so these hold the page and one more
            today=today,
        )
    )
    if not result.hits and search_index().count() == 0:
        return None  # an index not built yet (a new node before its first rebuild): the database answers
    total = sum(n for slug, n in result.facets.get("services", {}).items() if not wanted or slug in wanted)
    centroids = outcode_centroids()
    found = []
    for hit in result.hits:
        if hit.outcode not in centroids:
            return None
        # The feed's own measure (district centre to district centre), so a cursor from here goes on by SQL.
        miles = distance_miles(place.latitude, place.longitude, *centroids[hit.outcode])
        found += [
            (miles, hit.id, type_ids[slug])
            for slug in hit.services
            if slug in type_ids and (not wanted or slug in wanted)
        ]
    found.sort()
    chunk = found[start:end]
    return chunk, total, (chunk[-1] if len(found) > end and chunk else None)


def _confirming(today: date, dialect: str) -> Select:
    """The listing rule for the services of some providers (bound as ``provider_ids``)."""
    return with_listing_rule(
        "openreferral confirming",
        today,
        dialect,
        lambda _rule: _listed_rows(today).where(models.one_of(ProviderService.provider_id, "provider_ids", dialect)),
    )


def nearest_services(
    filters: ServiceFilter, per_page: int, today: date, page: int = 1, after: tuple | None = None
) -> tuple[list, int | None, tuple | None]:
    """A page of services as :func:`service_keys` and :func:`load_services` give them, the index's way if it can.

    Each service on an index page is confirmed listed today by the listing rule (one query for the page);
    the rows are plain values (as the export reads them), which the presenters treat as models.
    """
    types = list(db.session.scalars(select(ServiceType))) if _index_can_answer(filters, per_page, page, after) else []
    found = _nearest_from_index(filters, per_page, today, page, types) if types else None
    if found is None:
        keys, total, next_key = service_keys(filters, per_page, today, page=page, after=after)
        return load_services(keys), total, next_key
    chunk, total, next_key = found
    if not chunk:
        return [], total, next_key
    provider_ids = sorted({provider_id for _, provider_id, _ in chunk})
    confirming = _confirming(today, db.session.get_bind().dialect.name)
    listed = {tuple(key) for key in db.session.execute(confirming, {"provider_ids": provider_ids})}
    keys = [(provider_id, type_id) for _, provider_id, type_id in chunk if (provider_id, type_id) in listed]
    if not keys:
        return [], total, next_key
    return _read_services(keys, {t.id: t for t in types}, db.session), total, next_key


def load_services(keys: list[tuple[int, int]], session: Session | None = None) -> list[ProviderService]:
    """The ProviderService rows for ``keys``, in that order, with what the feed shows.

    Read by provider id (an index range on every table, whereas a list of
    ``(provider, type)`` pairs is a scan on SQLite): the providers, then
    their checks, languages and services with their types, and the services'
    change stamps, a statement each, whatever the number of keys.
    """
    if not keys:
        return []
    session = session or db.session
    provider_ids = sorted({provider_id for provider_id, _ in keys})
    providers = session.scalars(
        select(Provider)
        .where(Provider.id.in_(provider_ids))
        .options(
            selectinload(Provider.checks),
            selectinload(Provider.language_rows),
            selectinload(Provider.services).joinedload(ProviderService.service_type),
        )
    ).all()
    stamps = dict(
        ((provider_id, type_id), changed_at)
        for provider_id, type_id, changed_at in session.execute(
            select(FeedChange.provider_id, FeedChange.service_type_id, FeedChange.changed_at).where(
                FeedChange.provider_id.in_(provider_ids)
            )
        )
    )
    by_key = {}
    for provider in providers:
        for row in provider.services:
            set_committed_value(row, "provider", provider)  # held, so never read again (nor its checks)
            row._feed_changed_at = stamps.get((row.provider_id, row.service_type_id))
            by_key[(row.provider_id, row.service_type_id)] = row
    return [by_key[key] for key in keys if key in by_key]


# The whole feed at once (format=ndjson). One read-only transaction at
# REPEATABLE READ on PostgreSQL, so every batch sees the database as it was when
# the export began; batches by key (each query finished before the next), so
# memory stays the same whatever the size and nothing repeats. SQLite has no
# such snapshot across statements (its reads take no lock between batches, so
# writers are never held up): a service revoked mid-export is simply not in a
# later batch.


@contextmanager
def snapshot_session() -> Iterator[Session]:
    """A session of its own for a long read, at one consistent snapshot where the database offers one."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with Session(bind=connection) as session:
            yield session


# The export reads plain rows, not ORM objects: building and tracking the
# ORM's objects (a provider, its services, checks and languages) cost more
# than everything else the export does. These hold the columns the presenters
# read, under the models' names, and take the models' own rules (whether a
# check is current, a provider's language codes and availability slots), so
# the presenters treat them as they treat models; test_export.py checks that
# each line is exactly what the paged feed (built from models) says.


@dataclass(slots=True)
class FeedCheck:
    id: int
    kind: str
    status: str
    details: dict | None
    verification_method: str | None
    decided_at: datetime | None
    revoked_at: datetime | None
    valid_until: date | None
    status_checked_at: datetime | None
    status_checked_by_id: int | None

    is_current = Check.is_current


@dataclass(slots=True)
class FeedLanguage:
    language: str


@dataclass(slots=True)
class FeedProvider:
    id: int
    kind: str
    display_name: str
    slug: str
    about: str
    website: str | None
    outcode: str | None
    travel_radius_miles: int | None
    rate_min_pence: int | None
    rate_max_pence: int | None
    visit_price_pence: int | None
    visit_minutes: int | None
    minimum_hours: int | None
    minimum_per: str | None
    travel: str | None
    travel_pence: int | None
    sleeping_night_pence: int | None
    waking_night_pence: int | None
    weekend_uplift_percent: int | None
    bank_holiday_uplift_percent: int | None
    availability: int
    suspended_at: datetime | None
    updated_at: datetime
    checks: list[FeedCheck] = field(default_factory=list)
    language_rows: list[FeedLanguage] = field(default_factory=list)

    languages = Provider.languages
    availability_slots = Provider.availability_slots
    prices = Provider.prices


@dataclass(slots=True)
class FeedService:
    provider: FeedProvider
    service_type: ServiceType
    provider_id: int
    service_type_id: int
    _feed_changed_at: datetime | None


_PROVIDER_COLUMNS = [
    getattr(Provider, f.name) for f in fields(FeedProvider) if f.name not in ("checks", "language_rows")
]
_CHECK_COLUMNS = [getattr(Check, f.name) for f in fields(FeedCheck)]


def _read_services(keys: list[tuple[int, int]], types: dict[int, ServiceType], session: Session) -> list[FeedService]:
    """The services of ``keys`` (of one window of providers), with what the feed shows: four statements."""
    provider_ids = sorted({provider_id for provider_id, _ in keys})
    providers = {
        row.id: FeedProvider(*row)
        for row in session.execute(select(*_PROVIDER_COLUMNS).where(Provider.id.in_(provider_ids)))
    }
    for row in session.execute(
        select(*_CHECK_COLUMNS, Check.provider_id).where(Check.provider_id.in_(provider_ids)).order_by(Check.id)
    ):
        providers[row.provider_id].checks.append(FeedCheck(*row[:-1]))
    for provider_id, language in session.execute(
        select(ProviderLanguage.provider_id, ProviderLanguage.language).where(
            ProviderLanguage.provider_id.in_(provider_ids)
        )
    ):
        providers[provider_id].language_rows.append(FeedLanguage(language))
    stamps = dict(
        ((provider_id, type_id), changed_at)
        for provider_id, type_id, changed_at in session.execute(
            select(FeedChange.provider_id, FeedChange.service_type_id, FeedChange.changed_at).where(
                FeedChange.provider_id.in_(provider_ids)
            )
        )
    )
    return [
        FeedService(providers[p], types[t], p, t, stamps.get((p, t))) for p, t in keys if p in providers and t in types
    ]


def export_services(filters: ServiceFilter, today: date, batch: int, session: Session) -> Iterator[list[FeedService]]:
    """Every service matching ``filters`` (not ``place``: the export is in key order), a window of providers at a time.

    Each window is the next ``batch`` provider ids (a walk along the primary
    key), so each query weighs the rule for that many providers only, never
    for all the rest (ordering what is left of the whole table, batch after
    batch, made a keyset walk quadratic on SQLite). Plain rows, one batch
    held at a time: memory stays the same whatever the size of the feed.
    """
    types = {t.id: t for t in session.scalars(select(ServiceType))}
    query = _filtered(filters, today).order_by(ProviderService.provider_id, ProviderService.service_type_id)
    low = 0
    while True:
        high = session.scalar(
            select(Provider.id).where(Provider.id > low).order_by(Provider.id).offset(batch - 1).limit(1)
        )
        window = query.where(ProviderService.provider_id > low, Provider.id > low)
        if high is not None:
            window = window.where(ProviderService.provider_id <= high, Provider.id <= high)
        keys = [tuple(k) for k in session.execute(window).all()]
        if keys:
            yield _read_services(keys, types, session)
        if high is None:
            return
        low = high


def get_service(provider_id: int, service_type_id: int, today: date) -> ProviderService | None:
    """A service the public may see on ``today``, or None."""
    keys = db.session.execute(
        _listed_rows(today).where(
            ProviderService.provider_id == provider_id, ProviderService.service_type_id == service_type_id
        )
    ).all()
    found = load_services([tuple(k) for k in keys])
    return found[0] if found else None


def _listed_providers(today: date, modified_after: datetime | None = None):
    """Providers listed for at least one service on ``today`` (one of them changed since ``modified_after``)."""
    listed_service = select(ProviderService.provider_id).where(
        ProviderService.provider_id == Provider.id, listed_now_clause(today)
    )
    query = select(Provider.id).where(exists(listed_service))
    if modified_after is not None:
        query = query.where(exists(listed_service.where(_changed_since(modified_after, today, ProviderService))))
    return query


def organization_page(
    per_page: int, today: date, page: int = 1, after: tuple | None = None, modified_after: datetime | None = None
) -> tuple[list[Provider], int | None, tuple | None]:
    """Providers listed for at least one service on ``today``, by id; paged (and counted) as :func:`service_keys`."""
    query = _listed_providers(today, modified_after)
    # A cursor page is a range of ids from the last one; its count came with the first page.
    total = None if after is not None else db.session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(Provider.id)
    ordered = ordered.where(Provider.id > after[0]) if after is not None else ordered.offset((page - 1) * per_page)
    ids_ = list(db.session.scalars(ordered.limit(per_page + 1)))
    more = len(ids_) > per_page
    ids_ = ids_[:per_page]
    providers = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids_)))} if ids_ else {}
    return [providers[i] for i in ids_], total, ((ids_[-1],) if more and ids_ else None)


@dataclass(frozen=True)
class Deletion:
    key: tuple[int, int, int]  # provider, service type (0: the organization), kind rank
    type: str  # "service", "service_at_location" or "organization"
    id: str
    deleted_at: datetime


def deletions(since: datetime, today: date) -> list[Deletion]:
    """Everything the feed published that is gone now, withdrawn at or after ``since``, in key order.

    A service is withdrawn when it stops being listed (a revoked, rejected or
    lapsed check, a suspension, a closed account, the service taken off the
    profile) and only if it was ever listed. Its service_at_location goes
    with it, and its organization when no service of the provider is left.
    ``deleted_at`` is the latest change we know of, at or after the
    withdrawal itself. Returning a service that was already gone when the
    client last looked is harmless; missing one never happens.
    """
    listed_pair = (
        select(ProviderService.provider_id)
        .join(Provider, Provider.id == ProviderService.provider_id)
        .where(
            ProviderService.provider_id == FeedChange.provider_id,
            ProviderService.service_type_id == FeedChange.service_type_id,
            listed_now_clause(today),
        )
        .correlate(FeedChange)
    )
    changed = or_(
        FeedChange.changed_at >= since,
        Provider.updated_at >= since,
        exists().where(
            Check.provider_id == FeedChange.provider_id,
            or_(
                Check.decided_at >= since,
                Check.revoked_at >= since,
                and_(
                    Check.status == CheckStatus.APPROVED,
                    Check.valid_until >= _first_lapse_day(since),
                    Check.valid_until < today,
                ),
            ),
        ),
    )
    rows = db.session.execute(
        select(FeedChange.provider_id, FeedChange.service_type_id, FeedChange.changed_at)
        .outerjoin(Provider, Provider.id == FeedChange.provider_id)
        .where(FeedChange.listed_ever.is_(True), ~exists(listed_pair), changed)
        .order_by(FeedChange.provider_id, FeedChange.service_type_id)
    ).all()
    if not rows:
        return []
    provider_ids = sorted({r.provider_id for r in rows})
    providers = {
        p.id: p
        for p in db.session.scalars(
            select(Provider).where(Provider.id.in_(provider_ids)).options(selectinload(Provider.checks))
        )
    }
    still_listed = listed_now_among(provider_ids, today)
    found: list[Deletion] = []
    org_moment: dict[int, datetime] = {}
    for provider_id, type_id, changed_at in rows:
        provider = providers.get(provider_id)
        moment = last_change(provider, changed_at, today) if provider is not None else changed_at
        if moment < since:
            continue
        found.append(Deletion((provider_id, type_id, 0), "service", ids.service_id(provider_id, type_id), moment))
        found.append(
            Deletion(
                (provider_id, type_id, 1),
                "service_at_location",
                ids.service_at_location_id(provider_id, type_id),
                moment,
            )
        )
        if provider_id not in still_listed:
            org_moment[provider_id] = max(moment, org_moment.get(provider_id, moment))
    for provider_id, moment in org_moment.items():
        found.append(Deletion((provider_id, 0, 2), "organization", ids.organization_id(provider_id), moment))
    return sorted(found, key=lambda d: d.key)


def feed_version(today: date) -> tuple[tuple, datetime]:
    """A cheap fingerprint of everything the feed reads, and the latest moment anything changed.

    Asked before a page is built, so a conditional GET is answered without
    building it. One statement of lookups, whatever the size of the registry:
    the counter the database bumps on every write to the tables the feed reads
    (``FeedVersion``: bulk UPDATEs and deletes included, where counting rows
    used to catch them), and the latest change stamps, each read from its
    index. The date catches a lapse at midnight.
    """
    row = db.session.execute(
        select(
            select(FeedVersion.counter).where(FeedVersion.id == 1).scalar_subquery(),
            select(func.max(FeedChange.changed_at)).scalar_subquery(),
            select(func.max(Provider.updated_at)).scalar_subquery(),
            select(func.max(Check.decided_at)).scalar_subquery(),
            select(func.max(Check.revoked_at)).scalar_subquery(),
        )
    ).one()
    moments = [
        m.replace(tzinfo=timezone.utc) if isinstance(m, datetime) and m.tzinfo is None else m
        for m in row[1:]
        if isinstance(m, datetime)
    ]
    midnight = datetime.combine(today, time(), tzinfo=timezone.utc)
    latest = max([midnight, *moments])
    return (tuple(str(v) for v in row), today.isoformat()), min(latest, models.utcnow())


def get_organization(provider_id: int, today: date) -> Provider | None:
    found = db.session.scalar(_listed_providers(today).where(Provider.id == provider_id))
    if found is None:
        return None
    return db.session.scalar(
        select(Provider)
        .where(Provider.id == found)
        .options(
            selectinload(Provider.checks),
            selectinload(Provider.language_rows),
            selectinload(Provider.services),
        )
    )


def listed_services_of(provider: Provider, today: date) -> list[ProviderService]:
    """The provider's services listed on ``today``, in the taxonomy's order."""
    listed = {t.id for t in listed_services_now(provider, today)}
    return sorted(
        (row for row in provider.services if row.service_type_id in listed),
        key=lambda r: (r.service_type.position, r.service_type.name),
    )


def service_types() -> list[ServiceType]:
    return list(db.session.scalars(select(ServiceType).order_by(ServiceType.position, ServiceType.name)))


def get_service_type(service_type_id: int) -> ServiceType | None:
    return db.session.get(ServiceType, service_type_id)


def check_kind_for_key(key: int) -> str | None:
    return CHECK_KINDS[key - 1] if 1 <= key <= len(CHECK_KINDS) else None


def check_kind_key(kind: str) -> int:
    return CHECK_KINDS.index(kind) + 1


def resolve_term(term_id: str) -> tuple[int, int] | None:
    """``(taxonomy, key)`` for one of this feed's taxonomy term ids, else None."""
    decoded = ids.decode("taxonomy_term", term_id)
    if decoded is None:
        return None
    taxonomy, key = decoded
    if taxonomy == ids.CHECKS_TAXONOMY and check_kind_for_key(key) is not None:
        return decoded
    if taxonomy == ids.SERVICE_TYPES_TAXONOMY:
        return decoded
    return None
