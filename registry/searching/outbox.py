"""Record that a provider's search document is stale."""

from __future__ import annotations

from flask import current_app

from registry.aftercommit import after_commit
from registry.extensions import db
from registry.searching.models import SearchOutboxEntry


def enqueue_reindex(provider_id: int) -> None:
    """Add an outbox row in the current transaction; the index catches up after commit."""
    from registry.searching.services import sync_after_commit

    db.session.add(SearchOutboxEntry(provider_id=provider_id))
    app = current_app._get_current_object()
    after_commit(db.session, lambda: sync_after_commit(app), key="search-sync")
