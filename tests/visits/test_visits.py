"""Visits: planned from the agreement in UK local time, recorded by the provider, confirmed by the person's side."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.reviews.models import Engagement
from registry.visits import services
from registry.visits.models import VisitRecord
from tests.conftest import signed_in
from tests.html_forms import parse
from tests.visits.conftest import agreed, counts, set_today

SUNDAY = 6


def _visits(app, eid, first, last):
    with app.app_context():
        return services.planned_visits(db.session.get(Engagement, eid), first, last)


@pytest.mark.parametrize(
    ("before", "after", "utc_before", "utc_after"),
    [
        # British Summer Time starts on the last Sunday of March (29 March 2026): 09:00 local is 08:00 UTC.
        (date(2026, 3, 22), date(2026, 3, 29), 9, 8),
        # It ends on the last Sunday of October (25 October 2026): 09:00 local is 09:00 UTC again.
        (date(2026, 10, 18), date(2026, 10, 25), 8, 9),
    ],
)
def test_a_clock_change_keeps_the_local_time_of_a_weekly_visit(app, care, clock, before, after, utc_before, utc_after):
    recipient, provider, eid = care
    set_today(clock, before)
    agreed(app, eid, before, {SUNDAY: ("09:00", "10:00")})
    visits = _visits(app, eid, before, after)
    assert [(v.day, v.start) for v in visits] == [(before, time(9)), (after, time(9))]
    assert [v.starts_utc for v in visits] == [
        datetime(before.year, before.month, before.day, utc_before, tzinfo=timezone.utc),
        datetime(after.year, after.month, after.day, utc_after, tzinfo=timezone.utc),
    ]
    assert [v.minutes for v in visits] == [60, 60]


def test_a_visit_across_the_clock_change_lasts_the_hours_really_worked():
    # 00:00 to 03:00 local: two hours on the night the clocks go forward, four when they go back.
    assert services.minutes_between(date(2026, 3, 29), time(0), time(3)) == 120
    assert services.minutes_between(date(2026, 10, 25), time(0), time(3)) == 240
    assert services.minutes_between(date(2026, 10, 24), time(0), time(3)) == 180


MONDAY = date(2026, 3, 2)
VISIT = "2026-03-02/0900"


def _kim_came(provider, eid, arrived="09:05", left="10:00"):
    return provider.post(f"/care/{eid}/visits/{VISIT}/came", data={"came-arrived": arrived, "came-left": left})


def _rosa_says(recipient, eid, says):
    return recipient.post(f"/care/{eid}/visits/{VISIT}/confirm", data={"confirm-says": says})


@pytest.fixture
def mondays(app, care, clock):
    """Mondays 09:00-10:00 from 2 March 2026; today is that Monday."""
    recipient, provider, eid = care
    set_today(clock, MONDAY)
    agreed(app, eid, MONDAY, {0: ("09:00", "10:00")})
    return care


def _status(app, eid, day=MONDAY):
    return _visits(app, eid, day, day)[0].status


def test_recorded_then_confirmed_is_kept(app, mondays):
    recipient, provider, eid = mondays
    assert _status(app, eid) == "unconfirmed"
    assert _kim_came(provider, eid).status_code == 302
    assert _status(app, eid) == "unconfirmed"  # the provider's word alone never counts
    page = recipient.get(f"/care/{eid}/visits/{VISIT}").get_data(as_text=True)
    assert "Came: arrived 09:05, left 10:00" in page and "Did they come?" in page
    assert _rosa_says(recipient, eid, "kept").status_code == 302
    visit = _visits(app, eid, MONDAY, MONDAY)[0]
    assert (visit.status, visit.counts, visit.minutes) == ("kept", True, 55)


def test_a_late_visit_counts_and_says_late(app, mondays):
    recipient, provider, eid = mondays
    _kim_came(provider, eid, arrived="09:40")
    _rosa_says(recipient, eid, "late")
    visit = _visits(app, eid, MONDAY, MONDAY)[0]
    assert (visit.status, visit.counts) == ("late", True)


def test_came_against_missed_is_a_dispute_both_sides_see(app, mondays):
    recipient, provider, eid = mondays
    _kim_came(provider, eid)
    _rosa_says(recipient, eid, "missed")
    assert _status(app, eid) == "disputed"
    for client in (recipient, provider):
        page = client.get(f"/care/{eid}/visits/{VISIT}").get_data(as_text=True)
        assert "The two of you disagree about this visit." in page
        assert "Came: arrived 09:05" in page and "They did not come" in page
    # Neither side can overwrite its word afterwards.
    again = _rosa_says(recipient, eid, "kept")
    assert again.status_code == 422
    assert _status(app, eid) == "disputed"


def test_could_not_come_against_kept_is_a_dispute_and_missed_when_agreed(app, mondays, clock):
    recipient, provider, eid = mondays
    provider.post(f"/care/{eid}/visits/{VISIT}/away", data={"away-reason": "ill"})
    assert _status(app, eid) == "cancelled"
    _rosa_says(recipient, eid, "kept")
    assert _status(app, eid) == "disputed"
    # The next Monday the person agrees it was missed: missed, not disputed, and not kept.
    set_today(clock, date(2026, 3, 9))
    provider.post(f"/care/{eid}/visits/2026-03-09/0900/away", data={"away-reason": "transport"})
    recipient.post(f"/care/{eid}/visits/2026-03-09/0900/confirm", data={"confirm-says": "missed"})
    visit = _visits(app, eid, date(2026, 3, 9), date(2026, 3, 9))[0]
    assert (visit.status, visit.counts) == ("missed", False)


def test_the_person_confirms_within_the_window_and_not_after(app, mondays, clock):
    recipient, provider, eid = mondays
    assert app.config["VISIT_CONFIRM_DAYS"] == 7
    _kim_came(provider, eid)
    set_today(clock, date(2026, 3, 10))  # eight days later
    late = _rosa_says(recipient, eid, "kept")
    assert late.status_code == 422
    assert "Visits are confirmed within 7 days; this one stays unconfirmed." in late.get_data(as_text=True)
    assert _status(app, eid) == "unconfirmed"
    set_today(clock, date(2026, 3, 9))  # seven days later: still in time
    assert _rosa_says(recipient, eid, "kept").status_code == 302
    assert _status(app, eid) == "kept"


def test_a_future_visit_cannot_be_confirmed_or_recorded_as_made(app, mondays):
    recipient, provider, eid = mondays
    future = "2026-03-09/0900"
    before = counts(app)
    assert recipient.post(f"/care/{eid}/visits/{future}/confirm", data={"confirm-says": "kept"}).status_code == 422
    made = provider.post(f"/care/{eid}/visits/{future}/came", data={"came-arrived": "09:00", "came-left": "10:00"})
    assert made.status_code == 422
    assert counts(app) == before
    # A provider may say ahead of time that it cannot come.
    assert provider.post(f"/care/{eid}/visits/{future}/away", data={"away-reason": "ill"}).status_code == 302


def test_a_provider_cannot_confirm_its_own_visit(app, mondays):
    recipient, provider, eid = mondays
    _kim_came(provider, eid)
    refused = provider.post(f"/care/{eid}/visits/{VISIT}/confirm", data={"confirm-says": "kept"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(VisitRecord.recipient_says)) is None
    assert "Did they come?" not in provider.get(f"/care/{eid}/visits/{VISIT}").get_data(as_text=True)
    # Nor can the person's side write the provider's record.
    assert recipient.post(f"/care/{eid}/visits/2026-03-02/0900/away", data={"away-reason": "ill"}).status_code == 403
    # Positive control: the person's side confirms.
    assert _rosa_says(recipient, eid, "kept").status_code == 302


def test_the_service_refuses_the_wrong_side_even_without_the_view(app, mondays):
    recipient, provider, eid = mondays
    with app.app_context():
        engagement = db.session.get(Engagement, eid)
        with pytest.raises(services.VisitError, match="Only the person supported"):
            services.respond_to_visit(engagement, engagement.provider.user, MONDAY, time(9), "kept")
        with pytest.raises(services.VisitError, match="Only the provider"):
            services.record_visit(engagement, engagement.recipient, MONDAY, time(9), came=False, reason="ill")


def test_another_provider_and_another_recipient_see_nothing(app, mondays, make_provider, make_user):
    recipient, provider, eid = mondays
    _kim_came(provider, eid)
    make_provider("pa", name="Other Carer", email="other@example.com")
    make_user("recipient", email="nosy@example.com", name="Nosy")
    paths = [
        f"/care/{eid}",
        f"/care/{eid}/visits/{VISIT}",
        f"/care/{eid}/timesheet/2026-03",
        f"/care/{eid}/timesheet/2026-03.csv",
        f"/care/{eid}/agreement",
        f"/care/{eid}/end",
    ]
    for email in ("other@example.com", "nosy@example.com"):
        outsider = signed_in(app, email)
        for path in paths:
            assert outsider.get(path).status_code == 404, (email, path)
        before = counts(app)
        assert _rosa_says(outsider, eid, "missed").status_code == 404
        assert outsider.post(f"/care/{eid}/visits/{VISIT}/away", data={"away-reason": "ill"}).status_code == 404
        assert outsider.post(f"/care/{eid}/end", data={"last_day": "2026-03-20", "reason": "x"}).status_code == 404
        assert counts(app) == before
        assert "Kim Lewis" not in outsider.get("/care").get_data(as_text=True)
    # Positive control: both parties open every page.
    for client in (recipient, provider):
        for path in paths:
            assert client.get(path).status_code == 200, path
    assert "Rosa" in provider.get("/care").get_data(as_text=True)
    assert "Kim Lewis" in recipient.get("/care").get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        (
            "came",
            {"came-arrived": "10:00", "came-left": "09:00"},
            "The time you left must be after the time you arrived.",
        ),
        ("came", {"came-arrived": "25:00", "came-left": "10:00"}, "Enter the time you arrived as a 24-hour time"),
        ("came", {"came-arrived": "", "came-left": "10:00"}, "Enter when you arrived."),
        (
            "came",
            {"came-arrived": "09:00", "came-left": "10:00", "came-note": "x" * 501},
            "Use at most 500 characters.",
        ),
        ("away", {}, "Choose why you could not come."),
        ("away", {"away-reason": "lazy"}, "Not a valid choice"),
        ("confirm", {}, "Say whether they came, came late, or did not come."),
        ("confirm", {"confirm-says": "maybe"}, "Not a valid choice"),
    ],
)
def test_bad_input_on_a_visit_says_what_is_wrong_and_stores_nothing(app, mondays, action, data, message):
    recipient, provider, eid = mondays
    client = recipient if action == "confirm" else provider
    before = counts(app)
    response = client.post(f"/care/{eid}/visits/{VISIT}/{action}", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_visit_not_in_the_plan_is_not_found(app, mondays):
    recipient, provider, eid = mondays
    assert provider.get(f"/care/{eid}/visits/2026-03-03/0900").status_code == 404
    assert provider.post(f"/care/{eid}/visits/2026-03-02/1000/came", data={}).status_code == 404
    assert provider.get(f"/care/{eid}/visits/2026-13-02/0900").status_code == 404
    assert provider.get(f"/care/{eid}/visits/9999-12-31/0900").status_code == 404
    assert provider.get(f"/care/{eid}/timesheet/9999-12").status_code == 404
    assert provider.get(f"/care/{eid}/visits/2026-03-02/2500").status_code == 404
    far = provider.get(f"/care/{eid}?from=9999-12-31")
    assert far.status_code == 200 and "choose a date from 2000 to 2200" in far.get_data(as_text=True)


def test_the_visit_page_records_a_visit_without_javascript_in_one_form(app, mondays):
    """The provider's page: arrived and left already filled with the planned times, so a visit is one tap."""
    recipient, provider, eid = mondays
    page = provider.get(f"/care/{eid}/visits/{VISIT}").get_data(as_text=True)
    assert 'value="09:00"' in page and 'value="10:00"' in page
    assert parse(page).xpath("//main//script") == []
    # Submitting the form as it arrives (the prefilled times) records the visit.
    assert (
        provider.post(
            f"/care/{eid}/visits/{VISIT}/came", data={"came-arrived": "09:00", "came-left": "10:00"}
        ).status_code
        == 302
    )
    with app.app_context():
        record = db.session.scalar(select(VisitRecord))
        assert (record.arrived, record.departed) == (time(9), time(10))


