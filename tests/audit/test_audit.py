"""The audit log cannot be rewritten quietly.

The database refuses updates, deletes and (PostgreSQL) truncation; hashes are
keyed with AUDIT_HMAC_KEY, which the database does not hold; and `flask audit
verify` compares the log with the checkpoint it wrote last time, so events
cut off the end are noticed. Tampering below lifts the triggers first, as
someone with full control of the database could.
"""

import hashlib
import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from registry import audit
from registry.extensions import db
from tests.conftest import AUDIT_TRIGGERS


@contextmanager
def tampering():
    """A raw connection with the append-only triggers lifted, restored on the way out."""
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            for name in AUDIT_TRIGGERS.SQLITE_TRIGGERS:
                conn.execute(sa.text(f"DROP TRIGGER {name}"))
        yield conn
        if postgres:
            conn.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            for sql in AUDIT_TRIGGERS.SQLITE_TRIGGERS.values():
                conn.execute(sa.text(sql))


def _record(app, n=3):
    from registry.accounts.models import User

    with app.app_context():
        user = User(email="o@example.com", password_hash="x", name="O", role="officer")
        db.session.add(user)
        db.session.flush()
        for i in range(n):
            audit.record("check.approved", user, actor_id=user.id, provider_id=7, details={"n": i, "note": "ок"})
        db.session.commit()
        return sorted(e.id for e in audit.events_for())


def _rewrite_from(app, first_id, details=None, scheme=None):
    """Rewrite events from ``first_id`` on with plain SHA-256, re-chaining every later event.

    What the old, unkeyed log allowed anyone with database access to do without a trace.
    """
    with app.app_context():
        events = list(
            db.session.scalars(
                sa.select(audit.AuditEvent).where(audit.AuditEvent.id >= first_id).order_by(audit.AuditEvent.id)
            )
        )
        prev = (
            db.session.scalar(
                sa.select(audit.AuditEvent.hash)
                .where(audit.AuditEvent.id < first_id)
                .order_by(audit.AuditEvent.id.desc())
                .limit(1)
            )
            or audit.GENESIS_HASH
        )
        rows = []
        for event in events:
            db.session.expunge(event)
            if event.id == first_id and details is not None:
                event.details = details
            event.prev_hash = prev
            event.hash_scheme = scheme or event.hash_scheme
            prev = hashlib.sha256(audit._payload(event).encode("utf-8")).hexdigest()
            rows.append({"id": event.id, "d": event.details, "p": event.prev_hash, "h": prev, "s": event.hash_scheme})
        with tampering() as conn:
            # prev_hash and hash are unique: park them first so the rewrite can pass through.
            conn.execute(
                sa.text("UPDATE audit_events SET prev_hash = 'x' || id, hash = 'y' || id WHERE id >= :id"),
                {"id": first_id},
            )
            for row in rows:
                conn.execute(
                    sa.text(
                        "UPDATE audit_events SET details = :d, prev_hash = :p, hash = :h, hash_scheme = :s WHERE id = :id"
                    ),
                    row,
                )


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_verify_reports_ok_with_the_event_count_and_writes_a_checkpoint(app, runner):
    ids = _record(app)
    result = _verify(runner)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "ok 3 events"
    with open(app.config["AUDIT_CHECKPOINT_FILE"]) as handle:
        checkpoint = json.load(handle)
    with app.app_context():
        head = db.session.get(audit.AuditEvent, ids[-1])
        assert checkpoint["count"] == 3 and checkpoint["head_id"] == head.id and checkpoint["head_hash"] == head.hash
        assert head.hash_scheme == audit.KEYED


def test_new_events_are_keyed_so_the_same_event_under_another_key_has_another_hash(app):
    ids = _record(app, 1)
    with app.app_context():
        event = db.session.get(audit.AuditEvent, ids[0])
        assert event.hash == audit.event_hash(event)
        assert event.hash != audit.event_hash(event, key="another key entirely, 32 chars long")
        assert event.hash != hashlib.sha256(audit._payload(event).encode("utf-8")).hexdigest()


