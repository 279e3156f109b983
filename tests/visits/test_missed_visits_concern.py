"""A pattern of missed visits raised as a concern in one step, by the person's side only."""

from __future__ import annotations

from datetime import date

from lxml import html as lxml_html
from sqlalchemy import func, select

from registry.extensions import db
from registry.safeguarding.models import Concern
from tests.conftest import signed_in
from tests.visits.conftest import agree, set_today

MONDAY = date(2026, 3, 2)


def _missed(recipient, eid, day: date):
    response = recipient.post(f"/care/{eid}/visits/{day.isoformat()}/0900/confirm", data={"confirm-says": "missed"})
    assert response.status_code == 302


def _concerns(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Concern.body).order_by(Concern.id)))


def _button(page: str) -> list:
    return lxml_html.fromstring(page).xpath("//button[normalize-space()='Raise a concern about these visits']")


def test_two_missed_visits_can_be_raised_as_one_concern_listing_them(app, care, clock, make_user):
    recipient, provider, eid = care
    set_today(clock, MONDAY)
    agree(provider, recipient, eid, MONDAY, {0: ("09:00", "10:00")})
    _missed(recipient, eid, MONDAY)
    assert _button(recipient.get(f"/care/{eid}").get_data(as_text=True)) == []  # one is not a pattern

    set_today(clock, date(2026, 3, 9))
    provider.post(f"/care/{eid}/visits/2026-03-09/0900/away", data={"away-reason": "ill"})
    page = recipient.get(f"/care/{eid}").get_data(as_text=True)
    assert len(_button(page)) == 1 and "2 visits not kept in the last 28 days" in page
    assert _button(provider.get(f"/care/{eid}").get_data(as_text=True)) == []  # never offered to the provider

    sent = recipient.post(f"/care/{eid}/concern", data={"note": "She waited all morning."})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/care/{eid}")
    (body,) = _concerns(app)
    assert body.splitlines()[0].startswith("Visits not kept, reported by the person's side (2 in the last 28 days")
    assert "- 2 March 2026, 09:00 to 10:00: Missed" in body
    assert "- 9 March 2026, 09:00 to 10:00: Provider could not come" in body
    assert body.endswith("She waited all morning.")


def test_the_provider_and_strangers_cannot_raise_it_and_too_few_is_refused(app, care, clock, make_user):
    recipient, provider, eid = care
    set_today(clock, MONDAY)
    agree(provider, recipient, eid, MONDAY, {0: ("09:00", "10:00")})
    _missed(recipient, eid, MONDAY)
    assert provider.post(f"/care/{eid}/concern").status_code == 404
    stranger = signed_in(app, make_user("recipient", email="someone@example.com"))
    assert stranger.post(f"/care/{eid}/concern").status_code == 404
    refused = recipient.post(f"/care/{eid}/concern", follow_redirects=True)
    assert "There are fewer than 2 missed or disputed visits in the last 28 days." in refused.get_data(as_text=True)
    too_long = recipient.post(f"/care/{eid}/concern", data={"note": "x" * 5001}, follow_redirects=True)
    assert "Use at most 5,000 characters." in too_long.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Concern)) == 0