def test_nothing_about_the_visits_reaches_the_public_profile_the_api_or_the_open_data_feed(app, mondays, client):
    recipient, provider, eid = mondays
    _kim_came(provider, eid, arrived="09:07", left="10:03")
    answer = {"confirm-says": "late", "confirm-note": "Came at seven past"}
    assert recipient.post(f"/care/{eid}/visits/{VISIT}/confirm", data=answer).status_code == 302
    with app.app_context():
        slug = db.session.get(Engagement, eid).provider.slug
    public = [
        client.get(f"/providers/{slug}"),
        client.get(f"/api/v1/providers/{slug}"),
        client.get("/openreferral/services"),
        client.get("/openreferral/service_at_locations"),
    ]
    assert all(response.status_code == 200 for response in public)
    for response in public:
        text = response.get_data(as_text=True)
        # The agreed rate (the profile's own is £18-£22), the recorded times and the visit's words are not there.
        for private in ("16.50", "1650", "09:07", "10:03", "Came at seven past"):
            assert private not in text, (response.request.path, private)
    # Positive control: the parties' own timesheet has them.
    sheet = recipient.get(f"/care/{eid}/timesheet/2026-03").get_data(as_text=True)
    assert "£16.50 an hour" in sheet and "09:07" in sheet
    assert "Came at seven past" in recipient.get(f"/care/{eid}/visits/{VISIT}").get_data(as_text=True)
