import sqlalchemy as sa

from registry.extensions import db
from registry.safeguarding import audit


SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)


def _record_three(app):
    from registry.accounts.models import User

    with app.app_context():
        user = User(email="o@example.com", password_hash="x", name="O", role="officer")
        db.session.add(user)
        db.session.flush()
        for n in range(3):
            audit.record("check.approved", user, actor_id=user.id, provider_id=7, details={"n": n, "note": "ок"})
        db.session.commit()
        return [e.id for e in audit.events_for()]


def test_verify_reports_ok_with_the_event_count(app, runner):
    _record_three(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "ok 3 events"


def test_verify_names_the_event_altered_in_the_database(app, runner):
    ids = sorted(_record_three(app))
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            else:
                conn.execute(sa.text("DROP TRIGGER audit_events_append_only"))
            conn.execute(sa.text("UPDATE audit_events SET details = :d WHERE id = :id"), {"d": '{"n":99}', "id": ids[1]})
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
            else:
                conn.execute(sa.text(SQLITE_TRIGGER))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"broken at event {ids[1]}" in result.output


def test_the_database_refuses_to_update_an_event(app):
    ids = _record_three(app)
    with app.app_context():
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE audit_events SET action = 'nothing' WHERE id = :id"), {"id": ids[0]})
        except sa.exc.DBAPIError as error:
            assert "append-only" in str(error)
        else:
            raise AssertionError("the update should have been refused")
        assert db.session.get(audit.AuditEvent, ids[0]).action == "check.approved"


def test_an_empty_log_verifies(runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "ok 0 events" in result.output
