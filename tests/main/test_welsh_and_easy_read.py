"""Welsh and Easy Read (issue 26, item 4): a language switch that keeps the page, Welsh pages, Easy Read pages."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from registry.extensions import db
from registry.i18n import local_date
from registry.providers.models import Provider
from registry.reviews.models import Review
from registry.safeguarding.models import Concern
from tests.conftest import signed_in
from tests.factories import ProviderFactory
from tests.html_forms import as_post_data, form_fields, main_text, parse, text
from tests.reviews import conftest as reviews

# Kim Lewis, a listed PA (her slug); Rosa, whom she supports (the reviews' fixtures).
listed, engaged, GOOD = reviews.listed, reviews.engaged, reviews.GOOD
ROOT = Path(__file__).resolve().parent.parent.parent
PO = ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


@pytest.fixture
def draft(app):
    """A profile never submitted: nobody may see its name."""
    with app.app_context():
        hidden = ProviderFactory(draft=True, display_name="Hidden Draft")
        slug = hidden.slug
        db.session.commit()
    return slug


def _welsh(client) -> None:
    client.set_cookie("lang", "cy", domain="registry.test")


def _html_lang(page: str) -> str:
    return parse(page).xpath("/html/@lang")[0]


def _switch(page: str) -> tuple[str, str]:
    """The header's language switch: its link text and where it goes."""
    (link,) = parse(page).xpath('//nav[@aria-label="Language" or @aria-label="Iaith"]//a')
    return text(link), link.get("href")


# -- the switch


def test_the_switch_comes_back_to_the_same_page_and_query_in_welsh(client):
    page = client.get("/how-it-works?from=home&x=1#score").get_data(as_text=True)
    label, href = _switch(page)
    assert label == "Cymraeg"
    assert parse_qs(urlsplit(href).query) == {"lang": ["cy"], "next": ["/how-it-works?from=home&x=1"]}

    switched = client.get(href)
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/how-it-works?from=home&x=1"
    again = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert _html_lang(again) == "cy"
    assert "Y sgôr allan o 10" in main_text(again)
    # ...and back: the switch now offers English, to the same page.
    label, href = _switch(again)
    assert label == "English"
    back = client.get(href)
    assert back.headers["Location"] == "/how-it-works?from=home&x=1"
    assert _html_lang(client.get("/how-it-works").get_data(as_text=True)) == "en-GB"


