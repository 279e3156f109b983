"""After sending a check a PA knows what happens next: on screen, by email and on the dashboard."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from registry.checks.kinds import NO_EXPIRY
from registry.checks.models import Check
from registry.extensions import db
from registry.mail import outbox_messages
from registry.models import today
from tests.checks.conftest import DBS_FIELDS, upload
from tests.html_forms import as_post_data, form_fields


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _words(fragment: str) -> str:
    """What a reader sees of an HTML fragment: its text, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", fragment)).split())


def _flashes(page: str) -> list[str]:
    return [_words(m) for m in re.findall(r'class="flash[^"]*"[^>]*>(.*?)</div>', page, re.S)]


def _send(client, kind: str, **fields):
    """Fill the add-check form as the page gives it, with ``fields`` typed in, and send it with a scan."""
    page = client.get(f"/dashboard/checks/new?kind={kind}").get_data(as_text=True)
    data = as_post_data(form_fields(page))
    data.update({name: [value] for name, value in fields.items()})
    data["document"] = upload()
    return client.post(f"/dashboard/checks/new?kind={kind}", data=data, content_type="multipart/form-data")


def _emails_to(app, address, subject_starts=""):
    return [m for m in outbox_messages(app) if m["To"] == address and m["Subject"].startswith(subject_starts)]


def test_the_form_says_how_long_the_check_lasts_and_how_soon_it_is_reviewed(provider_client):
    client, _ = provider_client
    page = _words(client.get("/dashboard/checks/new?kind=insurance").get_data(as_text=True))
    assert "we aim to within 5 days" in page
    assert "Once approved, your public liability insurance lasts until your policy's end date." in page
    rtw = _words(client.get("/dashboard/checks/new?kind=right_to_work").get_data(as_text=True))
    assert "lasts for good with a British or Irish passport; 1 year from approval with other evidence." in rtw


def test_a_sent_check_is_acknowledged_on_screen_and_by_email_with_the_review_target(app, provider_client):
    client, _ = provider_client
    sent = _send(client, "dbs", **DBS_FIELDS)
    assert sent.status_code == 302
    review_by = (today() + timedelta(days=5)).strftime("%-d %B %Y")
    [flash] = _flashes(client.get(sent.headers["Location"]).get_data(as_text=True))
    assert f"We aim to review it within 5 days, by {review_by}." in flash
    assert "Once approved, it lasts 3 years from the certificate's issue date" in flash

    [email] = _emails_to(app, "pat@example.com", "We have your")
    body = _text(email)
    assert email["Subject"] == "We have your DBS check"
    assert f"We aim to review it within 5 days, by {review_by}." in body
    assert "3 years from the certificate's issue date" in body
    assert "http://registry.test/dashboard" in body.split()


def test_a_refused_check_sends_no_acknowledgement_and_stores_nothing(app, provider_client):
    client, _ = provider_client
    refused = _send(client, "dbs", **(DBS_FIELDS | {"certificate_number": "not a number", "issue_date": "soon"}))
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.get_data(as_text=True)
    assert _emails_to(app, "pat@example.com", "We have your") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Check)) == 0


def test_the_dashboard_lists_each_missing_check_once_with_the_services_that_need_it(provider_client):
    client, _ = provider_client  # offers personal care and companionship, nothing added yet
    page = client.get("/dashboard").get_data(as_text=True)
    text = _words(page)
    assert "Before your profile is complete" not in text and "Your profile is complete." in text
    to_add = re.search(r'id="checks-to-add">.*?</ul>', page, re.S).group(0)
    lines = [_words(li) for li in re.findall(r"<li>(.*?)</li>", to_add, re.S)]
    names = [line.split(":")[0] for line in lines]
    assert len(names) == len(set(names)), f"a check is listed twice: {names}"
    identity = next(line for line in lines if line.startswith("Proof of identity"))
    assert "needed for Personal care and Companionship" in identity
    assert "Once approved, it lasts 5 years from approval" in identity
    assert text.count("Add it") == len(lines)
    assert "missing. Add it" not in text


def test_the_pending_line_gives_the_day_an_officer_should_have_decided_by(provider_client):
    client, _ = provider_client
    _send(client, "dbs", **DBS_FIELDS)
    text = _words(client.get("/dashboard").get_data(as_text=True))
    review_by = (today() + timedelta(days=5)).strftime("%-d %B %Y")
    assert f"waiting for an officer to review it: we aim to by {review_by}." in text


def _approve_as_proposed(app, officer, check_id):
    """The officer opens the document, says they saw the original in person, and keeps the proposed date."""
    assert officer.get(f"/checks/{check_id}/document").status_code == 200
    page = officer.get(f"/officer/checks/{check_id}").get_data(as_text=True)
    fields = form_fields(page, action=f"/officer/checks/{check_id}/approve")
    response = officer.post(f"/officer/checks/{check_id}/approve", data=as_post_data(fields) | {"method": "in_person"})
    assert response.status_code == 302, re.findall(r'class="error[^"]*"[^>]*>(.*?)<', response.get_data(as_text=True))
    return response


def _only_check(app):
    with app.app_context():
        return db.session.scalar(select(Check).order_by(Check.id.desc()))


def test_right_to_work_on_a_british_or_irish_passport_does_not_expire(app, provider_client, officer_client):
    client, _ = provider_client
    assert _send(client, "right_to_work", document_type="british_passport").status_code == 302
    assert "for good: a British or Irish passport" in _text(_emails_to(app, "pat@example.com")[-1])
    check = _only_check(app)
    assert _approve_as_proposed(app, officer_client(), check.id).status_code == 302
    assert _only_check(app).valid_until == NO_EXPIRY
    approved = _emails_to(app, "pat@example.com")[-1]
    assert approved["Subject"] == "Your right to work check is approved"
    assert "It does not expire." in _text(approved) and "9999" not in _text(approved)
    dashboard = _words(client.get("/dashboard").get_data(as_text=True))
    assert "Right to work in the UK : approved, does not expire." in dashboard
    assert "Approved, does not expire" in dashboard and "9999" not in dashboard


def test_right_to_work_on_other_evidence_lasts_a_year_from_approval(app, provider_client, officer_client):
    client, _ = provider_client
    assert _send(client, "right_to_work", document_type="share_code", share_code="W7X3YK9PQ").status_code == 302
    assert "1 year from approval" in _text(_emails_to(app, "pat@example.com")[-1])
    check = _only_check(app)
    assert _approve_as_proposed(app, officer_client(), check.id).status_code == 302
    assert _only_check(app).valid_until == today() + timedelta(days=365)
