"""A party's data export holds the engagement's agreements and visits; erasure takes their own words, not the records."""

from __future__ import annotations

import json
from datetime import date, time

from sqlalchemy import select

from registry.extensions import db
from registry.visits.models import Agreement, EngagementEnd, VisitRecord
from registry.visits.services import ERASED_REASON
from tests.visits.conftest import agreed, set_today

MONDAY = date(2026, 3, 2)


def _month_of_care(app, care, clock):
    recipient, provider, eid = care
    set_today(clock, MONDAY)
    agreed(app, eid, MONDAY, {0: ("09:00", "10:00")})
    provider.post(
        f"/care/{eid}/visits/2026-03-02/0900/came",
        data={"came-arrived": "09:00", "came-left": "10:00", "came-note": "Made lunch together"},
    )
    recipient.post(
        f"/care/{eid}/visits/2026-03-02/0900/confirm",
        data={"confirm-says": "kept", "confirm-note": "Lovely visit, Dad was cheered"},
    )
    assert (
        recipient.post(
            f"/care/{eid}/end", data={"last_day": "2026-03-20", "reason": "Dad moves in with us"}
        ).status_code
        == 302
    )
    return recipient, provider, eid


def test_the_export_holds_the_agreements_the_ending_and_the_visits(app, care, clock):
    recipient, provider, eid = _month_of_care(app, care, clock)
    for client in (recipient, provider):
        data = json.loads(client.get("/account/my-data.json").get_data(as_text=True))
        (engagement,) = data["engagements"]
        assert engagement["agreements"][0]["visits"] == ["Monday 09:00–10:00"]
        assert engagement["agreements"][0]["price"] == "£16.50 an hour"
        assert engagement["ended"]["reason"] == "Dad moves in with us"
        assert engagement["visits"][0]["provider_note"] == "Made lunch together"
        assert engagement["visits"][0]["person_note"] == "Lovely visit, Dad was cheered"
    assert "Made lunch together" in recipient.get("/account/my-data").get_data(as_text=True)


def test_erasing_the_recipient_takes_their_notes_and_reason_and_keeps_the_records(app, care, clock, runner):
    recipient, provider, eid = _month_of_care(app, care, clock)
    erased = runner.invoke(args=["users", "erase", "rosa@example.com", "--yes"])
    assert erased.exit_code == 0, erased.output
    with app.app_context():
        record = db.session.scalar(select(VisitRecord))
        assert (record.visit_date, record.planned_start, str(record.recipient_says)) == (MONDAY, time(9), "kept")
        assert record.recipient_note is None
        assert record.provider_note == "Made lunch together"  # the provider's words are the provider's
        assert db.session.scalar(select(EngagementEnd.reason)) == ERASED_REASON
        assert db.session.scalar(select(Agreement.rate_pence)) == 1650
    sheet = provider.get(f"/care/{eid}/timesheet/2026-03").get_data(as_text=True)
    assert 'id="total-amount">16.50<' in sheet
