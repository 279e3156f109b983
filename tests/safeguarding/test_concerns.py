"""Anyone can raise a concern (no account needed), says how serious it is, and officers work the most serious first."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry import audit
from registry.extensions import db
from registry.mail import outbox_messages
from registry.models import utcnow
from registry.providers.services import get_by_slug
from registry.safeguarding import services
from registry.safeguarding.models import Concern
from tests.conftest import signed_in
from tests.html_forms import as_post_data, form_fields


def _words(fragment: str) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", fragment)).split())


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Concern))


def _fill(client, listed, **typed):
    """The concern form as a browser would send it, with ``typed`` filled in."""
    page = client.get(f"/providers/{listed}/concern")
    assert page.status_code == 200
    data = as_post_data(form_fields(page.get_data(as_text=True), action=""))
    data.update({name: [value] for name, value in typed.items()})
    return data


@pytest.fixture
def officer(app, make_user):
    return signed_in(app, make_user("officer", email="olu@example.com", name="Olu Officer"))


def test_a_neighbour_without_an_account_raises_a_concern_that_reaches_officers(app, client, listed, officer):
    page = client.get(f"/providers/{listed}/concern").get_data(as_text=True)
    assert "call 999" in _words(page)
    assert 'name="reporter_name"' in page and 'name="reporter_contact"' in page
    before = len(outbox_messages(app))

    data = _fill(
        client,
        listed,
        severity="harm",
        text="I hear shouting from next door every evening when the carer visits.",
        reporter_name="Pat Neighbour",
        reporter_contact="07700 900123",
    )
    sent = client.post(f"/providers/{listed}/concern", data=data)

    assert sent.status_code == 302
    with app.app_context():
        concern = db.session.scalar(select(Concern))
        assert (concern.raised_by_id, concern.severity, concern.reporter_name, concern.reporter_contact) == (
            None,
            "harm",
            "Pat Neighbour",
            "07700 900123",
        )
    new = outbox_messages(app)[before:]
    assert [m["To"] for m in new] == ["olu@example.com"]  # the same routing: every officer; nobody to reply to
    assert new[0]["Subject"].startswith("New safeguarding concern about Kim Lewis")
    assert "Harm is happening or has happened" in new[0].get_body(preferencelist=("plain",)).get_content()
    shown = _words(officer.get(f"/officer/concerns/{concern.id}").get_data(as_text=True))
    assert "without an account by Pat Neighbour (contact: 07700 900123)" in shown


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_form_carries_its_token_and_a_forged_one_stores_nothing(app, client, listed):
    data = _fill(client, listed, severity="worried", text="Something feels wrong.")
    forged = dict(data, csrf_token=["forged"])
    assert client.post(f"/providers/{listed}/concern", data=forged).status_code in (400, 422)
    assert _count(app) == 0
    assert client.post(f"/providers/{listed}/concern", data=data).status_code == 302
    assert _count(app) == 1


def test_contact_details_are_optional(app, client, listed):
    data = _fill(client, listed, severity="worried", text="The carer seemed to be in a hurry every day.")
    assert client.post(f"/providers/{listed}/concern", data=data).status_code == 302
    assert _count(app) == 1


def test_someone_in_danger_now_is_told_to_call_999(app, client, listed):
    data = _fill(client, listed, severity="danger", text="She is on the floor and the carer has left.")
    sent = client.post(f"/providers/{listed}/concern", data=data, follow_redirects=True)
    assert "If someone is in danger now, call 999 straight away" in _words(sent.get_data(as_text=True))


@pytest.mark.parametrize(
    "typed, error",
    [
        ({"severity": "", "text": "Worried."}, "Say how serious it is."),
        ({"severity": "apocalyptic", "text": "Worried."}, "Say how serious it is: someone in danger now"),
        ({"severity": "worried", "text": ""}, "Tell us what happened or what worries you."),
        ({"severity": "worried", "text": "Worried.", "reporter_name": "x" * 121}, "at most 120"),
        ({"severity": "worried", "text": "Worried.", "reporter_contact": "y" * 201}, "at most 200"),
    ],
)
def test_garbage_is_answered_with_a_clear_error_and_nothing_is_stored(app, client, listed, typed, error):
    refused = client.post(f"/providers/{listed}/concern", data=_fill(client, listed, **typed))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'class="error-summary"' in page and error in _words(page)
    assert _count(app) == 0


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "CONCERN_RATE_LIMIT": "2 per hour"}])
def test_concerns_without_an_account_are_rate_limited_by_address(app, listed):
    here = app.test_client()
    data = {"severity": "worried", "text": "Worried."}
    statuses = [here.post(f"/providers/{listed}/concern", data=data).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert elsewhere.post(f"/providers/{listed}/concern", data=data).status_code == 302
    assert _count(app) == 3


def _raise(app, listed, severity, days_ago, body):
    with app.app_context():
        concern = services.raise_concern(get_by_slug(listed), None, body, severity=severity)
        concern.created_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()
        return concern.id


def test_officers_see_the_most_serious_first_then_the_oldest_with_an_excerpt(app, listed, officer):
    _raise(app, listed, "worried", 9, "Old worry about timekeeping.")
    _raise(app, listed, "danger", 0, "Left alone on the floor. " + "More detail follows here. " * 20)
    _raise(app, listed, "harm", 1, "Newer harm: bruises after visits.")
    _raise(app, listed, "harm", 4, "Older harm: money missing from a purse.")

    page = officer.get("/officer/concerns").get_data(as_text=True)
    rows = [_words(row) for row in re.findall(r"<tr>(.*?)</tr>", page.split('class="concern-queue"')[1], re.S)[1:5]]
    assert [row.split(" Concern about")[0] for row in rows] == [
        "Someone is in danger now",
        "Harm is happening or has happened",
        "Harm is happening or has happened",
        "I am worried something is wrong",
    ]
    assert "Older harm" in rows[1] and "4 days ago" in rows[1] and "Newer harm" in rows[2]
    assert "Left alone on the floor." in rows[0] and len(rows[0]) < 300  # an excerpt, not the whole concern


def test_an_officer_changes_the_severity_and_it_goes_on_the_record(app, listed, officer):
    concern_id = _raise(app, listed, "worried", 0, "The carer shouted at him.")
    page = officer.get(f"/officer/concerns/{concern_id}").get_data(as_text=True)
    action = f"/officer/concerns/{concern_id}/severity"
    data = as_post_data(form_fields(page, action=action))
    assert data["severity"] == ["worried"]
    data["severity"] = ["harm"]
    assert officer.post(action, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Concern, concern_id).severity == "harm"
        [event] = [e for e in audit.events_for() if e.action == "concern.severity_changed"]
        assert json.loads(event.details) == {"from": "worried", "to": "harm"} and audit.verify().ok

    refused = officer.post(action, data={"severity": "meh"})
    assert refused.status_code == 422
    assert "Choose how serious the concern is" in _words(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Concern, concern_id).severity == "harm"


def test_only_officers_change_a_severity(app, listed, make_user):
    concern_id = _raise(app, listed, "worried", 0, "Worried.")
    recipient = signed_in(app, make_user("recipient"))
    assert recipient.post(f"/officer/concerns/{concern_id}/severity", data={"severity": "danger"}).status_code == 403
    with app.app_context():
        assert db.session.get(Concern, concern_id).severity == "worried"


def test_the_contact_details_left_without_an_account_go_when_the_concern_closes(app, client, listed, officer):
    """As the privacy notice says: they are for officers to reach the person, and deleted on closing."""
    client.post(
        f"/providers/{listed}/concern",
        data=_fill(
            client, listed, severity="worried", text="Worried.", reporter_name="Pat", reporter_contact="07700 900123"
        ),
    )
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    moved = officer.post(f"/officer/concerns/{concern_id}", data={"status": "investigating", "outcome": "Calling Pat."})
    assert moved.status_code == 302
    with app.app_context():
        assert db.session.get(Concern, concern_id).reporter_contact == "07700 900123"  # kept while it is open
    closed = officer.post(
        f"/officer/concerns/{concern_id}",
        data={"status": "closed", "outcome": "Spoke to Pat; no further action.", "closed_outcome": "no_action"},
    )
    assert closed.status_code == 302
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert (concern.reporter_name, concern.reporter_contact, concern.status) == (None, None, "closed")
    privacy = _words(client.get("/privacy").get_data(as_text=True))
    assert "deleted when the concern is closed" in privacy
