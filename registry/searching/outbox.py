"""Record that a provider's search document is stale."""

from __future__ import annotations

from registry.extensions import db
from registry.searching.models import SearchOutboxEntry


def enqueue_reindex(provider_id: int) -> None:
    """Add an outbox row in the current transaction; it is applied after commit."""
    db.session.add(SearchOutboxEntry(provider_id=provider_id))
