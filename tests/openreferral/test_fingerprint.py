"""The conditional-GET fingerprint changes with every write to what the feed reads, bulk UPDATEs included, and
costs one statement of lookups whatever the size of the registry (issue 25)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.extensions import db
from tests.factories import ProviderFactory


@pytest.fixture
def etag(app, client):
    with app.app_context():
        ProviderFactory(listed=True, display_name="Ceri Morgan")
        db.session.commit()
    first = client.get("/openreferral/services")
    assert first.status_code == 200
    return first.headers["ETag"]


def _again(client, etag):
    return client.get("/openreferral/services", headers={"If-None-Match": etag})


def test_nothing_changed_is_a_304_from_one_statement(client, count_queries, etag):
    with count_queries() as statements:
        assert _again(client, etag).status_code == 304
    assert len(statements) == 1
    assert "count(" not in statements[0].lower()  # lookups, never a count of every row


@pytest.mark.parametrize(
    "statement",
    [
        # What the old counts missed: a check's details rewritten in bulk, with no change of time or number.
        "UPDATE checks SET details = details WHERE kind = 'dbs'",
        "UPDATE provider_services SET listed = listed",
        "DELETE FROM provider_languages",
        "UPDATE service_requirements SET requirement = requirement WHERE id = 1",
    ],
)
def test_a_bulk_write_no_session_hook_sees_changes_the_etag(app, client, etag, statement):
    with app.app_context():
        db.session.execute(sa.text(statement))
        db.session.commit()
    changed = _again(client, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
