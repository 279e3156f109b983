"""Each UK nation's regime (issue 20, part 3): the nation follows the postcode district, and the requirements,
forms, badges and words follow the nation.

England: DBS and the CQC. Wales: DBS and Care Inspectorate Wales. Scotland: PVG scheme membership and the
Care Inspectorate. Northern Ireland: AccessNI and RQIA.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.checks import services
from registry.checks.badges import badges, search_badge_codes
from registry.checks.listing import listed_now_among, listed_services_now, requirement_states
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today, utcnow
from registry.nations import Nation, nation_of
from registry.openreferral import ids
from registry.providers import services as providers
from registry.providers.models import Provider
from registry.providers.services import get_by_slug
from registry.uploads import CheckedUpload
from tests.checks.conftest import PDF, add_check, check_count, upload
from tests.conftest import CHECK_DETAILS, approve_checks, complete_profile_data, signed_in

ROOT = Path(__file__).resolve().parents[2]

# Structured fields of believable approved checks of the other nations' kinds.
NATION_DETAILS = {
    "pvg": {"membership_number": "1234567890123456", "workforce": "adults", "scheme_record_date": "2026-01-12"},
    "accessni": {
        "level": "enhanced",
        "barred_lists": "adults",
        "certificate_number": "001234567890",
        "issue_date": "2026-01-12",
    },
    "care_inspectorate": {"registration_id": "CS2003001234"},
    "ciw": {"registration_id": "SIN-00001234-ABCD"},
    "rqia": {"registration_id": "11045"},
}
EVERYWHERE = ("identity", "right_to_work", "insurance")  # a PA's other checks for personal care


def _give(app, slug: str, kind: str, method: str = "in_person", **details) -> None:
    """An approved, current check of ``kind`` (test set-up, not the officer flow), and the listing recomputed."""
    from registry.checks.listing import recompute_listing

    with app.app_context():
        provider = get_by_slug(slug)
        provider.checks.append(
            Check(
                kind=kind,
                status="approved",
                details={**(CHECK_DETAILS.get(kind) or NATION_DETAILS[kind]), **details},
                decided_at=utcnow(),
                verification_method=method,
                valid_until=today() + timedelta(days=300),
            )
        )
        db.session.flush()
        recompute_listing(provider, today())
        db.session.commit()


def _listed(app, slug: str) -> list[str]:
    """The services the provider is listed for today, by the rule over loaded checks and in SQL (asserted equal)."""
    with app.app_context():
        provider = get_by_slug(slug)
        in_python = [t.slug for t in listed_services_now(provider, today())]
        assert bool(in_python) == bool(listed_now_among([provider.id], today()))
        return in_python


# -- the nation of a postcode district --------------------------------------------------------------------------

# Every cross-border exception in registry/nations.py, and its neighbours on the other side of the line.
CROSS_BORDER = {
    "CH1": Nation.ENGLAND,
    "CH4": Nation.ENGLAND,
    "CH5": Nation.WALES,
    "CH6": Nation.WALES,
    "CH7": Nation.WALES,
    "CH8": Nation.WALES,
    "CH41": Nation.ENGLAND,  # the Wirral
    "CH66": Nation.ENGLAND,
    "SY1": Nation.ENGLAND,
    "SY10": Nation.ENGLAND,
    "SY13": Nation.ENGLAND,
    "SY14": Nation.ENGLAND,
    **{f"SY{n}": Nation.WALES for n in range(15, 26)},
    **{f"TD{n}": Nation.SCOTLAND for n in range(1, 15)},
    "TD15": Nation.ENGLAND,
    "LD1": Nation.WALES,
    "LD7": Nation.WALES,
    "LD8": Nation.WALES,
    "LL11": Nation.WALES,
    "LL14": Nation.WALES,
    "NP16": Nation.WALES,
    "NP25": Nation.WALES,
    "HR1": Nation.ENGLAND,
    "HR3": Nation.ENGLAND,
    "GL16": Nation.ENGLAND,
    "CA1": Nation.ENGLAND,
    "CA6": Nation.ENGLAND,
    "DG1": Nation.SCOTLAND,
    "DG16": Nation.SCOTLAND,
    "NE71": Nation.ENGLAND,
}
# A sample of areas wholly in one nation.
WHOLE_AREAS = {
    "WC2N": Nation.ENGLAND,
    "LS6": Nation.ENGLAND,
    "TR1": Nation.ENGLAND,
    "G1": Nation.SCOTLAND,
    "EH1": Nation.SCOTLAND,
    "AB10": Nation.SCOTLAND,
    "ZE1": Nation.SCOTLAND,
    "HS1": Nation.SCOTLAND,
    "KW1": Nation.SCOTLAND,
    "CF10": Nation.WALES,
    "SA1": Nation.WALES,
    "BT1": Nation.NORTHERN_IRELAND,
    "BT94": Nation.NORTHERN_IRELAND,
}


@pytest.mark.parametrize("outcode, nation", sorted({**CROSS_BORDER, **WHOLE_AREAS}.items()))
def test_a_district_is_in_its_nation(outcode, nation):
    assert nation_of(outcode) == nation


@pytest.mark.parametrize("text", ["", None, "   ", "JE2", "GY1", "IM1", "QQ1", "G", "1AB", "EH1 1AA", "<script>", "ß1"])
def test_garbage_and_the_crown_dependencies_have_no_nation(text):
    assert nation_of(text) is None


def test_every_district_the_registry_knows_has_a_nation_except_the_crown_dependencies():
    with open(ROOT / "searchindex" / "data" / "uk-outcodes.csv", newline="") as f:
        outcodes = [row["outcode"] for row in csv.DictReader(f)]
    without = sorted(o for o in outcodes if nation_of(o) is None)
    assert without and all(o[:2] in ("JE", "GY", "IM") for o in without)
    assert {nation_of(o) for o in outcodes} == set(Nation) | {None}


def test_the_nation_is_stored_whenever_the_postcode_is_and_cleared_with_it(app, make_provider):
    slug = make_provider("pa", base_postcode="G1 1AA")
    with app.app_context():
        provider = get_by_slug(slug)
        assert provider.nation == Nation.SCOTLAND
        providers.update_profile(provider, complete_profile_data(base_postcode="TD15 1AA"))
        db.session.commit()
        assert get_by_slug(slug).nation == Nation.ENGLAND
        providers.update_profile(provider, complete_profile_data(base_postcode=""))
        db.session.commit()
        assert get_by_slug(slug).nation is None and get_by_slug(slug).outcode is None


def test_a_garbage_postcode_on_the_profile_form_is_refused_and_the_nation_stays(app, make_provider):
    slug = make_provider("pa", name="Morag Reid", email="morag@example.com", base_postcode="EH1 1AA")
    client = signed_in(app, "morag@example.com")
    page = client.get("/dashboard/profile")
    assert page.status_code == 200  # positive control: the form is there
    for garbage in ("EH99 ZZZZ", "not a postcode", "QQ1 1AA"):
        response = client.post(
            "/dashboard/profile",
            data={"display_name": "Morag Reid", "base_postcode": garbage, "services": ["personal-care"]},
        )
        assert response.status_code == 422, garbage
    with app.app_context():
        provider = get_by_slug(slug)
        assert (provider.outcode, provider.nation) == ("EH1", Nation.SCOTLAND)


# -- requirements follow the nation -----------------------------------------------------------------------------


def test_a_scottish_pa_with_only_a_dbs_check_is_not_listed_and_with_pvg_for_adults_it_is(app, make_provider):
    england = make_provider("pa", name="Leeds Control", services=["personal-care"], base_postcode="LS6 2AA")
    scotland = make_provider("pa", name="Glasgow Carer", services=["personal-care"], base_postcode="G1 1AA")
    for slug in (england, scotland):
        approve_checks(app, slug, kinds=(*EVERYWHERE, "dbs"))
    assert _listed(app, england) == ["personal-care"]  # positive control: the same checks list in England
    assert _listed(app, scotland) == []  # an English DBS does not meet a Scottish requirement
    _give(app, scotland, "pvg", workforce="children")
    assert _listed(app, scotland) == []  # PVG for the children's workforce is not for work with adults
    _give(app, scotland, "pvg", workforce="adults")
    assert _listed(app, scotland) == ["personal-care"]


def test_a_northern_irish_pa_needs_an_enhanced_accessni_check_with_the_adults_barred_list(app, make_provider):
    slug = make_provider("pa", name="Belfast Carer", services=["personal-care"], base_postcode="BT1 1AA")
    approve_checks(app, slug, kinds=(*EVERYWHERE, "dbs"))
    assert _listed(app, slug) == []
    _give(app, slug, "accessni", level="standard", barred_lists="none")
    assert _listed(app, slug) == []
    _give(app, slug, "pvg")  # another nation's scheme meets nothing here either
    assert _listed(app, slug) == []
    _give(app, slug, "accessni", level="enhanced", barred_lists="both")
    assert _listed(app, slug) == ["personal-care"]


@pytest.mark.parametrize(
    "postcode, regulator, other",
    [("CF10 1AA", "ciw", "cqc"), ("EH1 1AA", "care_inspectorate", "cqc"), ("BT1 1AA", "rqia", "care_inspectorate")],
)
def test_an_organisation_needs_its_own_nations_regulator(app, make_provider, postcode, regulator, other):
    slug = make_provider("organisation", name="Care Org", services=["personal-care"], base_postcode=postcode)
    background = {"CF10 1AA": "dbs", "EH1 1AA": "pvg", "BT1 1AA": "accessni"}[postcode]
    approve_checks(app, slug, kinds=("identity",))
    _give(app, slug, background)
    _give(app, slug, other, method="public_register")
    assert _listed(app, slug) == []  # a regulator of another nation does not count
    _give(app, slug, regulator, method="public_register")
    assert _listed(app, slug) == ["personal-care"]


def test_a_provider_with_no_nation_is_listed_only_for_what_needs_no_nations_scheme(app, make_provider):
    slug = make_provider(
        "pa",
        name="Jersey Cook",
        email="jersey@example.com",
        services=["personal-care", "meal-delivery"],
        base_postcode="JE2 3AB",
    )
    approve_checks(app, slug, kinds=(*EVERYWHERE, "food_hygiene", "dbs"))
    with app.app_context():
        assert get_by_slug(slug).nation is None
    assert _listed(app, slug) == ["meal-delivery"]
    dashboard = signed_in(app, "jersey@example.com").get("/dashboard").get_data(as_text=True)
    assert "only for providers in England, Scotland, Wales and Northern Ireland" in dashboard


def test_the_dashboard_asks_each_nation_for_its_own_scheme(app, make_provider):
    scotland = make_provider("organisation", name="Edinburgh Org", services=["personal-care"], base_postcode="EH1")
    wales = make_provider("organisation", name="Cardiff Org", services=["personal-care"], base_postcode="CF10")
    with app.app_context():
        for slug, expected in (
            (
                scotland,
                {
                    "PVG scheme membership for work with protected adults": "pvg",
                    "Registration with the Care Inspectorate": "care_inspectorate",
                },
            ),
            (
                wales,
                {
                    "Enhanced DBS with the adults' barred list": "dbs",
                    "Registration with Care Inspectorate Wales": "ciw",
                },
            ),
        ):
            provider = get_by_slug(slug)
            [row] = provider.services
            states = {s.name: s.kind for s in requirement_states(provider, row.service_type, today(), 30)}
            assert expected.items() <= states.items(), states
            assert not any("CQC" in name for name in states)


# -- forms follow the nation ------------------------------------------------------------------------------------


@pytest.fixture
def scottish_client(app, make_provider):
    slug = make_provider("pa", name="Ailsa Brown", email="ailsa@example.com", base_postcode="G1 1AA")
    return signed_in(app, "ailsa@example.com"), slug


def test_a_scottish_provider_is_offered_pvg_and_the_care_inspectorate_not_dbs_or_cqc(scottish_client):
    client, _ = scottish_client
    page = client.get("/dashboard/checks/new").get_data(as_text=True)
    assert "PVG scheme membership" in page and "Care Inspectorate registration" in page
    assert "kind=dbs" not in page and "kind=cqc" not in page and "kind=accessni" not in page
    assert "Scotland" in page


@pytest.mark.parametrize("kind", ["dbs", "cqc", "accessni", "ciw", "rqia"])
def test_another_nations_check_is_refused_with_a_clear_error_and_nothing_is_stored(app, scottish_client, kind):
    client, _ = scottish_client
    before = check_count(app)
    fields = {"dbs": None, "cqc": {"registration_id": "1-101234567"}}.get(kind, NATION_DETAILS.get(kind))
    response = add_check(client, kind=kind, fields=fields)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Your postcode is in Scotland" in body and "is for providers in" in body
    assert client.get(f"/dashboard/checks/new?kind={kind}").status_code == 422
    assert check_count(app) == before


def test_a_pvg_membership_is_added_and_a_malformed_one_refused(app, scottish_client):
    client, _ = scottish_client
    bad = add_check(
        client,
        kind="pvg",
        fields={"membership_number": "1234", "workforce": "adults", "scheme_record_date": "2026-01-12"},
    )
    assert bad.status_code == 422 and "exactly 16 digits" in bad.get_data(as_text=True)
    assert check_count(app) == 0
    good = add_check(
        client,
        kind="pvg",
        fields={"membership_number": "1234 5678 9012 3456", "workforce": "both", "scheme_record_date": "2026-01-12"},
        file=upload(name="pvg.pdf"),
    )
    assert good.status_code == 302
    with app.app_context():
        [check] = db.session.scalars(select(Check)).all()
        assert check.kind == "pvg" and check.details["membership_number"] == "1234567890123456"
        assert check.details["workforce"] == "both"


def test_following_a_requirement_presets_the_pvg_workforce(app, scottish_client):
    """The dashboard's "Add it" beside "PVG for work with children" starts with the children's workforce."""
    client, _ = scottish_client
    plain = client.get("/dashboard/checks/new?kind=pvg").get_data(as_text=True)
    children_chosen = r'<option[^>]*selected[^>]*value="children"|<option[^>]*value="children"[^>]*selected'
    assert 'value="children"' in plain and not re.search(children_chosen, plain)
    page = client.get("/dashboard/checks/new?kind=pvg&requirement=dbs_enhanced_children").get_data(as_text=True)
    assert re.search(children_chosen, page)


def test_the_service_refuses_another_nations_kind_too(app, make_provider):
    slug = make_provider("pa", base_postcode="BT1 1AA")
    with app.app_context():
        provider = get_by_slug(slug)
        upload_ = CheckedUpload(PDF, "application/pdf", len(PDF), "dbs.pdf")
        with pytest.raises(services.CheckError, match="Northern Ireland"):
            services.submit_check(provider, "dbs", dict(CHECK_DETAILS["dbs"]), upload_)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Check)) == 0
        services.submit_check(provider, "accessni", dict(NATION_DETAILS["accessni"]), upload_)  # its own: accepted
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Check)) == 1


# -- officers ---------------------------------------------------------------------------------------------------


def test_the_officer_review_of_a_pvg_says_what_the_scheme_needs_and_refuses_a_video_call(
    app, scottish_client, make_user
):
    client, _ = scottish_client
    add_check(
        client,
        kind="pvg",
        fields={"membership_number": "1234567890123456", "workforce": "adults", "scheme_record_date": "2026-01-12"},
    )
    with app.app_context():
        check_id = db.session.scalar(select(Check.id))
        version = db.session.get(Check, check_id).version
    officer = signed_in(app, make_user("officer"))
    page = officer.get(f"/officer/checks/{check_id}").get_data(as_text=True)
    assert "scheme record" in page and "Disclosure Scotland" in page and "The provider is in Scotland" in page
    assert "a PVG scheme membership can be approved only once you have opened its document" in page
    assert "Update Service result" not in page and 'value="video"' not in page
    unopened = officer.post(
        f"/officer/checks/{check_id}/approve",
        data={"method": "in_person", "valid_until": (today() + timedelta(days=200)).isoformat(), "version": version},
    )
    assert unopened.status_code == 422 and "Open the uploaded document" in unopened.get_data(as_text=True)
    assert officer.get(f"/checks/{check_id}/document").status_code == 200
    refused = officer.post(
        f"/officer/checks/{check_id}/approve",
        data={"method": "video", "valid_until": (today() + timedelta(days=200)).isoformat(), "version": version},
    )
    assert refused.status_code == 422 and "original seen in person" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Check, check_id).status == "pending"
    approved = officer.post(
        f"/officer/checks/{check_id}/approve",
        data={"method": "in_person", "valid_until": (today() + timedelta(days=200)).isoformat(), "version": version},
    )
    assert approved.status_code == 302
    with app.app_context():
        assert db.session.get(Check, check_id).status == "approved"


# -- badges and words -------------------------------------------------------------------------------------------


def test_badges_name_each_nations_scheme_and_regulator(app, make_provider):
    cases = {
        "G1 1AA": (
            ("pvg", "care_inspectorate"),
            ["PVG scheme member (adults)", "Registered with the Care Inspectorate (CS2003001234)"],
            {"pvg-member", "care-inspectorate"},
        ),
        "CF10 1AA": (
            ("dbs", "ciw"),
            ["Enhanced DBS with adults' and children's barred lists", "Registered with Care Inspectorate Wales"],
            {"enhanced-dbs", "ciw-registered"},
        ),
        "BT1 1AA": (
            ("accessni", "rqia"),
            ["AccessNI enhanced check with adults' barred list", "Registered with RQIA (11045)"],
            {"enhanced-accessni", "rqia-registered"},
        ),
    }
    for postcode, (kinds, texts, codes) in cases.items():
        slug = make_provider("organisation", name=f"Org {postcode}", base_postcode=postcode)
        approve_checks(app, slug, kinds=("identity",))
        for kind in kinds:
            _give(
                app,
                slug,
                kind,
                method="public_register" if kind in ("care_inspectorate", "ciw", "rqia") else "in_person",
            )
        with app.app_context():
            provider = get_by_slug(slug)
            shown = " | ".join(b.text for b in badges(provider, today()))
            for text in texts:
                assert text in shown, (postcode, shown)
            assert "CQC" not in shown
            assert codes <= set(search_badge_codes(provider, today()))
            assert "cqc-registered" not in search_badge_codes(provider, today())


def test_a_scottish_provider_shows_an_english_dbs_as_what_it_is_but_no_cqc(app, make_provider):
    slug = make_provider("pa", base_postcode="G1 1AA")
    approve_checks(app, slug, kinds=("identity", "dbs"))
    with app.app_context():
        provider = get_by_slug(slug)
        texts = [b.text for b in badges(provider, today())]
        assert any(t.startswith("Enhanced DBS") for t in texts)
        assert not any("PVG" in t or "CQC" in t for t in texts)


def test_scottish_profile_search_card_and_feed_carry_scottish_checks(app, client, make_provider):
    slug = make_provider("organisation", name="Clyde Home Care", services=["personal-care"], base_postcode="G1 1AA")
    approve_checks(app, slug, kinds=("identity",))
    _give(app, slug, "pvg", workforce="both")
    _give(app, slug, "care_inspectorate", method="public_register")
    assert _listed(app, slug) == ["personal-care"]
    profile = client.get(f"/providers/{slug}").get_data(as_text=True)
    assert "PVG scheme member (adults and children)" in profile
    assert "Registered with the Care Inspectorate" in profile
    assert "CQC" not in profile and "Enhanced DBS" not in profile
    found = client.get("/api/v1/search", query_string={"postcode": "G1 1AA", "service": "personal-care"}).get_json()
    [hit] = [r for r in found["results"] if r["slug"] == slug]
    assert {"pvg-member", "care-inspectorate"} <= set(hit["badges"]) and "enhanced-dbs" not in hit["badges"]
    page = client.get("/search", query_string={"postcode": "G1 1AA", "service": "personal-care"}).get_data(as_text=True)
    assert "PVG scheme member" in page and "Registered with the Care Inspectorate" in page
    with app.app_context():
        provider_id = get_by_slug(slug).id
    from registry.providers.models import ServiceType

    with app.app_context():
        service_type_id = db.session.scalar(select(ServiceType.id).where(ServiceType.slug == "personal-care"))
    feed = client.get(f"/openreferral/services/{ids.service_id(provider_id, service_type_id)}").get_json()
    terms = {
        a["taxonomy_term"]["name"]: a["label"]
        for a in feed["attributes"]
        if "checks" in a["taxonomy_term"]["taxonomy"].lower()
    }
    assert "PVG scheme membership" in terms and "Care Inspectorate registration" in terms
    assert terms["PVG scheme membership"].startswith("PVG scheme member (adults and children)")
    assert not any("DBS" in name or "CQC" in name for name in terms)


def test_the_search_filter_offers_each_nations_badge(client):
    page = client.get("/search", query_string={"postcode": "G1 1AA"}).get_data(as_text=True)
    for label in ("PVG scheme member", "Enhanced AccessNI", "Registered with the Care Inspectorate", "Enhanced DBS"):
        assert label in page


# -- the demo -----------------------------------------------------------------------------------------------------


def test_the_demos_providers_carry_their_own_nations_checks(app):
    from registry import demo

    by_nation = {}
    for p in demo.plan():
        if p.state == "listed":
            by_nation.setdefault(nation_of(p.outcode), []).append(p)
    chosen = [p for nation in (Nation.SCOTLAND, Nation.WALES, Nation.NORTHERN_IRELAND) for p in by_nation[nation][:4]]
    assert all(nation_of(p.outcode) is not None for p in demo.plan())  # no demo provider outside the four nations
    with app.app_context():
        demo.seed(chosen)
        db.session.commit()
        expected = {
            Nation.SCOTLAND: ({"pvg"}, {"dbs", "cqc", "accessni", "ciw", "rqia"}),
            Nation.WALES: ({"dbs"}, {"pvg", "cqc", "accessni", "care_inspectorate", "rqia"}),
            Nation.NORTHERN_IRELAND: ({"accessni"}, {"dbs", "pvg", "cqc", "ciw", "care_inspectorate"}),
        }
        regulator = {Nation.SCOTLAND: "care_inspectorate", Nation.WALES: "ciw", Nation.NORTHERN_IRELAND: "rqia"}
        seen = set()
        for provider in db.session.scalars(select(Provider).where(Provider.nation != Nation.ENGLAND)):
            kinds = {c.kind for c in provider.checks}
            has, never = expected[provider.nation]
            if provider.services and any(
                code.startswith("dbs_")
                for row in provider.services
                for code in row.service_type.requirements_for(provider.kind)
            ):
                assert has <= kinds, (provider.slug, kinds)
            if provider.kind == "organisation" and any(
                "cqc_registration" in row.service_type.requirements_for(provider.kind) for row in provider.services
            ):
                assert regulator[provider.nation] in kinds, (provider.slug, kinds)
            assert not kinds & never, (provider.slug, kinds)
            assert all(
                c.verification_method == "public_register"
                for c in provider.checks
                if c.kind == regulator[provider.nation]
            )
            assert provider.cqc_provider_id is None
            if listed_services_now(provider, today()):
                seen.add(provider.nation)
        assert seen == {Nation.SCOTLAND, Nation.WALES, Nation.NORTHERN_IRELAND}


def test_the_dbs_update_service_is_offered_only_in_england_and_wales(app, make_provider, make_user):
    from datetime import date

    from registry.accounts.services import find_user_by_email
    from registry.checks import status_checks

    cardiff = make_provider("pa", name="Cardiff Carer", email="cardiff@example.com", base_postcode="CF10 1AA")
    glasgow = make_provider("pa", name="Glasgow Carer", email="glasgow@example.com", base_postcode="G1 1AA")
    for slug in (cardiff, glasgow):
        approve_checks(app, slug, kinds=("dbs",))  # on the Update Service (CHECK_DETAILS)
    with app.app_context():
        [welsh] = get_by_slug(cardiff).checks
        [scottish] = get_by_slug(glasgow).checks
        assert status_checks.can_consent(welsh)  # positive control
        assert not status_checks.can_consent(scottish)
        with pytest.raises(status_checks.ConsentError, match="England or Wales"):
            status_checks.give_consent(scottish, find_user_by_email("glasgow@example.com"), "SMITH", date(1970, 1, 1))
        db.session.rollback()
        assert get_by_slug(glasgow).checks[0].status_consent is None
    assert "Update Service status checks" in signed_in(app, "cardiff@example.com").get("/dashboard").get_data(
        as_text=True
    )
    assert "Update Service status checks" not in signed_in(app, "glasgow@example.com").get("/dashboard").get_data(
        as_text=True
    )


def test_the_migration_backfills_each_providers_nation_from_its_district(tmp_path):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from tests.conftest import make_app
    from tests.reviews.test_enquiry_details import _row

    app = make_app("sqlite:///" + str(tmp_path / "before.sqlite3"), tmp_path)
    with app.app_context():
        upgrade(revision="0021")
        meta = sa.MetaData()
        meta.reflect(db.engine)
        t = meta.tables
        districts = {1: "G1", 2: "TD15", 3: "CH5", 4: "BT1", 5: "LS6", 6: "JE2", 7: None}
        with db.engine.begin() as conn:
            for n, outcode in districts.items():
                conn.execute(t["users"].insert(), _row(t["users"], id=n, email=f"u{n}@example.com", role="provider"))
                conn.execute(
                    t["providers"].insert(),
                    _row(t["providers"], id=n, user_id=n, slug=f"p{n}", kind="pa", outcode=outcode),
                )
        upgrade()
        stored = dict(db.session.execute(sa.text("SELECT id, nation FROM providers")).all())
        assert stored == {
            1: "scotland",
            2: "england",
            3: "wales",
            4: "northern_ireland",
            5: "england",
            6: None,
            7: None,
        }
        db.session.remove()
        db.engine.dispose()


def test_what_verified_means_names_each_nations_scheme(app, make_provider):
    """The claim for a service (issue 20, item 4) names the check that met each requirement in the provider's nation."""
    from registry.checks.claims import service_claims

    glasgow = make_provider("pa", name="Ailsa Brown", services=["personal-care"], base_postcode="G1 1AA")
    belfast = make_provider("organisation", name="Lagan Care", services=["personal-care"], base_postcode="BT1 1AA")
    approve_checks(app, glasgow, kinds=EVERYWHERE)
    _give(app, glasgow, "pvg", workforce="both")
    approve_checks(app, belfast, kinds=("identity",))
    _give(app, belfast, "accessni")
    _give(app, belfast, "rqia", method="public_register")
    with app.app_context():
        [scottish] = service_claims(get_by_slug(glasgow), today())
        assert "PVG scheme membership for work with protected adults (Ailsa Brown's own)." in scottish.lines
        assert "DBS" not in scottish.text and "no background check" not in scottish.text
        [northern_irish] = service_claims(get_by_slug(belfast), today())
        assert any(
            line.startswith("Enhanced AccessNI check with the adults' barred list") for line in northern_irish.lines
        )
        assert "Registration with RQIA." in northern_irish.lines and "CQC" not in northern_irish.text
        assert "enhanced AccessNI check" in northern_irish.ask
