"""When each service the feed could publish last changed, so harvesters can sync.

One row per (provider, service type) pair that has ever existed. No foreign
keys: the row outlives a service the provider removes from its profile, so
the feed can still report it as deleted. ``changed_at`` is bumped in the same
transaction as any write that changes what the feed publishes about the pair
(registry/openreferral/tracking.py); ``listed_ever`` says whether the pair was
ever listed after a write, so only services that could have been published
are ever reported as deletions (a provider still waiting for its checks is
never mentioned).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.models import UtcDateTime, utcnow


class FeedChange(db.Model):
    __tablename__ = "feed_changes"

    provider_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    listed_ever: Mapped[bool] = mapped_column(Boolean, default=False)


class FeedVersion(db.Model):
    """One row: a counter of writes to what the feed reads, kept by the database itself.

    Triggers (migration 0032) bump it on every insert, update or delete of providers, their services and
    languages, checks, ``feed_changes``, service types and their requirements, bulk UPDATEs included (the
    session hooks never see those).

    The fingerprint of a conditional GET (``services.feed_version``) reads it by its key instead of counting
    every provider and check on each request. On PostgreSQL the bump is a deferred trigger, once per
    transaction at its commit, so writers hold the row's lock only while they commit; on SQLite, once a row.
    """

    __tablename__ = "feed_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)
