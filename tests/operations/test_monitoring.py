"""What operators see: /metrics for Prometheus (behind a token), request ids, JSON log lines, the alert rules."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from config.settings import ConfigurationError
from registry.extensions import db
from registry.jobs import JOBS, run_job
from registry.mail import send_email
from registry.models import utcnow
from registry.monitoring import worker_metrics
from registry.monitoring.logs import make_handler
from registry.searching.models import SearchOutboxEntry
from registry.searching.services import search_index
from tests.conftest import approve_checks
from tests.operations.test_gunicorn import _free_port

TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
ALERTS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"


@pytest.fixture
def app_config():
    # A mail server that is never reached in these tests: a queued email stays queued.
    return {"METRICS_TOKEN": TOKEN, "MAIL_SERVER": "smtp.invalid"}


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics, keyed by (sample name, sorted labels)."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# -- the endpoint is for Prometheus only


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("", 401),
        ("Bearer", 401),
        ("Bearer ", 401),
        (f"Basic {TOKEN}", 401),
        ("Bearer wrong-token", 403),
        (f"Bearer {TOKEN}x", 403),
        (f"Bearer {TOKEN[:-1]}", 403),
        ("Bearer \u00fc\u00fc", 403),
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),  # the scheme is case-insensitive (RFC 9110)
    ],
)
def test_metrics_answer_only_the_bearer_of_the_token(client, authorization, status):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == status
    assert (b"registry_http_request_duration_seconds" in response.data) is (status == 200)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer ") is (status == 401)


@pytest.mark.parametrize("app_config", [{}, {"METRICS_TOKEN": ""}])
def test_without_a_token_set_metrics_are_not_there_at_all(client, app_config):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404
    assert b"Page not found" in response.data  # the same page as any unknown address
    assert client.get("/healthz").status_code == 200  # positive control: the app is up


def test_metrics_refuse_other_methods(client):
    response = client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


# -- the figures


def test_requests_are_counted_under_their_endpoint_and_status_class(app, client, make_provider):
    slug = make_provider(name="Counted Carer")
    approve_checks(app, slug)
    before = scrape(client)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert client.get(f"/providers/{slug}").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)

    def counted(endpoint, status):
        name = "registry_http_request_duration_seconds_count"
        return value(after, name, endpoint=endpoint, status=status) - value(
            before, name, endpoint=endpoint, status=status
        )

    assert counted("main.index", "2xx") == 3
    assert counted("providers.public_profile", "2xx") == 1
    assert counted("unmatched", "4xx") == 1  # an unknown path is one label, not one per address
    assert counted("main.index", "4xx") == 0
    # No raw path ever becomes a label.
    assert not any(slug in str(labels) for (_name, labels) in after)


def test_the_mail_queue_depth_and_oldest_email_follow_the_queue(app, client):
    before = scrape(client)
    assert value(before, "registry_mail_queue_depth") == 0
    assert value(before, "registry_mail_queue_oldest_age_seconds") == 0
    with app.app_context():
        send_email("someone@example.com", "safeguarding/reinstated", name="Someone")
        db.session.commit()
    after = scrape(client)
    assert value(after, "registry_mail_queue_depth") == 1
    assert value(after, "registry_mail_queue_oldest_age_seconds") >= 0
    assert value(after, "registry_mail_failed") == 0


def test_the_index_lag_shows_outbox_rows_this_node_has_not_applied(app, client):
    caught_up = scrape(client)
    assert value(caught_up, "registry_search_index_lag_rows") == 0
    assert value(caught_up, "registry_search_index_lag_seconds") == 0
    with app.app_context():
        mark = search_index().applied_mark()
        # Written as another node's commit would be: straight to the table, so nothing here catches up.
        with db.engine.begin() as conn:
            conn.execute(
                SearchOutboxEntry.__table__.insert(),
                [{"id": mark + 1, "provider_id": 424242, "created_at": utcnow().replace(year=utcnow().year - 1)}],
            )
    behind = scrape(client)
    assert value(behind, "registry_search_index_lag_rows") == 1
    assert value(behind, "registry_search_index_lag_seconds") > 300 * 24 * 3600


def test_a_failed_job_shows_as_failing_and_counted_until_it_succeeds(app, client):
    mail = next(job for job in JOBS if job.name == "mail")

    def broken(_app):
        raise RuntimeError("the mail server is on fire")

    before = scrape(client)
    assert value(before, "registry_job_last_success_age_seconds", job_name="mail") == float("inf")  # never ran
    assert run_job(app, dataclasses.replace(mail, run=broken)).startswith("failed")
    failed = scrape(client)
    assert value(failed, "registry_job_failing", job_name="mail") == 1
    assert value(failed, "registry_job_failing", job_name="expiry") == 0
    runs = "registry_job_runs_total"
    assert (
        value(failed, runs, job_name="mail", outcome="failed") - value(before, runs, job_name="mail", outcome="failed")
        == 1
    )
    assert run_job(app, mail) is not None  # the real job, which succeeds
    recovered = scrape(client)
    assert value(recovered, "registry_job_failing", job_name="mail") == 0
    assert 0 <= value(recovered, "registry_job_last_success_age_seconds", job_name="mail") < 60
    assert (
        value(recovered, runs, job_name="mail", outcome="ok") - value(failed, runs, job_name="mail", outcome="ok") == 1
    )
    assert value(recovered, "registry_job_period_seconds", job_name="mail") == mail.period_seconds


# -- request ids and log lines


@pytest.fixture
def json_log():
    """The app's JSON log handler, writing to a buffer; returns a callable giving the lines as dicts."""
    stream = io.StringIO()
    handler = make_handler(stream, "json")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_logs_one_json_line_with_its_id(client, json_log):
    response = client.get("/healthz")
    assert response.status_code == 200
    rid = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    lines = [line for line in json_log() if line["logger"] == "registry.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert (line["request_id"], line["method"], line["endpoint"], line["status"]) == (rid, "GET", "main.healthz", 200)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"
    other = client.get("/healthz").headers["X-Request-ID"]
    assert other != rid  # each request its own


def test_the_500_page_shows_the_reference_in_the_header_and_the_crash_log_line(app, client, json_log):
    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    response = client.get("/explode")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    assert f'<code class="request-id">{rid}</code>' in response.get_data(as_text=True)
    crash = [line for line in json_log() if line["logger"] == "registry.errors"]
    assert len(crash) == 1
    assert crash[0]["request_id"] == rid and crash[0]["level"] == "ERROR"
    assert "RuntimeError: boom" in crash[0]["exception"]
    request_line = next(line for line in json_log() if line["logger"] == "registry.requests")
    assert (request_line["request_id"], request_line["endpoint"], request_line["status"]) == (rid, "explode", 500)
    # A JSON client gets the same reference in the error.
    api = client.get("/explode", headers={"Accept": "application/json"})
    assert api.status_code == 500
    assert api.get_json()["error"]["reference"] == api.headers["X-Request-ID"]
    # Positive control: a page that works shows no reference.
    assert b"quote this reference" not in client.get("/").data


@pytest.mark.parametrize("app_config", [{"TRUST_REQUEST_ID_HEADER": True}])
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("7f1c2a9e-5b4d-4c3a-9e8f-0a1b2c3d4e5f", True),
        ("Root=1-67891233-abcdef012345678912345678", True),
        ("short", False),
        ("has spaces in it", False),
        ("x" * 129, False),
        ("id-with-<script>", False),
        ('abcdefgh"},"level":"FAKE', False),
        ("", False),
    ],
)
def test_a_trusted_proxy_request_id_is_kept_only_when_it_looks_like_one(client, json_log, app_config, given, kept):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    rid = response.headers["X-Request-ID"]
    assert (rid == given) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert [line["request_id"] for line in json_log() if line["logger"] == "registry.requests"] == [rid]


