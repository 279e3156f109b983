import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.providers.models import Provider
from tests.conftest import PASSWORD, approve_checks


def _profile_form(**overrides):
    data = {
        "display_name": "Ceri Morgan",
        "about": "I support older people at home with personal care and companionship.",
        "services": ["personal-care", "companionship"],
        "base_postcode": "ls6 2aa",
        "travel_radius_miles": "10",
        "rate_min": "18.50",
        "rate_max": "22",
        "languages": ["en", "bsl"],
        "availability": ["mon-morning", "sat-evening"],
        "phone": "0113 496 0000",
        "contact_email": "ceri@example.com",
        "gender": "female",
        "years_experience": "7",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _snapshot(app, slug):
    """Everything a profile edit can change, to prove a rejected post changed nothing."""
    with app.app_context():
        p = db.session.scalar(select(Provider).where(Provider.slug == slug))
        return (
            p.display_name,
            p.about,
            p.base_postcode,
            p.outcode,
            p.travel_radius_miles,
            p.rate_min_pence,
            p.rate_max_pence,
            p.availability,
            p.phone,
            p.contact_email,
            p.gender,
            p.years_experience,
            tuple(t.slug for t in p.service_types),
            tuple(p.languages),
        )


@pytest.fixture
def pa(app, client, make_user):
    response = client.post(
        "/account/sign-up",
        data={
            "account_type": "pa",
            "name": "Ceri Morgan",
            "email": "ceri@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    # Sign-up does not sign in (it answers alike for taken emails); the password does.
    assert client.post("/account/sign-in", data={"email": "ceri@example.com", "password": PASSWORD}).status_code == 302
    return "ceri-morgan"


def test_dashboard_lists_what_is_missing_until_the_profile_is_complete(client, pa):
    page = client.get("/dashboard")
    assert b"Choose at least one service" in page.data
    assert b"Add your base postcode" in page.data
    assert b"Submit profile" not in page.data


def test_provider_completes_and_submits_the_profile(app, client, pa):
    response = client.post("/dashboard/profile", data=_profile_form())
    assert response.status_code == 302
    with app.app_context():
        p = db.session.scalar(select(Provider))
        assert (p.base_postcode, p.outcode) == ("LS6 2AA", "LS6")
        assert (p.rate_min_pence, p.rate_max_pence) == (1850, 2200)
        assert p.languages == ["bsl", "en"]
        assert p.availability_slots == ["mon-morning", "sat-evening"]
    page = client.get("/dashboard")
    assert b"Submit profile" in page.data
    client.post("/dashboard/submit")
    with app.app_context():
        assert db.session.scalar(select(Provider.status)) == "submitted"


def test_submitting_an_incomplete_profile_is_refused(app, client, pa):
    response = client.post("/dashboard/submit", follow_redirects=True)
    assert b"not complete yet" in response.data
    with app.app_context():
        assert db.session.scalar(select(Provider.status)) == "draft"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"display_name": ""}, "display_name", "Enter a name."),
        ({"display_name": "x" * 121}, "display_name", "at most 120 characters"),
        ({"about": "x" * 4001}, "about", "at most 4,000 characters"),
        ({"base_postcode": "nowhere"}, "base_postcode", "is not a UK postcode"),
        ({"base_postcode": "ZZ9 9ZZ"}, "base_postcode", "know the postcode district ZZ9"),
        ({"travel_radius_miles": "0"}, "travel_radius_miles", "from 1 to 50"),
        ({"travel_radius_miles": "51"}, "travel_radius_miles", "from 1 to 50"),
        ({"travel_radius_miles": "-3"}, "travel_radius_miles", "from 1 to 50"),
        ({"travel_radius_miles": "ten"}, "travel_radius_miles", "Not a valid integer value"),
        ({"rate_min": "-5"}, "rate_min", "between £1 and £500"),
        ({"rate_min": "25", "rate_max": "20"}, "rate_max", "cannot be below the lower rate"),
        ({"rate_max": "99999"}, "rate_max", "between £1 and £500"),
        ({"rate_min": "", "rate_max": "20"}, "rate_min", "Enter the lower rate too."),
        ({"services": ["not-a-service"]}, "services", "not a valid choice"),
        ({"languages": ["klingon"]}, "languages", "not a valid choice"),
        ({"availability": ["someday-morning"]}, "availability", "not a valid choice"),
        ({"phone": "call me"}, "phone", "Enter a UK phone number"),
        ({"contact_email": "nope"}, "contact_email", "Enter an email address like"),
        ({"gender": "unknown"}, "gender", "Not a valid choice"),
        ({"years_experience": "200"}, "years_experience", "from 0 to 70"),
    ],
)
def test_bad_profile_input_is_refused_next_to_the_field_and_changes_nothing(app, client, pa, overrides, field, message):
    client.post("/dashboard/profile", data=_profile_form())
    before = _snapshot(app, pa)
    response = client.post("/dashboard/profile", data=_profile_form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message.lower() in page.lower().replace("&#39;", "'")
    assert 'class="field has-error"' in page
    assert _snapshot(app, pa) == before


def test_html_in_the_profile_is_stored_as_text_and_shown_escaped(app, client, pa):
    about = "<script>alert('x')</script> I am kind and reliable, with ten years of experience."
    client.post("/dashboard/profile", data=_profile_form(about=about))
    client.post("/dashboard/submit")
    page = client.get(f"/providers/{pa}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    with app.app_context():
        assert db.session.scalar(select(Provider.about)) == about


def test_public_profile_shows_the_district_but_never_the_postcode_or_contact_to_visitors(app, make_provider):
    slug = make_provider("pa", name="Ceri Morgan", base_postcode="LS6 2AA", phone="0113 496 0000")
    approve_checks(app, slug)
    visitor = app.test_client()
    page = visitor.get(f"/providers/{slug}").get_data(as_text=True)
    assert "LS6" in page
    assert "LS6 2AA" not in page and "2AA" not in page
    assert "0113 496 0000" not in page and "ceri@example.com" not in page
    assert "Sign in</a> to see contact details" in page


def test_signed_in_visitors_see_contact_details_of_a_listed_provider(app, make_provider, make_user):
    slug = make_provider("pa", name="Ceri Morgan", phone="0113 496 0000")
    approve_checks(app, slug)
    email = make_user("recipient")
    client = app.test_client()
    client.post("/account/sign-in", data={"email": email, "password": PASSWORD})
    page = client.get(f"/providers/{slug}").get_data(as_text=True)
    assert "0113 496 0000" in page
    assert "LS6 2AA" not in page


def test_draft_profiles_have_no_public_page(app, make_provider):
    slug = make_provider("pa", complete=False)
    assert app.test_client().get(f"/providers/{slug}").status_code == 404
    assert app.test_client().get("/providers/no-such-provider").status_code == 404


def test_slugs_are_readable_and_unique(make_provider):
    first = make_provider("organisation", name="Sunrise Care Leeds")
    second = make_provider("organisation", name="Sunrise Care Leeds")
    assert first == "sunrise-care-leeds"
    assert second == "sunrise-care-leeds-2"


def test_a_recipient_cannot_open_the_provider_dashboard(client, auth, make_user):
    auth.sign_in(make_user("recipient"))
    assert client.get("/dashboard").status_code == 403
    assert client.post("/dashboard/profile", data=_profile_form()).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/dashboard/profile")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_a_provider_can_only_edit_its_own_profile(app, client, make_provider):
    other = make_provider("pa", name="Other Person")
    before = _snapshot(app, other)
    mine = make_provider("pa", name="Me Myself", email="me@example.com")
    client.post("/account/sign-in", data={"email": "me@example.com", "password": PASSWORD})
    client.post("/dashboard/profile", data=_profile_form(display_name="Hijacked"))
    assert _snapshot(app, other) == before
    assert _snapshot(app, mine)[0] == "Hijacked"


def test_organisation_fields(app, client):
    client.post(
        "/account/sign-up",
        data={
            "account_type": "organisation",
            "name": "Sunrise",
            "email": "s@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    client.post("/account/sign-in", data={"email": "s@example.com", "password": PASSWORD})
    bad = client.post("/dashboard/profile", data=_profile_form(cqc_provider_id="ABC", website="javascript:alert(1)"))
    assert bad.status_code == 422
    assert b"A CQC provider ID looks like" in bad.data and b"starting with https://" in bad.data
    ok = client.post(
        "/dashboard/profile", data=_profile_form(cqc_provider_id="1-101234567", website="https://sunrise.example")
    )
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Provider.cqc_provider_id)) == "1-101234567"


@pytest.mark.parametrize("kind", ["pa", "organisation"])
def test_saving_the_profile_form_unchanged_changes_nothing_and_keeps_the_listing(app, client, make_provider, kind):
    from tests.conftest import approve_checks
    from tests.html_forms import as_post_data, form_fields

    slug = make_provider(
        kind,
        name="Ceri Morgan",
        email="ceri@example.com",
        languages=["en", "bsl"],
        cqc_provider_id="1-101234567" if kind == "organisation" else None,
    )
    approve_checks(app, slug)
    before = _snapshot(app, slug)
    with app.app_context():
        listed_before = [
            (s.service_type.slug, s.listed)
            for s in db.session.scalar(select(Provider).where(Provider.slug == slug)).services
        ]
    assert all(listed for _, listed in listed_before)
    client.post("/account/sign-in", data={"email": "ceri@example.com", "password": PASSWORD})

    page = client.get("/dashboard/profile").get_data(as_text=True)
    response = client.post("/dashboard/profile", data=as_post_data(form_fields(page, action="")))

    assert response.status_code == 302
    assert _snapshot(app, slug) == before
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == slug))
        assert sorted((s.service_type.slug, s.listed) for s in provider.services) == sorted(listed_before)
        assert provider.status == "listed"


def test_availability_boxes_are_named_by_their_own_day_and_time(client, pa):
    client.post("/dashboard/profile", data=_profile_form(availability=["tue-evening"]))
    page = client.get("/dashboard/profile").get_data(as_text=True)
    assert 'value="tue-evening" aria-label="Tuesday evening"' in page
    assert 'value="sun-overnight" aria-label="Sunday overnight"' in page
    import re

    assert re.search(r'value="tue-evening" aria-label="Tuesday evening"\s+checked', page)
    assert not re.search(r'value="mon-morning"[^>]*checked', page)
