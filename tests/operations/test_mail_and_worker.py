"""Email through an outbox table, the worker that delivers it and runs the scheduled jobs, and /readyz."""

from __future__ import annotations

import logging
import smtplib
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from registry.extensions import db
from registry.jobs import JOBS, JobRun, _registry_lock, run_job
from registry.mail import OutgoingEmail, deliver_pending, outbox_messages, send_email
from registry.models import utcnow
from registry.searching.models import SearchOutboxEntry
from registry.searching.services import search_index
from tests.audit.test_audit import tampering
from tests.conftest import approve_checks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp_port() -> int:
    """A port free now, chosen for this test (not at import, when another test or process may take it later)."""
    return _free_port()


@pytest.fixture
def app_config(request, smtp_port):
    """``@pytest.mark.parametrize("app_config", ["smtp"], indirect=True)``: the app sends through this test's port."""
    if getattr(request, "param", None) == "smtp":
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 2}
    return {}


@pytest.fixture
def smtp_server(smtp_port):
    """A real SMTP server on this test's port, started when the test asks for it."""
    servers = []

    def start() -> Inbox:
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        servers.append(controller)
        return inbox

    yield start
    for controller in servers:
        controller.stop()


def _emails(app) -> list[OutgoingEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


def test_an_email_for_a_rolled_back_change_is_never_sent(app):
    with app.test_request_context():
        send_email("someone@example.com", "safeguarding/reinstated", name="Someone")
        db.session.rollback()
    assert _emails(app) == [] and outbox_messages(app) == []


def test_a_local_email_has_a_message_id_and_text_and_html_parts_and_its_body_is_not_logged(
    app, client, make_user, caplog
):
    email = make_user("recipient")
    with caplog.at_level(logging.DEBUG):
        response = client.post("/account/forgot-password", data={"email": email})
        assert response.status_code == 302
        response.close()  # the reset email is queued once the answer has gone
    message = outbox_messages(app)[-1]
    assert message["Message-ID"].startswith("<") and message["To"] == email
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = next(word for word in text.split() if "/account/reset/" in word)
    assert link.startswith("http://registry.test/")
    assert f'<a href="{link}"' in html
    assert "/account/reset/" not in caplog.text  # the link is a credential: never in the log
    [stored] = _emails(app)
    assert stored.sent_at is not None and stored.attempts == 1


@pytest.mark.parametrize("app_config", ["smtp"], indirect=True)
def test_a_dead_mail_server_loses_nothing_and_slows_no_request(app, client, make_user, smtp_server, monkeypatch):
    import registry.mail

    connections = []

    class CountedSMTP(smtplib.SMTP):
        def __init__(self, *args, **kwargs):
            connections.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(registry.mail.smtplib, "SMTP", CountedSMTP)
    email = make_user("recipient")
    response = client.post("/account/forgot-password", data={"email": email})
    assert response.status_code == 302
    response.close()  # the reset email is queued once the answer has gone
    assert connections == []  # the request never tried the mail server, so nothing could wait on it
    [queued] = _emails(app)
    assert queued.sent_at is None and queued.attempts == 0

    # The worker tries while the server is down: the email waits with a later retry.
    assert deliver_pending(app) == (0, 1)
    assert len(connections) == 1  # the worker did (the positive control for the count above)
    [waiting] = _emails(app)
    assert waiting.sent_at is None and waiting.attempts == 1 and "ConnectionRefused" in waiting.last_error
    assert deliver_pending(app) == (0, 0)  # not due again yet

    inbox = smtp_server()
    assert deliver_pending(app, now=utcnow() + timedelta(minutes=5)) == (1, 0)
    [sent] = _emails(app)
    assert sent.sent_at is not None and sent.last_error is None
    assert len(inbox.messages) == 1 and f"To: {email}" in inbox.messages[0] and sent.message_id in inbox.messages[0]
    assert deliver_pending(app, now=utcnow() + timedelta(hours=1)) == (0, 0)  # never sent twice


@pytest.mark.parametrize("app_config", ["smtp"], indirect=True)
def test_an_email_is_given_up_after_its_last_attempt_and_shown_as_failed(app, make_user):
    with app.test_request_context():
        send_email("someone@example.com", "safeguarding/reinstated", name="Someone")
        db.session.commit()
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    later = utcnow()
    for _ in range(2):
        later += timedelta(days=1)
        deliver_pending(app, now=later)
    [email] = _emails(app)
    assert email.failed_at is not None and email.sent_at is None and email.attempts == 2


def test_readyz_is_truthful_about_the_worker_and_the_index(app, client, runner, make_provider):
    approve_checks(app, make_provider())
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.get_json()["worker"] == "not seen recently"
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "expiry: 0 checks lapsed" in result.output
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["status"] == "ready"
    with app.app_context():
        assert {run.name for run in db.session.scalars(select(JobRun))} == {job.name for job in JOBS}
        # A change that has waited too long without reaching this node's index.
        mark = search_index().applied_mark()
        db.session.add(SearchOutboxEntry(id=mark + 1000, provider_id=1, created_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    behind = client.get("/readyz")
    assert behind.status_code == 503 and behind.get_json()["search_index"] == "behind"


def test_a_job_another_worker_is_running_is_skipped(app):
    expiry = next(job for job in JOBS if job.name == "expiry")
    with app.app_context(), _registry_lock(app, "expiry") as held:
        assert held
        assert run_job(app, expiry) is None
    assert run_job(app, expiry) is not None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_a_database_that_is_down_gets_a_503_page_that_needs_no_database(tmp_path):
    from tests.conftest import make_app

    down = make_app(
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    client = down.test_client()
    page = client.get("/")
    assert page.status_code == 503 and b"briefly unavailable" in page.data
    api = client.get("/api/v1/search", query_string={"postcode": "LS6"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"] == "unreachable"
    assert client.get("/healthz").status_code == 503


def test_officers_see_when_each_job_last_ran(app, client, runner, make_user, auth):
    auth.sign_in(make_user("officer"))
    page = client.get("/staff").get_data(as_text=True)
    assert "Check expiry and reminders" in page and "never" in page and "is the worker running?" in page
    runner.invoke(args=["worker", "--once"])
    page = client.get("/staff").get_data(as_text=True)
    assert "is the worker running?" not in page and "0 checks lapsed, 0 reminders" in page


def test_the_worker_verifies_the_audit_log_and_officers_see_a_break(app, client, runner, make_user, auth):
    from registry import audit
    from registry.audit.models import AuditEvent

    officer = make_user("officer")
    with app.app_context():
        for n in range(3):
            audit.record("test.event", SearchOutboxEntry(id=n), actor_id=None, details={"n": n})
        db.session.commit()
    assert "audit-verify: ok, 3 events" in runner.invoke(args=["worker", "--once"]).output
    with app.app_context():
        first = db.session.scalar(select(func.min(AuditEvent.id)))
        db.session.rollback()
        with tampering() as conn:  # someone with database access lifts the triggers and rewrites an event
            conn.execute(AuditEvent.__table__.update().where(AuditEvent.id == first).values(details='{"n": 99}'))
    output = runner.invoke(args=["worker", "--once"]).output
    assert "audit-verify: failed: audit log broken at event" in output
    auth.sign_in(officer)
    page = client.get("/staff").get_data(as_text=True)
    assert "Audit log verification" in page and "Last attempt failed" in page and "audit log broken" in page
