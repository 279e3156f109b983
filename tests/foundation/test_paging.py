"""Long lists are paged, and officers can filter and export the audit log."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from registry.extensions import db
from tests.foundation import test_query_counts
from tests.foundation.test_query_counts import add_audit_events, add_pending_checks, signed_in

world = test_query_counts.world  # the fixture, shared


def test_the_audit_log_reaches_its_oldest_event(app, world):
    add_audit_events(app, world, 120)
    client = signed_in(app, world["officer"])
    first = client.get("/officer/audit").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Next" in first
    last = client.get("/officer/audit?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and "Previous" in last


def test_the_audit_log_filters_by_actor_action_provider_and_dates(app, world):
    add_audit_events(app, world, 3)
    client = signed_in(app, world["officer"])
    assert "3 events" in client.get(f"/officer/audit?actor={world['officer']}&action=document").get_data(as_text=True)
    assert "0 events" in client.get("/officer/audit?actor=system&action=document.viewed").get_data(as_text=True)
    assert "3 events" in client.get(
        f"/officer/audit?provider={world['slug']}&action=document.viewed&since=2000-01-01"
    ).get_data(as_text=True)
    assert "0 events" in client.get("/officer/audit?action=document.viewed&until=2000-01-01").get_data(as_text=True)
    bad = client.get("/officer/audit?since=yesterday")
    assert bad.status_code == 400 and "Enter a date like" in bad.get_data(as_text=True)


def test_the_csv_export_holds_every_matching_event_and_is_itself_recorded(app, world):
    from registry.audit.models import AuditEvent

    add_audit_events(app, world, 60)
    client = signed_in(app, world["officer"])
    response = client.get("/officer/audit.csv?action=document.viewed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "created_at", "actor_email", "action"]
    assert len(rows) == 61 and {r[2] for r in rows[1:]} == {world["officer"]}
    with app.app_context():
        exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.exported")).all()
    assert len(exported) == 1 and '"rows":60' in exported[0].details.replace(" ", "")
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_recipients_cannot_export_the_audit_log(app, world):
    client = signed_in(app, world["recipient"])
    assert client.get("/officer/audit.csv").status_code in (403, 404)


def test_the_officer_queue_is_paged(app, world, make_provider):
    add_pending_checks(app, 30, make_provider)
    client = signed_in(app, world["officer"])
    first = client.get("/officer/queue").get_data(as_text=True)
    assert "30 waiting" in first and "Page 1 of 2" in first
    assert first.count(">Review</a>") == 25
    assert client.get("/officer/queue?page=2").get_data(as_text=True).count(">Review</a>") == 5
    assert client.get("/officer/queue?page=nonsense").status_code == 200