def test_an_untrusted_request_id_header_is_ignored(client):
    given = "7f1c2a9e-5b4d-4c3a-9e8f-0a1b2c3d4e5f"
    rid = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert rid != given and re.fullmatch(r"[0-9a-f]{32}", rid)


# -- deploy/prometheus/alerts.yml


def _exposed_names(client) -> set[str]:
    """Every series name /metrics can carry, also for labelled metrics no one has counted yet."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    names = set()
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
        names.update(family.name + suffix for suffix in suffixes)
        names.update(sample.name for sample in family.samples)
    return names


def test_every_metric_the_alert_rules_ask_for_is_exposed(client):
    rules = yaml.safe_load(ALERTS.read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 6
    exposed = _exposed_names(client)
    asked = set()
    for rule in alerts:
        assert rule["alert"] and rule["annotations"]["summary"] and rule["labels"]["severity"]
        asked.update(re.findall(r"\bregistry_[a-z_]+", rule["expr"]))
    assert asked - exposed == set()
    # What the brief asks operators to be told about, each by at least one rule.
    for name in (
        "registry_http_request_duration_seconds_bucket",
        "registry_http_request_duration_seconds_count",
        "registry_search_index_lag_seconds",
        "registry_job_last_success_age_seconds",
        "registry_mail_queue_oldest_age_seconds",
        "registry_dbs_status_checks_total",
    ):
        assert name in asked, name
    assert "registry_no_such_metric" not in exposed  # positive control: the name set is not everything


# -- the worker's own counts (flask worker --metrics-port)


def test_the_worker_serves_its_job_counts_to_the_bearer_of_the_token(app):
    mail = next(job for job in JOBS if job.name == "mail")

    def broken(_app):
        raise RuntimeError("the mail server is on fire")

    port = _free_port()
    server = worker_metrics.serve(app, port, host="127.0.0.1")
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 403
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert requests.get(f"http://127.0.0.1:{port}/other", headers=good, timeout=5).status_code == 404
        assert requests.post(url, headers=good, timeout=5).status_code == 405

        def failures() -> float:
            response = requests.get(url, headers=good, timeout=5)
            assert response.status_code == 200
            for family in text_string_to_metric_families(response.text):
                for sample in family.samples:
                    if sample.name == "registry_job_runs_total" and sample.labels == {
                        "job_name": "mail",
                        "outcome": "failed",
                    }:
                        return sample.value
            return 0.0

        before = failures()
        run_job(app, dataclasses.replace(mail, run=broken))
        assert failures() - before == 1
        # Only this process's counts: the database's figures come from the web nodes, once.
        assert "registry_mail_queue_depth" not in requests.get(url, headers=good, timeout=5).text
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("app_config", [{}])
def test_the_worker_will_not_serve_metrics_without_a_token(app, app_config):
    with pytest.raises(ConfigurationError, match="METRICS_TOKEN"):
        worker_metrics.serve(app, 1, host="127.0.0.1")