def test_verify_names_the_event_altered_in_the_database(app, runner):
    ids = _record(app)
    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("UPDATE audit_events SET details = :d WHERE id = :id"), {"d": '{"n":99}', "id": ids[1]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"broken at event {ids[1]}: its contents do not match its hash" in result.output


def test_a_rewritten_event_with_recomputed_unkeyed_hashes_is_detected(app, runner):
    ids = _record(app)
    _rewrite_from(app, ids[1], details='{"n":1,"note":"nothing to see"}')
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"broken at event {ids[1]}: its contents do not match its hash" in result.output


def test_relabelling_rewritten_events_as_unkeyed_is_detected(app, runner):
    ids = _record(app)
    _rewrite_from(app, ids[1], details='{"n":1,"note":"nothing to see"}', scheme=audit.UNKEYED)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"broken at event {ids[1]}: it is unkeyed but comes after keyed event {ids[0]}" in result.output


def test_downgrading_the_whole_chain_is_caught_by_the_checkpoint(app, runner):
    ids = _record(app)
    assert _verify(runner).exit_code == 0
    _rewrite_from(app, ids[0], details='{"n":0}', scheme=audit.UNKEYED)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"broken at event {ids[-1]}: it has changed since the last verify" in result.output


def test_deleting_the_newest_events_is_caught_by_the_checkpoint(app, runner):
    ids = _record(app, 4)
    assert _verify(runner).exit_code == 0
    with open(app.config["AUDIT_CHECKPOINT_FILE"]) as handle:
        before = handle.read()
    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"), {"id": ids[2]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert (
        f"broken at event {ids[-1]}: it is missing: the last verify ended the log there with 4 events, so events were deleted from the end"
        in result.output
    )
    # The evidence stays: a second run reports the same break.
    with open(app.config["AUDIT_CHECKPOINT_FILE"]) as handle:
        assert handle.read() == before
    assert _verify(runner).exit_code == 1


def test_verify_after_new_events_moves_the_checkpoint_on(app, runner):
    _record(app, 2)
    assert _verify(runner).exit_code == 0
    with app.app_context():
        user = db.session.scalar(sa.select(audit.AuditEvent)).actor
        audit.record("check.rejected", user, actor_id=user.id)
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 0 and result.output.startswith("ok 3 events")


def test_an_unreadable_checkpoint_is_reported_not_overwritten(app, runner):
    _record(app)
    with open(app.config["AUDIT_CHECKPOINT_FILE"], "w") as handle:
        handle.write("{not json")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "broken: the checkpoint" in result.output and "cannot be read" in result.output


@pytest.mark.parametrize("app_config", [{"AUDIT_HMAC_KEY": "a different key of at least 32 chars"}])
def test_verify_with_the_wrong_key_reports_the_first_event(app, runner, make_app_with_default_key):
    ids = make_app_with_default_key()
    result = _verify(runner)
    assert result.exit_code == 1
    assert (
        f"broken at event {ids[0]}: its contents do not match its hash (or AUDIT_HMAC_KEY is not the key it was written with)"
        in result.output
    )


@pytest.fixture
def make_app_with_default_key(database_url, tmp_path):
    """Events written by an app with the default testing key."""
    from tests.conftest import make_app

    def _make():
        other = make_app(database_url, tmp_path / "other")
        ids = _record(other)
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        return ids

    return _make


def test_events_from_before_the_log_was_keyed_still_verify(app, runner):
    ids = _record(app)
    # As migration 0008 left them: plain SHA-256, labelled so by the column's default.
    _rewrite_from(app, ids[0], scheme=audit.UNKEYED)
    with app.app_context():
        user = db.session.scalar(sa.select(audit.AuditEvent)).actor
        audit.record("check.rejected", user, actor_id=user.id)
        db.session.commit()
        assert [e.hash_scheme for e in reversed(audit.events_for())] == [audit.UNKEYED] * 3 + [audit.KEYED]
    result = _verify(runner)
    assert result.exit_code == 0 and result.output.startswith("ok 4 events")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET action = 'nothing' WHERE id = :id", "DELETE FROM audit_events WHERE id = :id"],
)
def test_the_database_refuses_to_change_or_delete_an_event(app, statement):
    ids = _record(app)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement), {"id": ids[-1]})
        assert db.session.get(audit.AuditEvent, ids[-1]).action == "check.approved"


def test_postgresql_refuses_to_truncate_the_log(app):
    ids = _record(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TRUNCATE is PostgreSQL's")
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE audit_events"))
        assert db.session.get(audit.AuditEvent, ids[0]) is not None


def test_an_empty_log_verifies(runner):
    result = _verify(runner)
    assert result.exit_code == 0 and "ok 0 events" in result.output
