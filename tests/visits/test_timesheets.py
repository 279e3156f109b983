"""Timesheets: the month's visits, hours, rate and amount; the CSV says what the page says."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from tests.visits.conftest import agreed, set_today


def _day(clock, provider, recipient, eid, day: date, provider_data=None, recipient_says=None):
    """On ``day``, the provider records the 09:00 visit (came or away) and the person's side answers."""
    set_today(clock, day)
    base = f"/care/{eid}/visits/{day.isoformat()}/0900"
    if provider_data is not None:
        action = "came" if "came-arrived" in provider_data else "away"
        assert provider.post(f"{base}/{action}", data=provider_data).status_code == 302
    if recipient_says is not None:
        assert recipient.post(f"{base}/confirm", data={"confirm-says": recipient_says}).status_code == 302


def _came(arrived, left):
    return {"came-arrived": arrived, "came-left": left}


def _march(app, care, clock):
    """Mondays and Thursdays 09:00-10:30 at £16.50 an hour, £18 from 16 March; a month of what happened."""
    recipient, provider, eid = care
    set_today(clock, date(2026, 3, 2))
    agreed(app, eid, date(2026, 3, 2), {0: ("09:00", "10:30"), 3: ("09:00", "10:30")})
    _day(clock, provider, recipient, eid, date(2026, 3, 2), _came("09:00", "10:30"), "kept")  # 90 min at £16.50
    _day(clock, provider, recipient, eid, date(2026, 3, 5), _came("09:10", "10:30"), "late")  # 80 min at £16.50
    _day(clock, provider, recipient, eid, date(2026, 3, 9), _came("09:00", "10:30"), "missed")  # disputed
    _day(clock, provider, recipient, eid, date(2026, 3, 12), _came("09:00", "10:30"))  # never confirmed
    set_today(clock, date(2026, 3, 13))
    agreed(app, eid, date(2026, 3, 16), {0: ("09:00", "10:30"), 3: ("09:00", "10:30")}, "recipient", rate_pence=1800)
    _day(clock, provider, recipient, eid, date(2026, 3, 16), _came("09:00", "10:20"), "kept")  # 80 min at £18
    _day(clock, provider, recipient, eid, date(2026, 3, 19), {"away-reason": "ill"}, "missed")  # missed
    _day(clock, provider, recipient, eid, date(2026, 3, 23), None, "kept")  # planned 90 min at £18
    return recipient, provider, eid


def _page_totals(html: str) -> tuple[str, str, str]:
    found = {key: re.search(rf'id="total-{key}">([^<]*)<', html).group(1) for key in ("visits", "hours", "amount")}
    return found["visits"], found["hours"], found["amount"]


def test_the_timesheet_counts_only_confirmed_visits_at_the_rate_agreed_for_each_day(app, care, clock):
    recipient, provider, eid = _march(app, care, clock)
    page = recipient.get(f"/care/{eid}/timesheet/2026-03").get_data(as_text=True)
    # 90 + 80 + 80 + 90 minutes; £24.75 + £22.00 + £24.00 + £27.00.
    assert _page_totals(page) == ("4 visits", "5.67", "97.75")
    assert "£97.75" in page
    assert "Not confirmed: 1; disputed: 1; missed: 1" in page
    assert "£16.50 an hour" in page and "£18 an hour" in page
    assert "Disputed: the two sides disagree" in page
    # The provider sees the same timesheet.
    assert _page_totals(provider.get(f"/care/{eid}/timesheet/2026-03").get_data(as_text=True)) == _page_totals(page)


def test_the_csv_totals_equal_the_page_totals(app, care, clock):
    recipient, provider, eid = _march(app, care, clock)
    page = recipient.get(f"/care/{eid}/timesheet/2026-03").get_data(as_text=True)
    response = recipient.get(f"/care/{eid}/timesheet/2026-03.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, visits, total = rows[0], rows[1:-1], rows[-1]
    assert len(visits) == 9  # every Monday and Thursday in March
    assert (total[7], total[8], total[10]) == _page_totals(page)
    # And the total is the sum of the counted rows.
    counted = [row for row in visits if row[header.index("Counts")] == "yes"]
    assert sum(Decimal(row[header.index("Amount (£)")]) for row in counted) == Decimal(total[10])
    assert [row[0] for row in counted] == ["2026-03-02", "2026-03-05", "2026-03-16", "2026-03-23"]
    assert {row[header.index("Confirmed by")] for row in counted} == {"Rosa"}


def test_a_month_with_nothing_agreed_has_an_empty_timesheet(app, care):
    recipient, provider, eid = care
    page = recipient.get(f"/care/{eid}/timesheet/2025-01").get_data(as_text=True)
    assert _page_totals(page) == ("0 visits", "0.00", "0.00")
    assert recipient.get(f"/care/{eid}/timesheet/2026-13").status_code == 404
    assert recipient.get(f"/care/{eid}/timesheet/march").status_code == 404


def test_a_name_that_starts_like_a_formula_is_text_in_the_timesheet_csv(app, care, clock):
    recipient, provider, eid = care
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "rosa@example.com")).name = "=HYPERLINK(1)"
        db.session.commit()
    set_today(clock, date(2026, 3, 2))
    agreed(app, eid, date(2026, 3, 2), {0: ("09:00", "10:00")})
    _day(clock, provider, recipient, eid, date(2026, 3, 2), _came("09:00", "10:00"), "kept")
    rows = list(csv.reader(io.StringIO(recipient.get(f"/care/{eid}/timesheet/2026-03.csv").get_data(as_text=True))))
    assert rows[1][rows[0].index("Confirmed by")] == "'=HYPERLINK(1)"
