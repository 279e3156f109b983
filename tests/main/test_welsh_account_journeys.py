"""Welsh for the account pages and the provider's own pages: signing up and in, the password pages, the account,
the dashboard, the profile form and adding checks. Each in Welsh for a visitor with the ``lang=cy`` cookie, and in
English for everyone else."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.accounts.models import TotpFactor, User
from registry.checks.models import Check
from registry.extensions import db
from registry.providers.models import Provider
from registry.providers.services import get_by_slug
from tests.conftest import PASSWORD, approve_checks, signed_in
from tests.html_forms import as_post_data, form_fields, main_text, parse, text
from tests.reviews import conftest as reviews

listed = reviews.listed


def _welsh(client) -> None:
    client.set_cookie("lang", "cy", domain="registry.test")


def _html_lang(page: str) -> str:
    return parse(page).xpath("/html/@lang")[0]


def _h1(page: str) -> str:
    return text(parse(page).xpath("//main//h1")[0])


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


# -- the account pages, signed out


SIGNED_OUT_PAGES = [
    # (path, Welsh heading, a Welsh sentence or label on it, English heading, an English sentence or label on it)
    ("/account/sign-in", "Mewngofnodi", "Cadw fi wedi mewngofnodi ar y ddyfais hon", "Sign in", "Keep me signed in"),
    (
        "/account/sign-up",
        "Ymuno â’r gofrestr",
        "Rwy’n chwilio am ofal (i mi fy hun neu i rywun rwy’n ei gefnogi)",
        "Join the registry",
        "I am looking for care (for myself or someone I support)",
    ),
    (
        "/account/forgot-password",
        "Wedi anghofio eich cyfrinair",
        "Anfonwch ddolen ailosod ataf i",
        "Forgotten your password",
        "Email me a reset link",
    ),
]


@pytest.mark.parametrize("path, welsh_h1, welsh, english_h1, english", SIGNED_OUT_PAGES)
def test_a_welsh_visitor_reads_the_signed_out_account_pages_in_welsh(
    client, path, welsh_h1, welsh, english_h1, english
):
    _welsh(client)
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert _h1(page) == welsh_h1
    assert welsh in main_text(page)
    assert english not in main_text(page)


@pytest.mark.parametrize("path, welsh_h1, welsh, english_h1, english", SIGNED_OUT_PAGES)
def test_an_english_visitor_reads_the_signed_out_account_pages_in_english(
    client, path, welsh_h1, welsh, english_h1, english
):
    page = client.get(path).get_data(as_text=True)
    assert _html_lang(page) == "en-GB"
    assert _h1(page) == english_h1
    assert english in main_text(page)
    assert welsh not in main_text(page)


def test_the_reset_password_page_in_welsh(app, client, make_user):
    email = make_user("recipient")
    with app.app_context():
        token = accounts.make_reset_token(db.session.scalar(select(User).where(User.email == email)))
    _welsh(client)
    page = client.get(f"/account/reset/{token}").get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert _h1(page) == "Dewiswch gyfrinair newydd"
    body = main_text(page)
    assert "Rhowch y cyfrinair newydd eto" in body and "Cadw’r cyfrinair newydd" in body
    refused = client.post(f"/account/reset/{token}", data={"new_password": "short", "confirm": "other"})
    assert refused.status_code == 422
    errors = main_text(refused.get_data(as_text=True))
    assert "Defnyddiwch rhwng 10 a 128 nod." in errors
    assert "Nid yw’r cyfrineiriau’n cyfateb." in errors
    # A link that does not work says so in Welsh.
    broken = client.get("/account/reset/not-a-token", follow_redirects=True)
    assert "Nid yw’r ddolen ailosod hon yn ddilys. Gofynnwch am un newydd." in broken.get_data(as_text=True)


# -- signing up and in through the real forms


GARBAGE_SIGN_UP = {
    "account_type": "astronaut",
    "name": "Visit www.cheap-pills.example now",
    "email": "not an email",
    "password": "short",
    "confirm": "different",
}


def test_a_welsh_sign_up_with_garbage_is_refused_in_welsh_and_stores_nothing(app, client):
    _welsh(client)
    page = client.get("/account/sign-up").get_data(as_text=True)
    data = as_post_data(form_fields(page, action=""))
    data.update({name: [value] for name, value in GARBAGE_SIGN_UP.items()})
    refused = client.post("/account/sign-up", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert _html_lang(html) == "cy"
    assert text(parse(html).xpath('//*[@id="error-summary-title"]')[0]) == "Mae problem"
    errors = main_text(html)
    for welsh in (
        "Rhowch enw heb gyfeiriad gwe na dolen ynddo.",
        "Rhowch gyfeiriad e-bost fel enw@example.com.",
        "Defnyddiwch rhwng 10 a 128 nod.",
        "Nid yw’r cyfrineiriau’n cyfateb.",
    ):
        assert welsh in errors, welsh
    assert "The passwords do not match." not in errors
    assert _users(app) == 0

    # Nothing typed at all: each required field asks for itself in Welsh.
    empty = client.post("/account/sign-up", data={})
    assert empty.status_code == 422
    errors = main_text(empty.get_data(as_text=True))
    for welsh in ("Dewiswch un.", "Rhowch enw.", "Rhowch eich cyfeiriad e-bost.", "Dewiswch gyfrinair."):
        assert welsh in errors, welsh
    assert _users(app) == 0


def test_a_welsh_sign_up_with_a_common_password_is_refused_in_welsh(app, client):
    _welsh(client)
    refused = client.post(
        "/account/sign-up",
        data={
            "account_type": "recipient",
            "name": "Rhys Jones",
            "email": "rhys@example.com",
            "password": "password123",
            "confirm": "password123",
        },
    )
    assert refused.status_code == 422
    assert "Dyma un o’r cyfrineiriau mwyaf cyffredin" in main_text(refused.get_data(as_text=True))
    assert _users(app) == 0


def test_a_welsh_sign_up_that_works_thanks_in_welsh_and_english_in_english(app, client):
    _welsh(client)
    good = {
        "account_type": "pa",
        "name": "Rhys Jones",
        "email": "rhys@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    done = client.post("/account/sign-up", data=good, follow_redirects=True)
    assert done.status_code == 200
    body = done.get_data(as_text=True)
    assert "Diolch. Rydyn ni wedi anfon e-bost at rhys@example.com" in body
    assert _h1(body) == "Mewngofnodi"
    assert _users(app) == 1
    with app.app_context():
        assert db.session.scalar(select(Provider.display_name)) == "Rhys Jones"

    english = app.test_client()
    thanked = english.post("/account/sign-up", data={**good, "email": "sian@example.com"}, follow_redirects=True)
    assert "Thank you. We have sent an email to sian@example.com" in thanked.get_data(as_text=True)


def test_a_welsh_sign_in_with_garbage_is_refused_in_welsh(app, client, make_user):
    email = make_user("recipient", name="Rhys Jones")
    _welsh(client)
    empty = client.post("/account/sign-in", data={"email": "", "password": ""})
    assert empty.status_code == 422
    errors = main_text(empty.get_data(as_text=True))
    assert "Rhowch eich cyfeiriad e-bost." in errors and "Rhowch eich cyfrinair." in errors

    wrong = client.post("/account/sign-in", data={"email": email, "password": "not-the-password"})
    assert wrong.status_code == 422
    assert "Nid yw’r e-bost a’r cyfrinair hwnnw’n cyfateb i gyfrif." in main_text(wrong.get_data(as_text=True))
    assert client.get("/account/").status_code == 302  # still signed out

    english = app.test_client()
    refused = english.post("/account/sign-in", data={"email": email, "password": "not-the-password"})
    assert "That email and password do not match an account." in main_text(refused.get_data(as_text=True))

    signed = client.post("/account/sign-in", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302
    out = client.post("/account/sign-out", follow_redirects=True)
    assert "Rydych chi wedi allgofnodi." in out.get_data(as_text=True)


# -- the account pages, signed in


def test_the_account_page_in_welsh_and_english(app, make_user):
    email = make_user("recipient", name="Rhys Jones")
    rhys = signed_in(app, email)
    english = rhys.get("/account/").get_data(as_text=True)
    assert _h1(english) == "Your account" and f"Signed in as {email}." in main_text(english)

    _welsh(rhys)
    page = rhys.get("/account/").get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert _h1(page) == "Eich cyfrif"
    body = main_text(page)
    for welsh in (f"Wedi mewngofnodi fel {email}.", "Cod post cartref (dewisol)", "Newid eich cyfrinair", "Eich data"):
        assert welsh in body, welsh
    assert "Your account" not in body

    data = as_post_data(form_fields(page, action=""))
    refused = rhys.post("/account/", data={**data, "name": [""], "home_postcode": ["X" * 11]})
    assert refused.status_code == 422
    errors = main_text(refused.get_data(as_text=True))
    assert "Rhowch enw." in errors and "Mae gan god post 8 nod ar y mwyaf." in errors
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == email)) == "Rhys Jones"

    saved = rhys.post("/account/", data={**data, "name": ["Rhys ap Jones"]}, follow_redirects=True)
    assert "Mae eich manylion wedi’u cadw." in saved.get_data(as_text=True)


def test_changing_the_password_in_welsh(app, make_user):
    email = make_user("recipient")
    rhys = signed_in(app, email)
    _welsh(rhys)
    page = rhys.get("/account/password").get_data(as_text=True)
    assert _h1(page) == "Newid eich cyfrinair"
    assert "Cyfrinair presennol" in main_text(page)
    refused = rhys.post(
        "/account/password",
        data={"current_password": "not-it-at-all", "new_password": "brand-new-secret", "confirm": "brand-new-secret"},
    )
    assert refused.status_code == 422
    assert "Nid yw eich cyfrinair presennol yn gywir." in main_text(refused.get_data(as_text=True))
    # The old password still works: nothing changed.
    assert signed_in(app, email).get("/account/").status_code == 200


def test_an_unconfirmed_account_is_asked_to_confirm_in_welsh(app, listed, make_user):
    email = make_user("recipient", email_verified_at=None)
    rhys = signed_in(app, email)
    _welsh(rhys)
    page = rhys.get(f"/providers/{listed}/enquire")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert _h1(html) == "Cadarnhewch eich e-bost yn gyntaf"
    assert f"cadarnhewch mai {email} yw eich cyfeiriad e-bost" in main_text(html)
    assert "Confirm your email first" not in html


# -- the provider's own pages


@pytest.fixture
def kim(app, listed):
    """Kim Lewis, listed, signed in."""
    return signed_in(app, "kim@example.com")


def test_a_welsh_provider_reads_the_dashboard_in_welsh(kim):
    _welsh(kim)
    page = kim.get("/dashboard").get_data(as_text=True)
    assert _html_lang(page) == "cy"
    headings = [text(h) for h in parse(page).xpath("//main//h2")]
    assert {
        "Eich proffil",
        "Eich gwasanaethau a’ch gwiriadau",
        "Eich holl wiriadau",
        "Ymholiadau ac adolygiadau",
    } <= set(headings)
    assert "Your services and checks" not in headings
    body = main_text(page)
    for welsh in ("Statws y proffil:", "Golygu’r proffil", "Ychwanegu gwiriad", "wedi’i restru", "Prawf adnabod"):
        assert welsh in body, welsh
    table = parse(page).xpath("//main//table//th/text()")
    assert ["Gwiriad", "Cyflwynwyd", "Statws"] == table[:3]
    # Dates in Welsh too: "wedi’i gymeradwyo, yn ddilys tan 3 Mawrth 2027".
    assert re.search(rf"yn ddilys tan \d+ ({WELSH_MONTHS}) \d{{4}}", body)


WELSH_MONTHS = "Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr"


def test_an_english_provider_reads_the_dashboard_in_english(kim):
    page = kim.get("/dashboard").get_data(as_text=True)
    headings = [text(h) for h in parse(page).xpath("//main//h2")]
    assert {"Your profile", "Your services and checks", "All your checks"} <= set(headings)
    assert "Profile status:" in main_text(page)
    assert "Eich proffil" not in headings


def test_a_new_welsh_provider_is_told_what_is_missing_in_welsh(app, make_provider):
    make_provider("pa", name="Rhys Jones", complete=False, email="rhys@example.com")
    rhys = signed_in(app, "rhys@example.com")
    _welsh(rhys)
    body = main_text(rhys.get("/dashboard").get_data(as_text=True))
    assert "Cyn bod eich proffil yn gyflawn" in body
    assert "Dewiswch o leiaf un gwasanaeth rydych chi’n ei gynnig." in body
    refused = rhys.post("/dashboard/submit", follow_redirects=True)
    assert "Nid yw eich proffil yn gyflawn eto. Gweler y rhestr isod." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Provider.status)) == "draft"


def _edit_profile(client, **changes):
    page = client.get("/dashboard/profile").get_data(as_text=True)
    data = as_post_data(form_fields(page, action=""))
    data.update({name: [value] for name, value in changes.items()})
    return client.post("/dashboard/profile", data=data)


def test_the_profile_form_in_welsh_refuses_garbage_in_welsh_and_changes_nothing(app, listed, kim):
    _welsh(kim)
    page = kim.get("/dashboard/profile").get_data(as_text=True)
    assert _h1(page) == "Golygu eich proffil"
    body = main_text(page)
    for welsh in (
        "Yr enw a ddangosir i bobl sy’n chwilio am ofal",
        "Prisiau",
        "Pryd rydych chi ar gael",
        "Dim tâl am deithio",
    ):
        assert welsh in body, welsh
    assert text(parse(page).xpath('//form[contains(@class, "profile-form")]//button[@type="submit"]')[0]) == (
        "Cadw’r proffil"
    )

    refused = _edit_profile(
        kim, display_name="", rate_min="lots", travel_radius_miles="900", phone="call me", weekend_uplift="many"
    )
    assert refused.status_code == 422
    errors = main_text(refused.get_data(as_text=True))
    for welsh in (
        "Rhowch enw.",
        "Rhowch swm mewn punnoedd, fel 17.50.",
        "Rhowch nifer cyfan o filltiroedd o 1 i 50.",
        "Rhowch rif ffôn yn y DU, fel 0113 496 0000.",
        "Rhowch rif cyfan o’r cant, fel 20.",
    ):
        assert welsh in errors, welsh
    assert "Enter a name." not in errors
    with app.app_context():
        provider = get_by_slug(listed)
        assert (provider.display_name, provider.travel_radius_miles) == ("Kim Lewis", 10)

    # A rule between prices, in Welsh too.
    refused = _edit_profile(kim, rate_min="20", rate_max="15")
    assert "Ni all y gyfradd uchaf fod yn is na’r gyfradd isaf." in main_text(refused.get_data(as_text=True))
    saved = _edit_profile(kim)
    assert saved.status_code == 302
    assert "Mae eich proffil wedi’i gadw." in kim.get(saved.headers["Location"]).get_data(as_text=True)


def test_the_profile_form_in_english(kim):
    page = kim.get("/dashboard/profile").get_data(as_text=True)
    assert _h1(page) == "Edit your profile"
    assert "Name shown to people looking for care" in main_text(page)
    refused = _edit_profile(kim, display_name="")
    assert "Enter a name." in main_text(refused.get_data(as_text=True))


def test_adding_a_check_in_welsh(app, listed, kim):
    _welsh(kim)
    choose = kim.get("/dashboard/checks/new").get_data(as_text=True)
    assert _html_lang(choose) == "cy"
    assert _h1(choose) == "Ychwanegu gwiriad"
    assert "Dewiswch beth rydych chi’n ei ychwanegu." in main_text(choose)
    assert "Yswiriant atebolrwydd cyhoeddus" in main_text(choose)

    page = kim.get("/dashboard/checks/new?kind=insurance").get_data(as_text=True)
    assert _h1(page) == "Yswiriant atebolrwydd cyhoeddus"
    assert text(parse(page).xpath("//title")[0]).startswith("Ychwanegu eich yswiriant atebolrwydd cyhoeddus")
    body = main_text(page)
    for welsh in (
        "Yswiriwr",
        "Rhif y polisi",
        "Beth sy’n digwydd nesaf",
        "Dim ond swyddogion diogelu sy’n gweld eich dogfen.",
    ):
        assert welsh in body, welsh

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Check))
    refused = kim.post(
        "/dashboard/checks/new?kind=insurance",
        data={"insurer": "Acme", "policy_number": "P1", "cover_pounds": "5000000", "end_date": "2001-01-01"},
    )
    assert refused.status_code == 422
    assert "Mae’r dyddiad hwn wedi mynd heibio’n barod: uwchlwythwch bolisi cyfredol." in main_text(
        refused.get_data(as_text=True)
    )
    empty = kim.post("/dashboard/checks/new?kind=insurance", data={"cover_pounds": "lots"})
    assert empty.status_code == 422
    errors = main_text(empty.get_data(as_text=True))
    for welsh in ("Rhowch yr yswiriwr.", "Rhowch rif y polisi.", "Rhowch ddyddiad diwedd y polisi fel dyddiad."):
        assert welsh in errors, welsh
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Check)) == before

    kim.delete_cookie("lang", domain="registry.test")
    english = kim.get("/dashboard/checks/new?kind=insurance").get_data(as_text=True)
    assert "What happens next" in main_text(english)


def test_the_status_checks_page_in_welsh(app, make_provider):
    slug = make_provider("pa", name="Rhys Jones", email="rhys@example.com")
    approve_checks(app, slug)
    with app.app_context():
        check_id = next(c.id for c in get_by_slug(slug).checks if c.kind == "dbs")
    rhys = signed_in(app, "rhys@example.com")
    _welsh(rhys)
    page = rhys.get(f"/dashboard/checks/{check_id}/status-checks").get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert _h1(page) == "Gwiriadau statws Gwasanaeth Diweddaru DBS"
    assert "Yn ôl i’ch dangosfwrdd" in main_text(page)
    assert "Back to your dashboard" not in main_text(page)


# -- a member of staff's second factor


def test_a_welsh_officer_sets_up_the_second_factor_in_welsh(app, client, make_user):
    email = make_user("officer", name="Sara Bowen")
    _welsh(client)
    signed = client.post("/account/sign-in", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302
    page = client.get("/account/second-factor/enrol").get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert _h1(page) == "Gosod eich ail ffactor"
    body = main_text(page)
    assert "Defnyddio ap dilysu" in body and "Sganiwch y cod QR hwn, neu teipiwch yr allwedd isod." in body
    assert "Use an authenticator app" not in body

    for garbage, welsh in (
        ("", "Rhowch y cod 6 digid o’ch ap dilysu."),
        ("12345", "Nid yw’r cod hwnnw’n gywir. Gwiriwch fod yr ap yn dangos Trusted Care Registry"),
    ):
        refused = client.post("/account/second-factor/enrol", data={"code": garbage})
        assert refused.status_code == 422
        assert welsh in main_text(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TotpFactor)) == 0
    assert client.get("/officer/queue").status_code in (302, 303)  # still not signed in
