"""A family member arranging care for someone agrees the support and confirms the visits; the provider sees for whom."""

from __future__ import annotations

from datetime import date

from tests.conftest import ENQUIRY_DETAILS, signed_in
from tests.families.conftest import dad, daughter  # noqa: F401  (Sara, and her father on her account)
from tests.html_forms import link_targets
from tests.visits.conftest import agree, set_today


def test_the_family_member_confirms_visits_for_the_person_they_arrange_care_for(app, request, listed, clock):
    sara = request.getfixturevalue("daughter")
    dad_id = request.getfixturevalue("dad")
    sent = sara.post(
        f"/providers/{listed}/enquire",
        data={"service": "companionship", "person": str(dad_id), **ENQUIRY_DETAILS, "message": "For my dad"},
    )
    enquiry = sent.headers["Location"]
    kim = signed_in(app, "kim@example.com")
    assert kim.post(enquiry + "/start").status_code == 302
    # The enquiry page links to the engagement's visits.
    eid = int(link_targets(sara.get(enquiry).get_data(as_text=True), "/care/")[0].split("/")[2])

    set_today(clock, date(2026, 3, 2))
    agree(sara, kim, eid, date(2026, 3, 2), {0: ("09:00", "10:00")}, funding="health-budget")
    kim.post(f"/care/{eid}/visits/2026-03-02/0900/came", data={"came-arrived": "09:00", "came-left": "10:00"})
    assert sara.post(f"/care/{eid}/visits/2026-03-02/0900/confirm", data={"confirm-says": "kept"}).status_code == 302

    page = kim.get(f"/care/{eid}").get_data(as_text=True)
    assert "Supporting Dad (J.S.), arranged by Sara." in page
    assert "Personal health budget" in page
    assert "for Dad (J.S.)" in kim.get("/care").get_data(as_text=True)
    sheet = kim.get(f"/care/{eid}/timesheet/2026-03").get_data(as_text=True)
    assert "<td>Sara</td>" in sheet and 'id="total-amount">16.50<' in sheet
