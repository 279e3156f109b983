"""The search outbox is written by the session, not by callers.

Before every flush, a listener looks at what the flush is about to write and
adds one ``search_outbox`` row per provider whose search document it
changes (the provider, its services and languages, its checks, its rating,
what either side said about one of its visits (visit reliability), or the
name of a service it offers), in the same transaction, and a
:data:`~registry.searching.taxonomy.TAXONOMY_CHANGED` row when a service
type or its requirements change. No feature
has to remember to ask for a reindex, and a rolled-back change leaves no
row. After the commit the app applies the rows (:mod:`registry.searching.services`).
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import inspect, select

from registry.aftercommit import after_commit
from registry.checks.models import Check, CqcLocation
from registry.models import utcnow
from registry.providers.models import Provider, ProviderLanguage, ProviderService, ServiceRequirement, ServiceType
from registry.reviews.models import Engagement, ProviderRating
from registry.searching.models import SearchOutboxEntry
from registry.searching.taxonomy import TAXONOMY_CHANGED
from registry.searching.taxonomy import forget as forget_taxonomy
from registry.visits.models import VisitRecord

_PENDING = "search_outbox_providers"
# Provider columns search never reads: changing only these writes no row.
_IGNORED_PROVIDER_COLUMNS = frozenset({"updated_at", "submitted_at", "user"})


_PROVIDER_PARTS = (ProviderService, ProviderLanguage, Check, ProviderRating, CqcLocation)
# CQC location columns search never reads: a night's sync that only notes its ask writes no row.
_IGNORED_CQC_COLUMNS = frozenset({"synced_at", "due_since", "last_attempt_at", "last_error", "provider"})
# Visit record columns reliability never reads (notes, times, who): erasing a note writes no row.
_IGNORED_VISIT_COLUMNS = frozenset(
    {
        "provider_note",
        "recipient_note",
        "arrived",
        "departed",
        "provider_by",
        "recipient_by",
        "provider_by_id",
        "recipient_by_id",
        "provider_at",
        "recipient_at",
        "planned_end",
    }
)


def _changed(obj, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether a column or collection of ``obj`` differs from what is stored."""
    state = inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in state.mapper.attrs.keys() if key not in ignore)


def _affected(session) -> list:
    """What this flush changes that search shows, resolved to provider ids after it."""
    found = []
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, (Provider, *_PROVIDER_PARTS, ServiceType, ServiceRequirement, VisitRecord)):
            found.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Provider) and _changed(obj, _IGNORED_PROVIDER_COLUMNS):
            found.append(obj)
        elif isinstance(obj, CqcLocation):
            if _changed(obj, _IGNORED_CQC_COLUMNS):
                found.append(obj)
        elif isinstance(obj, _PROVIDER_PARTS) and _changed(obj):
            found.append(obj)
        elif isinstance(obj, ServiceType) and _changed(obj, frozenset({"requirements"})):
            found.append(obj)
        elif isinstance(obj, ServiceRequirement) and _changed(obj):
            found.append(obj)
        elif isinstance(obj, VisitRecord) and _changed(obj, _IGNORED_VISIT_COLUMNS):
            found.append(obj)
    return found


def collect(session, _flush_context, _instances) -> None:
    session.info.setdefault(_PENDING, []).extend(_affected(session))


def write_rows(session, _flush_context) -> None:
    affected = session.info.pop(_PENDING, None)
    if not affected:
        return
    ids: set[int] = set()
    engagements = {obj.engagement_id for obj in affected if isinstance(obj, VisitRecord)}
    if engagements:  # a visit's provider is its engagement's
        ids.update(
            session.execute(select(Engagement.provider_id).where(Engagement.id.in_(sorted(engagements)))).scalars()
        )
    for obj in affected:
        if isinstance(obj, VisitRecord):
            continue
        if isinstance(obj, (ServiceType, ServiceRequirement)):
            # Every process's cached taxonomy (registry/searching/taxonomy.py) must reload.
            ids.add(TAXONOMY_CHANGED)
        if isinstance(obj, ServiceRequirement):
            continue  # the listings it changes are recomputed, which writes their own rows
        if isinstance(obj, ServiceType):  # a renamed service shows on every provider offering it
            if obj.id is not None:
                ids.update(
                    session.execute(
                        select(ProviderService.provider_id).where(ProviderService.service_type_id == obj.id)
                    ).scalars()
                )
        else:
            provider_id = obj.id if isinstance(obj, Provider) else obj.provider_id
            if provider_id is not None:
                ids.add(provider_id)
    if not ids:
        return
    session.execute(
        SearchOutboxEntry.__table__.insert(), [{"provider_id": i, "created_at": utcnow()} for i in sorted(ids)]
    )
    if has_app_context():
        from registry.searching.services import sync_after_commit

        app = current_app._get_current_object()
        if TAXONOMY_CHANGED in ids:
            after_commit(session, lambda: forget_taxonomy(app), key="search-taxonomy")
        after_commit(session, lambda: sync_after_commit(app), key="search-sync")


def forget(session) -> None:
    session.info.pop(_PENDING, None)