def test_the_switch_link_carries_the_search_query_with_its_repeated_parameters(client):
    page = client.get("/search?postcode=LS6+2AA&language=cy&language=bsl").get_data(as_text=True)
    _, href = _switch(page)
    (back,) = parse_qs(urlsplit(href).query)["next"]
    assert back == "/search?postcode=LS6+2AA&language=cy&language=bsl"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_switch_never_leaves_the_site(client, target):
    response = client.get("/language", query_string={"lang": "cy", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("code", ["xx", "CY", "", "cy\x00", "e" * 3000, "../en"])
def test_a_language_we_do_not_have_is_ignored(client, code):
    response = client.get("/language", query_string={"lang": code, "next": "/help"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/help"
    assert not any(h.startswith("lang=") for h in response.headers.getlist("Set-Cookie"))
    # The same value in the cookie itself: English, no error.
    client.set_cookie("lang", code, domain="registry.test")
    page = client.get("/help")
    assert page.status_code == 200
    assert _html_lang(page.get_data(as_text=True)) == "en-GB"
    assert "Common questions" in main_text(page.get_data(as_text=True))


def test_the_choice_is_kept_in_a_lang_cookie_the_cookie_page_names(client):
    response = client.get("/language?lang=cy&next=/cookies")
    (cookie,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    assert cookie.startswith("lang=cy;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/cookies").get_data(as_text=True)
    assert "lang" in parse(page).xpath("//main//table//code/text()")


# -- Accept-Language


@pytest.mark.parametrize("header", ["cy", "cy-GB,cy;q=0.9,en;q=0.5", "fr,cy;q=0.8"])
def test_a_browser_that_asks_for_welsh_gets_welsh(client, header):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert "Dewch o hyd i ofal y gallwch ymddiried ynddo" in main_text(page)


@pytest.mark.parametrize("header", ["", "fr", "en-GB,en;q=0.9", "garbage;;q=x,,"])
def test_otherwise_the_page_is_english(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _html_lang(page) == "en-GB"
    assert "Find care you can trust, near you" in main_text(page)


def test_the_visitors_choice_beats_the_browsers(client):
    client.set_cookie("lang", "en", domain="registry.test")
    page = client.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert _html_lang(page) == "en-GB"


def test_pages_say_they_vary_by_language(client):
    vary = client.get("/help").headers["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


# -- Welsh pages

WELSH_PAGES = {
    "/": ["Dewch o hyd i ofal y gallwch ymddiried ynddo, yn agos atoch chi", "Mathau o help", "Eich cod post"],
    "/how-it-works": ["Y sgôr allan o 10", "Sut mae “Cyfateb orau” yn trefnu’r canlyniadau", "Gwiriad pwy ydyw"],
    "/what-our-checks-mean": [
        "Beth mae ein gwiriadau’n ei olygu",
        "Y person yw pwy maen nhw’n dweud ydyn nhw.",  # the plain words of proof of identity
        "Rhestrau gwahardd",
        "Prawf adnabod",  # the kind's name
    ],
    "/help": ["Cwestiynau cyffredin", "Os oes rhywun mewn perygl nawr", "Rwyf wedi anghofio fy nghyfrinair"],
    "/how-it-works/easy-read": ["Sut mae’r wefan hon yn gweithio", "[Llun: swyddog yn edrych ar bapurau]"],
    "/what-our-checks-mean/easy-read": ["Rhestr gwahardd", "[Llun: person yn dangos cerdyn adnabod]"],
    "/report-a-concern/easy-read": ["Sut i godi pryder", "Os oes rhywun mewn perygl nawr, ffoniwch 999."],
    "/privacy": [
        "Hysbysiad preifatrwydd",
        "Gweler ein dogfen bolisi briodol",
        "Dolenni ailosod cyfrinair",  # a row of the retention schedule (built in Python)
        "Yn gweithio am 1 awr",  # ...with its figure in Welsh
    ],
    "/cookies": ["Cwcis hanfodol", "Pan fyddwch chi’n cau eich porwr", "mae’n cofio’r iaith a ddewisoch chi"],
    "/accessibility": [
        "chwyddo hyd at 400% heb i destun lifo oddi ar y sgrin",  # a literal % survives translation
        "Cafodd y datganiad hwn ei baratoi ar 23 Tachwedd 2026.",  # the date in Welsh
    ],
}


@pytest.mark.parametrize("path", WELSH_PAGES)
def test_a_welsh_visitor_reads_each_page_in_welsh(client, path):
    english = client.get(path).get_data(as_text=True)
    _welsh(client)
    page = client.get(path).get_data(as_text=True)
    assert _html_lang(page) == "cy"
    words = " ".join(text(e) for e in parse(page).xpath("//body"))
    for welsh in WELSH_PAGES[path]:
        welsh = welsh.replace("“", '"').replace("”", '"')
        assert welsh in words
        assert welsh not in english  # the control: the English page does not say it
    assert "Neidio i’r cynnwys" in words and "Help a chysylltu" in words  # skip link and footer


def test_the_page_not_found_is_welsh_too(client):
    _welsh(client)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Heb ddod o hyd i’r dudalen" in main_text(response.get_data(as_text=True))


def test_the_concern_form_in_welsh_refuses_in_welsh_and_thanks_in_welsh(app, client, listed):
    _welsh(client)
    page = client.get(f"/providers/{listed}/concern").get_data(as_text=True)
    assert "Rhoi gwybod am bryder am Kim Lewis" in main_text(page)
    assert "Pa mor ddifrifol yw e?" in main_text(page)
    assert "Mae rhywun mewn perygl nawr" in main_text(page)  # a severity, in Welsh
    data = as_post_data(form_fields(page, action=""))

    refused = client.post(f"/providers/{listed}/concern", data={**data, "severity": ["worried"], "text": [""]})
    assert refused.status_code == 422
    assert "Dywedwch wrthym beth ddigwyddodd neu beth sy’n eich poeni." in main_text(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Concern)) == 0

    sent = client.post(
        f"/providers/{listed}/concern",
        data={**data, "severity": ["worried"], "text": ["Nid yw hi wedi dod ers wythnos."]},
        follow_redirects=True,
    )
    assert "Diolch. Bydd swyddog diogelu yn edrych ar eich pryder." in sent.get_data(as_text=True)
    with app.app_context():
        concern = db.session.scalar(select(Concern))
        assert (concern.severity, concern.severity_label) == ("worried", "I am worried something is wrong")


def test_the_review_form_in_welsh(app, engaged):
    rosa, _, engagement_id = engaged
    rosa.set_cookie("lang", "cy", domain="registry.test")
    url = f"/engagements/{engagement_id}/review"
    whole = rosa.get(url).get_data(as_text=True)
    assert [text(a) for a in parse(whole).xpath('//a[@class="home-link"]')] == ["Dod o hyd i ofal"]  # her own page
    page = main_text(whole)
    assert "Adolygu Kim Lewis" in page
    assert "Dibynadwyedd a phrydlondeb" in page and "1 yw gwael iawn, 5 yw ardderchog." in page
    assert "Gwell gen i beidio â dweud" in page and "1 i 3 blynedd" in page

    refused = rosa.post(url, data={**GOOD, "reliability": ""})
    assert refused.status_code == 422
    assert "Rhowch sgôr o 1 i 5 ar gyfer dibynadwyedd a phrydlondeb." in main_text(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 0

    sent = rosa.post(url, data=GOOD, follow_redirects=True)
    assert "Diolch am eich adolygiad." in sent.get_data(as_text=True)
    assert "Golygu eich adolygiad o Kim Lewis" in main_text(rosa.get(url).get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(Review.title)) == GOOD["title"]


@pytest.mark.parametrize("header, expected", [("cy", "3 Mawrth 2026"), ("en-GB", "3 March 2026"), ("", "3 March 2026")])
def test_dates_follow_the_language(app, header, expected):
    with app.test_request_context(headers={"Accept-Language": header}):
        assert local_date(date(2026, 3, 3)) == expected
        assert local_date(None) == ""


# -- a provider's own words in Welsh


def _edit_profile(client, **changes):
    page = client.get("/dashboard/profile").get_data(as_text=True)
    data = as_post_data(form_fields(page, action=""))
    data.update({name: [value] for name, value in changes.items()})
    return client.post("/dashboard/profile", data=data)


WELSH_ABOUT = "Rwy’n helpu pobl hŷn gartref gyda gofal personol a chwmni, yn dawel ac yn garedig."


def test_a_provider_gives_its_about_text_in_welsh_and_welsh_readers_see_it(app, client, listed):
    kim = signed_in(app, "kim@example.com")
    form = parse(kim.get("/dashboard/profile").get_data(as_text=True))
    (box,) = form.xpath('//textarea[@name="about_cy"]')
    assert box.get("lang") == "cy"
    assert text(form.xpath(f'//label[@for="{box.get("id")}"]')[0]) == "About you in Welsh (optional)"

    assert _edit_profile(kim, about_cy=WELSH_ABOUT).status_code == 302
    english = main_text(client.get(f"/providers/{listed}").get_data(as_text=True))
    assert "I support older people at home" in english and WELSH_ABOUT not in english
    _welsh(client)
    welsh = parse(client.get(f"/providers/{listed}").get_data(as_text=True))
    (about,) = welsh.xpath('//p[@class="about" and @lang="cy"]')
    assert text(about) == WELSH_ABOUT
    assert "I support older people at home" not in text(welsh.xpath("//main")[0])

    # Saving unchanged keeps it; emptying it brings the English back for Welsh readers.
    assert _edit_profile(kim).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Provider.about_cy).where(Provider.slug == listed)) == WELSH_ABOUT
    assert _edit_profile(kim, about_cy="").status_code == 302
    assert "I support older people at home" in main_text(client.get(f"/providers/{listed}").get_data(as_text=True))


def test_welsh_about_text_too_long_is_refused_and_nothing_changes(app, listed):
    kim = signed_in(app, "kim@example.com")
    refused = _edit_profile(kim, about_cy="a" * 4001)
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Provider.about_cy).where(Provider.slug == listed)) == ""


# -- the catalog


def _catalog(path: Path = PO):
    with path.open("rb") as handle:
        return read_po(handle, locale="cy") if path.suffix == ".po" else read_mo(handle)


def _key(message_id) -> str:
    """A message's msgid (a plural one by its singular)."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _pairs(catalog) -> dict:
    return {_key(m.id): tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string for m in catalog if m.id}


def test_the_welsh_catalog_has_every_message_translated_and_none_fuzzy():
    catalog = _catalog()
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]
    assert untranslated == []
    assert not catalog.fuzzy
    # Placeholders kept: babel's own checks (python-format ones among them) find nothing.
    assert [(m.id, errors) for m, errors in catalog.check()] == []


def test_every_string_marked_in_the_code_is_in_the_catalog():
    """The catalog is up to date: extracting again (as `make translations` does) finds nothing new."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
    marked = {_key(message[2]) for message in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}
    assert marked - set(_pairs(_catalog())) == set()


def test_the_committed_mo_is_the_po_compiled():
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    compiled.seek(0)
    assert _pairs(_catalog(MO)) == _pairs(read_mo(compiled))
    assert len(_pairs(_catalog(MO))) == len(_pairs(_catalog()))


# -- Easy Read

EASY_READ = {
    "/how-it-works": "/how-it-works/easy-read",
    "/what-our-checks-mean": "/what-our-checks-mean/easy-read",
}


@pytest.mark.parametrize("standard, easy", EASY_READ.items())
def test_each_easy_read_page_is_linked_from_its_standard_page_and_back(client, standard, easy):
    page = client.get(standard).get_data(as_text=True)
    assert easy in parse(page).xpath('//main//a[normalize-space()="Easy Read version"]/@href')
    easy_page = client.get(easy)
    assert easy_page.status_code == 200
    assert standard in parse(easy_page.get_data(as_text=True)).xpath('//main//p[@class="easy-read-other"]/a/@href')


@pytest.mark.parametrize("path", [*EASY_READ.values(), "/report-a-concern/easy-read"])
def test_easy_read_is_one_idea_a_line_with_each_picture_described(client, path):
    page = parse(client.get(path).get_data(as_text=True))
    steps = page.xpath('//ol[@class="easy-read-steps"]/li')
    assert len(steps) >= 6
    for step in steps:
        (picture,) = step.xpath('./p[@class="picture-described"]')
        assert re.fullmatch(r"\[Picture: [a-z][^\]]+\]", text(picture))
    lines = [text(p) for p in page.xpath('//ol[@class="easy-read-steps"]/li/p[not(@class)]')]
    assert lines and max(len(line.split()) for line in lines) <= 15  # short sentences, one a line


def test_the_concern_form_links_to_easy_read_and_easy_read_back_to_that_form(client, listed):
    form = client.get(f"/providers/{listed}/concern").get_data(as_text=True)
    (easy,) = parse(form).xpath('//main//a[normalize-space()="Easy Read version"]/@href')
    assert easy == f"/report-a-concern/easy-read?provider={listed}"
    page = parse(client.get(easy).get_data(as_text=True))
    (back,) = page.xpath('//p[@class="easy-read-other"]/a')
    assert back.get("href") == f"/providers/{listed}/concern"
    assert text(back) == "Standard version: report a concern about Kim Lewis"


@pytest.mark.parametrize("provider", ["", "no-such-provider", "Robert'); DROP TABLE providers;--", "x\x00y", "a" * 500])
def test_easy_read_concern_without_a_provider_we_can_name_links_to_help(client, provider):
    response = client.get("/report-a-concern/easy-read", query_string={"provider": provider})
    assert response.status_code == 200
    (back,) = parse(response.get_data(as_text=True)).xpath('//p[@class="easy-read-other"]/a/@href')
    assert back == "/help"


def test_easy_read_concern_never_names_a_draft(client, draft):
    page = client.get("/report-a-concern/easy-read", query_string={"provider": draft}).get_data(as_text=True)
    assert "Hidden Draft" not in page
    assert parse(page).xpath('//p[@class="easy-read-other"]/a/@href') == ["/help"]


def test_a_page_keeps_to_its_language_and_force_locale_still_switches_it(app):
    """Templates find the request's catalog once (registry.i18n.request_translations): a Welsh request stays
    Welsh for every message, an English one English, and Flask-Babel's force_locale (an email in another
    language mid-request) switches it and back."""
    from flask import render_template_string
    from flask_babel import force_locale

    message = "{{ _('Find care') }}"
    with app.test_request_context("/", headers={"Cookie": "lang=cy"}):
        first = render_template_string(message)
        with force_locale("en"):
            forced = render_template_string(message)
        after = render_template_string(message)
    with app.test_request_context("/", headers={"Accept-Language": "en-GB"}):
        english = render_template_string(message + " " + message)
    assert (first, forced, after) == ("Dod o hyd i ofal", "Find care", "Dod o hyd i ofal")
    assert english == "Find care Find care"
