"""Agreed support: proposed by one side, accepted by the other, changed from a date, ended with a reason."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.reviews.models import Engagement
from registry.visits import services
from registry.visits.models import Agreement, AgreementStatus
from tests.visits.conftest import accept_button, agree, agreement_form, counts, set_today

WED = date(2026, 3, 18)


def test_what_the_provider_proposes_is_in_force_once_the_recipient_accepts(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, WED)
    provider.post(f"/care/{eid}/agreement", data=agreement_form(WED, {0: ("09:00", "10:00"), 3: ("14:00", "16:30")}))
    waiting = recipient.get(f"/care/{eid}").get_data(as_text=True)
    assert "Nothing agreed yet" in waiting
    assert "Monday 09:00–10:00; Thursday 14:00–16:30" in waiting
    assert ">Accept</button>" in waiting
    # The proposer is not offered its own proposal to accept.
    assert ">Accept</button>" not in provider.get(f"/care/{eid}").get_data(as_text=True)

    assert recipient.post(accept_button(waiting)).status_code == 302
    page = provider.get(f"/care/{eid}").get_data(as_text=True)
    assert "Companionship" in page and "£16.50 an hour" in page and "Direct payment" in page
    assert "Thu 19 March 2026, 14:00–16:30" in page  # the first planned visit after today


def test_the_side_that_proposed_cannot_accept_it(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, WED)
    provider.post(f"/care/{eid}/agreement", data=agreement_form(WED, {0: ("09:00", "10:00")}))
    with app.app_context():
        agreement_id = db.session.scalar(select(Agreement.id))
    provider.post(f"/care/{eid}/agreement/{agreement_id}/accept")
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status == AgreementStatus.PROPOSED
    recipient.post(f"/care/{eid}/agreement/{agreement_id}/accept")
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status == AgreementStatus.AGREED


def test_a_change_from_a_date_changes_only_the_visits_from_that_date_and_keeps_the_earlier_period(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, date(2026, 3, 2))
    agree(provider, recipient, eid, date(2026, 3, 2), {0: ("09:00", "10:00")})
    set_today(clock, date(2026, 3, 10))
    # The recipient proposes Mondays in the afternoon at a new rate from Monday 16 March; Kim accepts.
    agree(recipient, provider, eid, date(2026, 3, 16), {0: ("14:00", "15:00")}, rate="17.00")
    with app.app_context():
        engagement = db.session.get(Engagement, eid)
        visits = services.planned_visits(engagement, date(2026, 3, 1), date(2026, 3, 31))
        assert [(v.day.day, v.start) for v in visits] == [
            (2, time(9)),
            (9, time(9)),
            (16, time(14)),
            (23, time(14)),
            (30, time(14)),
        ]
        assert [v.agreement.rate_pence for v in visits] == [1650, 1650, 1700, 1700, 1700]
        periods = services.agreed(engagement)
        assert [(p.starts_on, p.slots) for p in periods] == [
            (date(2026, 3, 2), [{"day": 0, "start": "09:00", "end": "10:00"}]),
            (date(2026, 3, 16), [{"day": 0, "start": "14:00", "end": "15:00"}]),
        ]
    history = provider.get(f"/care/{eid}").get_data(as_text=True)
    assert history.count("<td>Agreed</td>") == 2


def test_a_change_cannot_start_before_today(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, date(2026, 3, 2))
    agree(provider, recipient, eid, date(2026, 3, 2), {0: ("09:00", "10:00")})
    set_today(clock, date(2026, 3, 10))
    before = counts(app)
    response = provider.post(f"/care/{eid}/agreement", data=agreement_form(date(2026, 3, 9), {0: ("14:00", "15:00")}))
    assert response.status_code == 422
    assert "A change starts today or later" in response.get_data(as_text=True)
    assert counts(app) == before


@pytest.mark.parametrize(
    ("overrides", "slots", "message"),
    [
        ({"service": "meal-delivery"}, {0: ("09:00", "10:00")}, "Choose a service the provider offers."),
        ({}, {0: ("10:00", "09:00")}, "The visit on Monday must end after it starts"),
        ({}, {0: ("9 o'clock", "10:00")}, "Enter the start time for Monday as a 24-hour time"),
        ({}, {0: ("09:00", "")}, "Enter both a start and an end time for Monday"),
        ({}, {}, "Enter the days and times each week, or at least one one-off visit."),
        ({"one_offs": "next tuesday at 9"}, {}, "One-off visit line 1: write a date and times"),
        ({"one_offs": "2026-02-30 09:00-10:00"}, {}, "One-off visit line 1: write a date and times"),
        ({"rate": "0"}, {0: ("09:00", "10:00")}, "Enter a price more than £0"),
        ({"rate": "sixteen"}, {0: ("09:00", "10:00")}, "Not a valid decimal value"),
        ({"rate": "5000"}, {0: ("09:00", "10:00")}, "at most £1,000"),
        ({"funding": "cash-in-hand"}, {0: ("09:00", "10:00")}, "Not a valid choice"),
        ({"price_basis": ""}, {0: ("09:00", "10:00")}, "Say whether the price is by the hour or by the visit."),
        ({"starts_on": "soon"}, {0: ("09:00", "10:00")}, "Not a valid date value"),
        ({"starts_on": "2024-01-01"}, {0: ("09:00", "10:00")}, "The start date can be at most a year ago."),
        ({"starts_on": "9999-12-31"}, {0: ("09:00", "10:00")}, "The start date can be at most two years ahead."),
        ({"one_offs": "9999-12-31 09:00-10:00"}, {}, "One-off visit line 1 is more than two years ahead."),
        ({"one_offs": "2026-03-17 09:00-10:00"}, {}, "One-off visit line 1 is before the agreement starts."),
    ],
)
def test_a_bad_agreement_form_says_what_is_wrong_and_stores_nothing(app, care, clock, overrides, slots, message):
    recipient, provider, eid = care
    set_today(clock, WED)
    before = counts(app)
    response = provider.post(f"/care/{eid}/agreement", data=agreement_form(WED, slots, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts(app) == before
    # Positive control: the same form with good values is stored.
    good = provider.post(f"/care/{eid}/agreement", data=agreement_form(WED, {0: ("09:00", "10:00")}))
    assert good.status_code == 302
    assert counts(app)[0] == before[0] + 1


def test_one_off_visits_are_planned_on_their_dates(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, WED)
    agree(
        recipient,
        provider,
        eid,
        WED,
        {},
        one_offs="2026-03-24 10:00-12:00\n2026-04-02 09:30-10:15",
        price_basis="per-visit",
        rate="40",
        funding="self-funded",
    )
    with app.app_context():
        visits = services.planned_visits(db.session.get(Engagement, eid), WED, date(2026, 4, 30))
        assert [(v.day, v.start, v.end, v.amount_pence) for v in visits] == [
            (date(2026, 3, 24), time(10), time(12), 4000),
            (date(2026, 4, 2), time(9, 30), time(10, 15), 4000),
        ]


def test_ending_is_recorded_with_its_reason_and_no_visits_are_planned_after_the_last_day(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, date(2026, 3, 2))
    agree(provider, recipient, eid, date(2026, 3, 2), {0: ("09:00", "10:00")})
    response = recipient.post(
        f"/care/{eid}/end", data={"last_day": "2026-03-10", "reason": "Dad moved to a care home."}
    )
    assert response.status_code == 302
    page = provider.get(f"/care/{eid}").get_data(as_text=True)
    assert "Dad moved to a care home." in page and "10 March 2026" in page
    assert "Propose a change" not in page
    with app.app_context():
        visits = services.planned_visits(db.session.get(Engagement, eid), date(2026, 3, 1), date(2026, 3, 31))
        assert [v.day.day for v in visits] == [2, 9]
    # Ended once; a second ending is refused and the first stays as it was.
    again = provider.post(f"/care/{eid}/end", data={"last_day": "2026-03-20", "reason": "Another reason."})
    assert again.status_code == 422 and "already ended" in again.get_data(as_text=True)
    assert "Dad moved to a care home." in recipient.get(f"/care/{eid}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"last_day": "2026-03-10", "reason": ""}, "Say why the support is ending."),
        ({"last_day": "", "reason": "Moving away."}, "Enter the last day"),
        ({"last_day": "2026-03-01", "reason": "Moving away."}, "The last day is today or later"),
        ({"last_day": "2026-03-10", "reason": "x" * 1001}, "Use at most 1,000 characters."),
        ({"last_day": "9999-12-31", "reason": "Moving away."}, "The last day can be at most two years ahead."),
    ],
)
def test_a_bad_ending_says_what_is_wrong_and_stores_nothing(app, care, clock, data, message):
    recipient, provider, eid = care
    set_today(clock, date(2026, 3, 2))
    before = counts(app)
    response = recipient.post(f"/care/{eid}/end", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts(app) == before
