"""Welsh for the public and recipient journeys (issue 26, item 4): search, the profile, compare, the shortlist and
enquiries. Each page in Welsh for a visitor with the ``lang=cy`` cookie, and in English for everyone else."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.reviews.models import Enquiry
from tests.conftest import ENQUIRY_DETAILS, approve_checks
from tests.families import conftest as families
from tests.html_forms import main_text, parse, text
from tests.reviews import conftest as reviews

listed, daughter = reviews.listed, families.daughter


def _welsh(client) -> None:
    client.set_cookie("lang", "cy", domain="registry.test")


def _title(page: str) -> str:
    return text(parse(page).xpath("//title")[0])


# -- search


def test_a_welsh_visitor_searches_in_welsh(client, listed):
    _welsh(client)
    response = client.get("/search", query_string={"postcode": "LS6 2AA", "service": "personal-care"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    body = main_text(page)
    assert _title(page).startswith("1 darparwr ger LS6 2AA ar gyfer ")
    assert "· Chwilio" in _title(page)
    for welsh in (
        "Dod o hyd i ofal yn agos atoch",
        "1 darparwr yn cwmpasu LS6 2AA",
        "Cynorthwyydd personol",
        "Cod post",
    ):
        assert welsh in body
    assert "Kim Lewis" in body
    tree = parse(page)
    assert "Dydd Llun" in tree.xpath('//select[@id="day"]/option/text()')
    assert "Y cyfatebiad gorau" in [text(o) for o in tree.xpath('//select[@id="sort"]/option')]
    assert text(tree.xpath('//form[contains(@class, "search-form")]//button[@type="submit"]')[0]) == "Chwilio"
    for english in ("Find care near you", "provider covers", "Personal assistant", "Sort by"):
        assert english not in body


def test_an_english_visitor_searches_in_english(client, listed):
    page = client.get("/search", query_string={"postcode": "LS6 2AA", "service": "personal-care"}).get_data(
        as_text=True
    )
    assert _title(page).startswith("1 provider near LS6 2AA for ")
    body = main_text(page)
    for english in ("Find care near you", "1 provider covers LS6 2AA", "Personal assistant", "Sort by"):
        assert english in body
    assert "Dod o hyd i ofal" not in body


def test_a_welsh_search_that_finds_nobody_says_so_in_welsh(client, listed):
    _welsh(client)
    body = main_text(client.get("/search", query_string={"postcode": "SW1A 1AA", "radius": "5"}).get_data(as_text=True))
    assert "Nid oes darparwr wedi’i ddilysu yn cwmpasu SW1A 1AA o fewn 5 milltir" in body
    assert "Chwilio o fewn 50 milltir" in body
    assert "Kim Lewis" not in body


@pytest.mark.parametrize("params", [{"postcode": "not a postcode"}, {"postcode": "LS6 2AA", "radius": "lots"}])
def test_a_welsh_search_with_garbage_gets_a_400_with_the_summary_in_welsh(client, listed, params):
    _welsh(client)
    response = client.get("/search", query_string=params)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert text(parse(page).xpath('//*[@id="error-summary-title"]')[0]) == "Mae problem gyda’ch chwiliad"
    assert "Kim Lewis" not in main_text(page)


# -- the public profile


def test_a_welsh_visitor_reads_the_profile_in_welsh(client, listed):
    _welsh(client)
    response = client.get(f"/providers/{listed}")
    assert response.status_code == 200
    body = main_text(response.get_data(as_text=True))
    for welsh in (
        "Cynorthwyydd personol",
        "Wedi’i wirio gan swyddog diogelu",
        "Prisiau",
        "Argaeledd",
        "Dydd Llun",
        "Dibynadwyedd, o’r cofnodion",
        "Llai na",
        "Dim adolygiadau eto.",
        "Mewngofnodwch i anfon ymholiad",
        "i weld y manylion cyswllt.",
    ):
        assert welsh in body, welsh
    for english in (
        "Checked by a safeguarding officer",
        "Availability",
        "Monday",
        "No reviews yet",
        "Sign in to enquire",
    ):
        assert english not in body, english


def test_an_english_visitor_reads_the_profile_in_english(client, listed):
    body = main_text(client.get(f"/providers/{listed}").get_data(as_text=True))
    for english in (
        "Personal assistant",
        "Checked by a safeguarding officer",
        "Availability",
        "Monday",
        "No reviews yet.",
    ):
        assert english in body, english
    assert "Argaeledd" not in body


# -- the shortlist and compare


@pytest.fixture
def two_saved(app, make_provider, daughter):
    """Two listed providers on Sara's shortlist, saved through the buttons: their slugs."""
    slugs = [make_provider("pa", name="Kim Lewis"), make_provider("organisation", name="Kirkstall Care")]
    for slug in slugs:
        approve_checks(app, slug)
        assert daughter.post(f"/shortlist/{slug}").status_code == 302
    return slugs


def test_saving_to_the_shortlist_says_so_in_welsh(app, make_provider, daughter):
    slug = make_provider("pa", name="Kim Lewis")
    approve_checks(app, slug)
    _welsh(daughter)
    search = daughter.get("/search", query_string={"postcode": "LS6 2AA"}).get_data(as_text=True)
    (button,) = parse(search).xpath('//form[@class="shortlist-form"]//button')
    assert text(button) == "Cadw ar y rhestr fer: Kim Lewis"
    response = daughter.post(f"/shortlist/{slug}", data={"next": "/shortlist"}, follow_redirects=True)
    body = main_text(response.get_data(as_text=True))
    assert "Mae Kim Lewis wedi’i gadw ar eich rhestr fer." in body
    assert "Eich rhestr fer" in body


