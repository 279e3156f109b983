"""What the Open Referral feed publishes: the queries, callable without a request.

One HSDS *service* is one provider offering one service type it is listed
for today (``registry.checks.listing.listed_now_clause``: the rule asked of
the checks at read time, so a lapse, suspension or closed account leaves the
feed at once); its *organization* is the provider; its one
*location* is the centre of the provider's postcode district. Read-only:
nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from registry.checks.kinds import CheckKind, CheckStatus
from registry.checks.listing import listed_now_clause, listed_services_now
from registry.checks.models import Check
from registry.extensions import db
from registry.openreferral import ids
from registry.providers.models import Provider, ProviderService, ServiceType
from search.geo import Place, distance_miles, outcode_centroids

METRES_PER_MILE = 1609.344
# No provider travels further than this (the profile form's limit), so a
# postcode filter never needs to look at districts beyond it.
MAX_TRAVEL_MILES = 50

# The check kinds, in a fixed order: a check kind's taxonomy term key is its
# position here plus one, so ids stay stable when kinds are added at the end.
CHECK_KINDS: tuple[str, ...] = tuple(CheckKind)


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
    return query


def _districts_within(place: Place, miles: float) -> dict[str, float]:
    """Every district whose centre is within ``miles`` of ``place``, with its distance."""
    found = {}
    for outcode, (lat, lon) in outcode_centroids().items():
        d = distance_miles(place.latitude, place.longitude, lat, lon)
        if d <= miles:
            found[outcode] = d
    return found


def service_keys(filters: ServiceFilter, page: int, per_page: int, today: date) -> tuple[list[tuple[int, int]], int]:
    """One page of ``(provider_id, service_type_id)`` keys, and how many match in all.

    Without a postcode the order is by provider, then service type, so paging
    through a changing database stays predictable; with a postcode it is by
    distance first. A postcode alone keeps providers whose travel radius
    reaches it; ``proximity`` also limits the distance between district centres.
    """
    query = _filtered(filters, today)
    if filters.place is None:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        keys = db.session.execute(
            query.order_by(ProviderService.provider_id, ProviderService.service_type_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return [tuple(k) for k in keys], total
    reach = MAX_TRAVEL_MILES if filters.proximity_miles is None else min(MAX_TRAVEL_MILES, filters.proximity_miles)
    districts = _districts_within(filters.place, reach)
    rows = db.session.execute(
        query.add_columns(Provider.outcode, Provider.travel_radius_miles).where(Provider.outcode.in_(list(districts)))
    ).all()
    matches = sorted(
        (districts[outcode], provider_id, type_id)
        for provider_id, type_id, outcode, radius in rows
        if radius is not None and districts[outcode] <= radius
    )
    chunk = matches[(page - 1) * per_page : page * per_page]
    return [(provider_id, type_id) for _, provider_id, type_id in chunk], len(matches)


def load_services(keys: list[tuple[int, int]]) -> list[ProviderService]:
    """The ProviderService rows for ``keys``, in that order, with what the feed shows."""
    if not keys:
        return []
    rows = (
        db.session.scalars(
            select(ProviderService)
            .where(tuple_(ProviderService.provider_id, ProviderService.service_type_id).in_(keys))
            .options(
                # Checks and languages are on every page; a provider's other services only in full views.
                joinedload(ProviderService.provider).options(
                    selectinload(Provider.checks), selectinload(Provider.language_rows)
                )
            )
        )
        .unique()
        .all()
    )
    by_key = {(row.provider_id, row.service_type_id): row for row in rows}
    return [by_key[key] for key in keys if key in by_key]


def get_service(provider_id: int, service_type_id: int, today: date) -> ProviderService | None:
    """A service the public may see on ``today``, or None."""
    keys = db.session.execute(
        _listed_rows(today).where(
            ProviderService.provider_id == provider_id, ProviderService.service_type_id == service_type_id
        )
    ).all()
    found = load_services([tuple(k) for k in keys])
    return found[0] if found else None


def _listed_providers(today: date):
    """Providers listed for at least one service on ``today``."""
    return select(Provider.id).where(
        exists(
            select(ProviderService.provider_id).where(
                ProviderService.provider_id == Provider.id, listed_now_clause(today)
            )
        )
    )


def organization_page(page: int, per_page: int, today: date) -> tuple[list[Provider], int]:
    """Providers listed for at least one service on ``today``, by id."""
    query = _listed_providers(today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    ids_ = list(db.session.scalars(query.order_by(Provider.id).limit(per_page).offset((page - 1) * per_page)))
    providers = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids_)))} if ids_ else {}
    return [providers[i] for i in ids_], total


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
