"""Every node's index follows the outbox: written by the session, applied after commit, shared by nodes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.checks.models import Check
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers import services as providers
from registry.searching.documents import provider_documents
from registry.searching.models import SearchOutboxEntry
from registry.searching.services import search_index
from tests.conftest import CHECK_DETAILS, approve_checks, make_app
from tests.searching.conftest import suspend


def outbox_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SearchOutboxEntry))


def api_slugs(client, **params) -> list[str]:
    return [r["slug"] for r in client.get("/api/v1/search", query_string=params).get_json()["results"]]


def test_a_change_search_does_not_show_writes_no_outbox_row(app, listed_provider):
    slug = listed_provider()
    before = outbox_rows(app)
    with app.app_context():
        provider = providers.get_by_slug(slug)
        provider.submitted_at = utcnow()  # search never reads it
        db.session.commit()
    assert outbox_rows(app) == before


def test_a_rolled_back_change_leaves_no_outbox_row(app, listed_provider):
    slug = listed_provider()
    before = outbox_rows(app)
    with app.app_context():
        provider = providers.get_by_slug(slug)
        provider.display_name = "Never saved"
        db.session.flush()
        db.session.rollback()
    assert outbox_rows(app) == before


def test_a_badge_only_change_reaches_the_index(app, client, listed_provider):
    """First aid is required by no service, so approving it changes no listing; the badge filter must still see it."""
    slug = listed_provider(base_postcode="LS6 2AA")
    with app.app_context():
        provider = providers.get_by_slug(slug)
        for check in [c for c in provider.checks if c.kind == "first_aid"]:
            db.session.delete(check)
        db.session.commit()
    assert api_slugs(client, postcode="LS6", badge="first-aid") == []
    with app.app_context():
        provider = providers.get_by_slug(slug)
        provider.checks.append(
            Check(
                kind="first_aid",
                status="approved",
                details=dict(CHECK_DETAILS["first_aid"]),
                decided_at=utcnow(),
                verification_method="in_person",
                valid_until=today() + timedelta(days=90),
            )
        )
        db.session.commit()
    assert api_slugs(client, postcode="LS6", badge="first-aid") == [slug]


def test_the_index_holds_the_day_each_listing_and_badge_ends(app, make_provider):
    slug = make_provider(services=["personal-care", "companionship"])
    approve_checks(app, slug, days_valid=200)
    with app.app_context():
        provider = providers.get_by_slug(slug)
        dbs = next(c for c in provider.checks if c.kind == "dbs")
        dbs.valid_until = today() + timedelta(days=20)
        db.session.commit()
        doc = dict(provider_documents(db.session, [provider.id]))[provider.id]
    ends = dict(zip(doc.listed_services, doc.listed_until))
    # Personal care needs the DBS check; companionship here needs only what lasts 200 days.
    assert ends["personal-care"] == today() + timedelta(days=20)
    assert ends["companionship"] in (today() + timedelta(days=20), today() + timedelta(days=200))
    assert dict(zip(doc.badges, doc.badges_until))["enhanced-dbs"] == today() + timedelta(days=20)


@pytest.fixture
def second_node(database_url, tmp_path):
    """Another web node: the same database, its own index folder."""
    node = make_app(database_url, tmp_path / "node-b", SEARCH_CATCHUP_SECONDS=0)
    yield node
    with node.app_context():
        search_index().close()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("app_config", [{"SEARCH_CATCHUP_SECONDS": 0}])
def test_two_nodes_converge_without_any_command(app, client, second_node, listed_provider, make_provider, runner):
    node_b = second_node.test_client()
    listed = listed_provider(base_postcode="LS6 2AA")
    waiting = make_provider(base_postcode="LS6 2AA")
    second_node.test_cli_runner().invoke(args=["search", "rebuild"])
    assert api_slugs(node_b, postcode="LS6") == [listed]

    # Node A: an officer suspends one provider and the other's checks are approved.
    suspend(app, listed)
    approve_checks(app, waiting)

    assert api_slugs(client, postcode="LS6") == [waiting]
    assert api_slugs(node_b, postcode="LS6") == [waiting]  # node B's next search caught up
    with app.app_context():
        newest = db.session.scalar(select(func.max(SearchOutboxEntry.id)))
        ids_a = search_index().ids()
    with second_node.app_context():
        assert search_index().ids() == ids_a
        assert search_index().applied_mark() == newest


def test_an_old_outbox_is_pruned_but_the_newest_row_stays(app, runner, listed_provider):
    listed_provider()
    listed_provider()
    with app.app_context():
        db.session.execute(SearchOutboxEntry.__table__.update().values(created_at=utcnow() - timedelta(days=30)))
        db.session.commit()
        newest = db.session.scalar(select(func.max(SearchOutboxEntry.id)))
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert list(db.session.scalars(select(SearchOutboxEntry.id))) == [newest]
    # Ids keep growing past every node's mark after a prune.
    slug = listed_provider()
    with app.app_context():
        assert db.session.scalar(select(func.min(SearchOutboxEntry.id).filter(SearchOutboxEntry.id != newest))) > newest
        assert search_index().applied_mark() > newest and providers.get_by_slug(slug).id in search_index().ids()


def test_the_mark_waits_at_a_fresh_gap_that_an_open_transaction_may_still_fill():
    from types import SimpleNamespace

    from registry.searching.services import _settled_mark

    now = utcnow()
    row = lambda id, age: SimpleNamespace(id=id, created_at=now - timedelta(seconds=age))  # noqa: E731
    assert _settled_mark(10, [row(11, 1), row(12, 1)], 60) == 12
    # Id 13 is missing and 14 is a second old: 13 may belong to a transaction not yet committed.
    assert _settled_mark(10, [row(11, 1), row(12, 1), row(14, 1)], 60) == 12
    # Once the row after the gap is older than the settle time, the gap was a rollback.
    assert _settled_mark(10, [row(11, 90), row(12, 90), row(14, 90), row(15, 1)], 60) == 15
