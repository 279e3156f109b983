"""Bump ``feed_changes`` in the same transaction as any write the feed would show.

A session hook notes, before each flush, which providers and service types
the flush touches (a profile, its services or languages, a check, a review,
a council framework entry, an account opened or closed, a service type or
its requirements), and after the flush stamps every (provider, service type)
pair of them, the ones removed in this flush included, with the time. It
also records whether each pair is listed after the flush: listing can only
begin with a write (time only ever ends it, when a check lapses), so
``listed_ever`` is true for every service the feed has ever published.

A change is visible to others only once its transaction commits, which can
be well after the flush (a long command, a slow request): a client that
synced in between would see neither the change nor, later, a stamp older
than its sync. So just before the commit the stamps of this transaction are
set again, to the commit's moment (``restamp``). Clients still overlap
their syncs by a few minutes (README), for clocks that differ between nodes.

Lapses need no write: the feed works out the moment a check lapsed from its
``valid_until`` (see services.py). Bulk ``UPDATE`` statements bypass these
hooks; the feed's ``last_modified`` also takes the provider's own
``updated_at`` and each check's decision and revocation times, which most of
them set.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from registry import models
from registry.accounts.models import User
from registry.checks.listing import listed_now_clause
from registry.checks.models import Check
from registry.councils.models import FrameworkEntry
from registry.models import today
from registry.openreferral.models import FeedChange
from registry.providers.models import Provider, ProviderLanguage, ProviderService, ServiceRequirement, ServiceType
from registry.reviews.models import Review

_KEY = "openreferral_touched"
_STAMPED = "openreferral_stamped"  # pairs stamped in this transaction, stamped again at its commit
# Rows that belong to one provider and change what the feed says about it (or may, later: ratings, councils).
_OF_A_PROVIDER = (Check, ProviderService, ProviderLanguage, Review, FrameworkEntry)


def _changed(session: Session, obj) -> bool:
    return obj in session.new or obj in session.deleted or session.is_modified(obj, include_collections=False)


def note_changes(session: Session, flush_context, instances) -> None:
    touched = session.info.setdefault(_KEY, {"providers": [], "types": []})
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, Provider):
                if _changed(session, obj):
                    touched["providers"].append(obj)
            elif isinstance(obj, _OF_A_PROVIDER):
                if _changed(session, obj):
                    touched["providers"].append(obj.provider_id if obj.provider_id is not None else obj)
            elif isinstance(obj, User):
                if attributes.get_history(obj, "active").has_changes() and obj.provider is not None:
                    touched["providers"].append(obj.provider)
            elif isinstance(obj, ServiceType):
                if _changed(session, obj):
                    touched["types"].append(obj)
            elif isinstance(obj, ServiceRequirement):
                if _changed(session, obj):
                    touched["types"].append(obj.service_type_id if obj.service_type_id is not None else obj)


def _provider_id_of(item) -> int | None:
    if isinstance(item, int):
        return item
    if isinstance(item, Provider):
        return item.id
    return getattr(item, "provider_id", None)


def _type_id_of(item) -> int | None:
    if isinstance(item, int):
        return item
    if isinstance(item, ServiceType):
        return item.id
    return getattr(item, "service_type_id", None)


def stamp(session: Session, flush_context) -> None:
    touched = session.info.pop(_KEY, None)
    if not touched:
        return
    provider_ids = {i for i in map(_provider_id_of, touched["providers"]) if i is not None}
    type_ids = {i for i in map(_type_id_of, touched["types"]) if i is not None}
    if not provider_ids and not type_ids:
        return
    conn = session.connection()

    def among(provider_column, type_column):
        return or_(provider_column.in_(sorted(provider_ids)), type_column.in_(sorted(type_ids)))

    pairs = set(
        conn.execute(
            select(ProviderService.provider_id, ProviderService.service_type_id).where(
                among(ProviderService.provider_id, ProviderService.service_type_id)
            )
        ).all()
    )
    pairs |= set(
        conn.execute(
            select(FeedChange.provider_id, FeedChange.service_type_id).where(
                among(FeedChange.provider_id, FeedChange.service_type_id)
            )
        ).all()
    )
    if not pairs:
        return
    listed = set(
        conn.execute(
            select(ProviderService.provider_id, ProviderService.service_type_id)
            .join(Provider, Provider.id == ProviderService.provider_id)
            .where(among(ProviderService.provider_id, ProviderService.service_type_id), listed_now_clause(today()))
        ).all()
    )
    now = models.utcnow()
    rows = [
        {"provider_id": p, "service_type_id": t, "changed_at": now, "listed_ever": (p, t) in listed}
        for p, t in sorted(pairs)
    ]
    session.info.setdefault(_STAMPED, set()).update(pairs)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    table = FeedChange.__table__
    statement = dialect.insert(table).values(rows)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.provider_id, table.c.service_type_id],
            set_={
                "changed_at": statement.excluded.changed_at,
                "listed_ever": or_(table.c.listed_ever, statement.excluded.listed_ever),
            },
        )
    )


def restamp(session: Session) -> None:
    """Just before the commit: this transaction's stamps move to now, the moment its changes become visible."""
    session.flush()  # what is still pending is stamped (now) by this flush, not by the commit's own after us
    pairs = session.info.pop(_STAMPED, None)
    if not pairs:
        return
    table = FeedChange.__table__
    session.connection().execute(
        table.update()
        .where(tuple_(table.c.provider_id, table.c.service_type_id).in_(sorted(pairs)))
        .values(changed_at=models.utcnow())
    )


def forget(session: Session, *args) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(_STAMPED, None)