def test_the_shortlist_and_compare_in_welsh(daughter, two_saved):
    _welsh(daughter)
    body = main_text(daughter.get("/shortlist").get_data(as_text=True))
    for welsh in ("Eich rhestr fer", "Cymharu’r darparwyr a diciwyd gennych", "Gofyn i’r darparwyr hyn", "Sefydliad"):
        assert welsh in body, welsh
    assert "Your shortlist" not in body

    page = daughter.get("/shortlist/compare?" + urlencode([("provider", s) for s in two_saved]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _title(html).startswith("Cymharu 2 darparwr")
    headings = parse(html).xpath('//section[contains(@class, "compare-column")]//h3/text()')
    assert {"Pwy", "Sgôr", "Beth a wiriwyd", "Ble", "Ieithoedd", "Ar gael"} <= set(headings)
    assert "Who" not in headings


def test_compare_with_one_ticked_is_refused_in_welsh_and_english(daughter, two_saved):
    query = "/shortlist/compare?" + urlencode([("provider", two_saved[0])])
    english = daughter.get(query)
    assert english.status_code == 422
    assert "Tick at least 2 providers on your shortlist to compare them." in main_text(english.get_data(as_text=True))
    _welsh(daughter)
    welsh = daughter.get(query)
    assert welsh.status_code == 422
    assert "Ticiwch o leiaf 2 darparwr ar eich rhestr fer i’w cymharu." in main_text(welsh.get_data(as_text=True))


def test_the_shortlist_and_compare_in_english(daughter, two_saved):
    assert "Your shortlist" in main_text(daughter.get("/shortlist").get_data(as_text=True))
    html = daughter.get("/shortlist/compare?" + urlencode([("provider", s) for s in two_saved])).get_data(as_text=True)
    assert _title(html).startswith("Compare 2 providers")
    assert "Who" in parse(html).xpath('//section[contains(@class, "compare-column")]//h3/text()')


# -- enquiries


ASK = {"service": "companionship", **ENQUIRY_DETAILS, "message": "Could someone visit my dad on Tuesdays?"}


def _enquiries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Enquiry))


def test_the_enquiry_form_in_welsh_refuses_in_welsh_and_stores_nothing(app, listed, daughter):
    _welsh(daughter)
    page = daughter.get(f"/providers/{listed}/enquire").get_data(as_text=True)
    assert text(parse(page).xpath("//h1")[0]) == "Anfon ymholiad at Kim Lewis"
    body = main_text(page)
    for welsh in ("Pa ddiwrnodau ac amseroedd?", "Dydd Llun", "Prynhawn", "Faint o oriau’r wythnos?", "Eich neges"):
        assert welsh in body, welsh
    assert "Dydd Mawrth prynhawn" in parse(page).xpath('//input[@value="tue-afternoon"]/@aria-label')
    assert "Your message" not in body

    refused = daughter.post(f"/providers/{listed}/enquire", data={**ASK, "hours_per_week": "lots", "message": ""})
    assert refused.status_code == 422
    errors = main_text(refused.get_data(as_text=True))
    assert "Rhowch faint o oriau’r wythnos fel rhif cyfan, fel 6." in errors
    assert "Ysgrifennwch neges." in errors
    assert _enquiries(app) == 0
    # ...and the same form in English says it in English; a good one is sent.
    daughter.delete_cookie("lang", domain="registry.test")
    english = daughter.post(f"/providers/{listed}/enquire", data={**ASK, "message": ""})
    assert english.status_code == 422
    assert "Write a message." in main_text(english.get_data(as_text=True))
    assert daughter.post(f"/providers/{listed}/enquire", data=ASK).status_code == 302
    assert _enquiries(app) == 1


def test_asking_two_providers_at_once_in_welsh(app, daughter, two_saved):
    _welsh(daughter)
    query = "/shortlist/enquire?" + urlencode([("provider", s) for s in two_saved])
    page = daughter.get(query).get_data(as_text=True)
    assert _title(page).startswith("Gofyn i 2 darparwr")
    assert "Anfon yr ymholiad hwn at bob un ohonyn nhw" in main_text(page)
    response = daughter.post("/shortlist/enquire", data={**ASK, "provider": two_saved}, follow_redirects=True)
    assert response.status_code == 200
    body = main_text(response.get_data(as_text=True))
    assert "Mae eich ymholiad wedi’i anfon" in body and "Anfonwyd at" in body
    assert _enquiries(app) == 2


def test_asking_with_nothing_ticked_is_refused_in_welsh_and_english(app, daughter, two_saved):
    english = daughter.get("/shortlist/enquire")
    assert english.status_code == 422
    assert "Tick the providers on your shortlist you would like to ask" in main_text(english.get_data(as_text=True))
    _welsh(daughter)
    welsh = daughter.get("/shortlist/enquire")
    assert welsh.status_code == 422
    assert "Ticiwch y darparwyr ar eich rhestr fer yr hoffech ofyn iddynt" in main_text(welsh.get_data(as_text=True))
    assert _enquiries(app) == 0
