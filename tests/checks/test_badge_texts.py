"""What each badge says (DESIGN.md, trust model 12: what was checked, how and when), written out in full.

The expected sentences are typed here, not built from the code's own tables, so a badge that claims another
level, barred list, method or date than the check proves fails here. Which search badges a provider holds are
asserted the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from registry.checks.badges import badge_for, badges, search_badge_codes
from registry.checks.models import Check, CqcLocation
from registry.extensions import db
from registry.formatting import long_date
from registry.models import today, utcnow
from registry.providers.services import get_by_slug
from tests.conftest import CHECK_DETAILS, approve_checks

DECIDED = datetime(2026, 3, 12, 10, 30, tzinfo=timezone.utc)
DBS = {**CHECK_DETAILS["dbs"], "level": "enhanced", "barred_lists": "adults"}


def _check(kind="dbs", details=None, how="in_person", **fields) -> Check:
    """An approved check decided on 12 March 2026 (the usual details of its kind; DBS: enhanced, adults' list)."""
    usual = DBS if kind == "dbs" else CHECK_DETAILS[kind] if kind in CHECK_DETAILS else {}
    fields = {"status": "approved", "valid_until": date(2027, 1, 31), **fields}
    return Check(
        kind=kind,
        details=dict(usual if details is None else details),
        decided_at=DECIDED,
        verification_method=how,
        **fields,
    )


def test_each_kind_of_check_reads_as_what_was_checked_how_and_when(app, make_provider):
    slug = make_provider("pa", name="Every Badge", services=["companionship"])
    approve_checks(app, slug)
    when = long_date(today())
    until = long_date(today() + timedelta(days=365))
    summaries = [
        (c["kind"], c["summary"])
        for c in app.test_client().get(f"/api/v1/providers/{slug}").get_json()["approved_checks"]
    ]
    assert summaries == [
        ("identity", f"Proof of identity: original seen in person on {when}"),
        ("dbs", f"Enhanced DBS with adults' and children's barred lists, original seen in person on {when}"),
        ("right_to_work", f"Right to work: original seen in person on {when}"),
        ("insurance", f"Public liability insurance, £5,000,000 cover, valid until {until}"),
        ("qualification", f"Registered Nurse (NMC), original seen in person on {when}"),
        ("cqc", f"CQC registration 1-101234567 confirmed on {when}"),
        ("food_hygiene", "Food hygiene rating 5 (Leeds, inspected 1 March 2026)"),
        ("first_aid", f"First aid: Emergency First Aid at Work, original seen in person on {when}"),
    ]
    page = app.test_client().get(f"/providers/{slug}").text
    assert f"Right to work: original seen in person on {when}" in page
    assert "Food hygiene rating 5 (Leeds, inspected 1 March 2026)" in page


@pytest.mark.parametrize(
    "check, text",
    [
        (_check(), "Enhanced DBS with adults' barred list, original seen in person on 12 March 2026"),
        (
            _check(details={**DBS, "barred_lists": "children"}),
            "Enhanced DBS with children's barred list, original seen in person on 12 March 2026",
        ),
        (
            _check(details={**DBS, "level": "basic", "barred_lists": "none"}),
            "Basic DBS, original seen in person on 12 March 2026",
        ),
        (
            _check(details={**DBS, "level": "standard", "barred_lists": None}),
            "Standard DBS, original seen in person on 12 March 2026",
        ),
        (_check(details={"barred_lists": "none"}), "A DBS, original seen in person on 12 March 2026"),
        (
            _check(details=DBS, how="update_service"),
            "Enhanced DBS with adults' barred list, Update Service status checked on 12 March 2026",
        ),
        (
            _check(
                details=DBS,
                how="update_service",
                status_checked_at=datetime(2026, 5, 2, 9, 0, tzinfo=timezone.utc),
                status_checked_by_id=7,
            ),
            "Enhanced DBS with adults' barred list, Update Service status checked on 2 May 2026",
        ),
        (
            _check(
                details=DBS, how="update_service", status_checked_at=datetime(2026, 6, 3, 2, 0, tzinfo=timezone.utc)
            ),
            "Enhanced DBS with adults' barred list; DBS Update Service: checked automatically on 3 June 2026",
        ),
        (_check("identity", how="video"), "Proof of identity: original seen by video call on 12 March 2026"),
        (_check("identity", how=None), "Proof of identity: checked on 12 March 2026"),
        (
            _check("insurance", details={"cover_pounds": "10000000"}),
            "Public liability insurance, £10,000,000 cover, valid until 31 January 2027",
        ),
        (
            _check("insurance", details={}),
            "Public liability insurance, £0 cover, valid until 31 January 2027",  # never more than recorded
        ),
        (_check("cqc", details={}), "CQC registration  confirmed on 12 March 2026"),
        (_check("food_hygiene", details={"rating": 4}), "Food hygiene rating 4 (, inspected recently)"),
        (
            _check("food_hygiene", details={"rating": 4, "local_authority": "York"}),
            "Food hygiene rating 4 (York, inspected recently)",
        ),
        (_check("qualification", details={}), "Qualification (), original seen in person on 12 March 2026"),
        (_check("first_aid", details={}), "First aid: certificate, original seen in person on 12 March 2026"),
        (_check("reference", details={}), "Reference: original seen in person on 12 March 2026"),
    ],
    ids=[
        "enhanced-adults",
        "enhanced-children",
        "basic",
        "standard",
        "no-level",
        "update-service",
        "update-service-by-officer",
        "update-service-automatic",
        "video",
        "no-method",
        "insurance",
        "insurance-no-cover",
        "cqc-no-id",
        "food-hygiene-no-authority",
        "food-hygiene",
        "qualification",
        "first-aid",
        "reference",
    ],
)
def test_a_badge_claims_exactly_the_level_lists_method_and_date_of_its_check(check, text):
    assert badge_for(check).text == text


# Each other nation's scheme and regulator (DESIGN.md, trust model 10), typed out in full.
NATION_BADGES = {
    "pvg-adults": (
        _check("pvg", details={"workforce": "adults"}),
        "PVG scheme member (adults), Disclosure Scotland scheme record original seen in person on 12 March 2026",
    ),
    "pvg-both": (
        _check("pvg", details={"workforce": "both"}),
        "PVG scheme member (adults and children), Disclosure Scotland scheme record original seen in person on "
        "12 March 2026",
    ),
    "pvg-no-workforce": (
        _check("pvg", details={}),
        "PVG scheme member, Disclosure Scotland scheme record original seen in person on 12 March 2026",
    ),
    "accessni-enhanced-adults": (
        _check("accessni", details={"level": "enhanced", "barred_lists": "adults"}),
        "AccessNI enhanced check with adults' barred list, original seen in person on 12 March 2026",
    ),
    "accessni-basic": (
        _check("accessni", details={"level": "basic", "barred_lists": "none"}),
        "AccessNI basic check, original seen in person on 12 March 2026",
    ),
    "accessni-no-level": (
        _check("accessni", details={}),
        "AccessNI background check, original seen in person on 12 March 2026",
    ),
    "care-inspectorate": (
        _check("care_inspectorate", details={"registration_id": "CS2019371234"}, how="public_register"),
        "Registered with the Care Inspectorate (CS2019371234), checked on the regulator's public register on "
        "12 March 2026",
    ),
    "ciw-no-number": (
        _check("ciw", details={}, how="video"),
        "Registered with Care Inspectorate Wales, original seen by video call on 12 March 2026",
    ),
    "rqia": (
        _check("rqia", details={"registration_id": "11223"}, how="in_person"),
        "Registered with RQIA (11223), original seen in person on 12 March 2026",
    ),
    "unknown-method": (
        _check("identity", how="carrier pigeon"),
        "Proof of identity: checked on 12 March 2026",  # never a method the registry does not know
    ),
}


@pytest.mark.parametrize("case", list(NATION_BADGES))
def test_each_nation_s_scheme_and_regulator_badge_claims_exactly_what_was_checked(case):
    check, text = NATION_BADGES[case]
    assert badge_for(check).text == text


# What each check earns in search: the badge codes a recipient can filter on.
@pytest.mark.parametrize(
    "check, codes",
    [
        (_check(), ("enhanced-dbs",)),
        (_check(how="update_service"), ("enhanced-dbs", "dbs-update-service")),
        (_check(details={**DBS, "level": "standard"}, how="update_service"), ("dbs-update-service",)),
        (_check(details={**DBS, "level": "basic"}), ()),
        (_check("insurance"), ("insurance",)),
        (_check("cqc"), ("cqc-registered",)),
        (_check("food_hygiene"), ("food-hygiene-5",)),
        (_check("food_hygiene", details={"rating": "5"}), ("food-hygiene-5",)),
        (_check("food_hygiene", details={"rating": 4}), ()),
        (_check("food_hygiene", details={}), ()),
        (_check("first_aid"), ("first-aid",)),
        (_check("identity"), ()),
        (_check("right_to_work"), ()),
        (_check("qualification"), ()),
    ],
)
def test_a_check_earns_only_the_search_badges_it_proves(check, codes):
    assert badge_for(check).codes == codes


def _add(app, slug, *checks):
    with app.app_context():
        provider = get_by_slug(slug)
        provider.checks.extend(checks)
        db.session.commit()


def test_the_newest_current_check_of_each_kind_speaks_for_it(app, make_provider):
    slug = make_provider("pa", name="Two Checks", services=["companionship"])
    in_a_year = today() + timedelta(days=365)
    _add(
        app,
        slug,
        _check(details=DBS, valid_until=today() + timedelta(days=400)),
        _check(details={**DBS, "level": "basic", "barred_lists": "none"}, valid_until=in_a_year),
        _check("first_aid", valid_until=today() - timedelta(days=1)),  # lapsed: no badge
        _check("insurance", valid_until=in_a_year, status="pending"),  # not approved: no badge
        _check("food_hygiene", valid_until=today() + timedelta(days=30)),
        _check("identity", valid_until=today()),  # the last day still counts
    )
    with app.app_context():
        provider = get_by_slug(slug)
        shown = [(b.kind, b.text.split(",")[0]) for b in badges(provider, today())]
        assert shown == [
            ("identity", "Proof of identity: original seen in person on 12 March 2026"),
            ("dbs", "Basic DBS"),
            ("food_hygiene", "Food hygiene rating 5 (Leeds"),
        ]
        assert search_badge_codes(provider, today()) == {"food-hygiene-5": today() + timedelta(days=30)}
        provider.suspended_at = utcnow()
        assert badges(provider, today()) == [] and search_badge_codes(provider, today()) == {}
        db.session.rollback()


def test_search_badges_hold_until_the_check_earning_them_ends(app, make_provider):
    slug = make_provider("pa", name="Until", services=["companionship"])
    _add(
        app,
        slug,
        _check(details=DBS, how="update_service", valid_until=today() + timedelta(days=90)),
        _check("insurance", valid_until=today() + timedelta(days=40)),
    )
    with app.app_context():
        assert search_badge_codes(get_by_slug(slug), today()) == {
            "dbs-update-service": today() + timedelta(days=90),
            "enhanced-dbs": today() + timedelta(days=90),
            "insurance": today() + timedelta(days=40),
        }
        # On the insurance's last day it still holds; the day after it is gone.
        assert "insurance" in search_badge_codes(get_by_slug(slug), today() + timedelta(days=40))
        assert "insurance" not in search_badge_codes(get_by_slug(slug), today() + timedelta(days=41))


def _cqc_provider(app, make_provider, **location):
    slug = make_provider("organisation", name="Care Co", services=["companionship"])
    approve_checks(app, slug, kinds=("identity", "dbs"))  # listed, so its profile is public
    _add(app, slug, _check("cqc", details={"registration_id": "1-555"}, valid_until=today() + timedelta(days=300)))
    with app.app_context():
        provider = get_by_slug(slug)
        db.session.add(CqcLocation(provider_id=provider.id, **location))
        db.session.commit()
    return slug


def test_the_profile_shows_the_cqc_rating_the_nightly_sync_read(app, make_provider):
    slug = _cqc_provider(
        app,
        make_provider,
        location_id="1-555",
        registration_status="Registered",
        overall_rating="Good",
        rating_date=date(2025, 11, 4),
        synced_at=datetime(2026, 4, 1, 2, 0, tzinfo=timezone.utc),
    )
    with app.app_context():
        badge = next(b for b in badges(get_by_slug(slug), today(), live_cqc=True) if b.kind == "cqc")
        assert (
            badge.text
            == "CQC registration 1-555 confirmed on 12 March 2026; registered with the CQC as of 1 April 2026"
        )
        assert (badge.cqc.label, badge.cqc.rating_date, badge.cqc.url) == (
            "Good",
            date(2025, 11, 4),
            "https://www.cqc.org.uk/location/1-555",
        )
        plain = next(b for b in badges(get_by_slug(slug), today()) if b.kind == "cqc")
        assert plain.text == "CQC registration 1-555 confirmed on 12 March 2026" and plain.cqc is None
    page = app.test_client().get(f"/providers/{slug}").text
    assert "CQC overall rating: <strong>Good</strong> (report published 4 November 2025)" in page


@pytest.mark.parametrize(
    "location, label",
    [
        ({"location_id": "1-555", "registration_status": "Registered"}, "Not yet rated"),
        ({"location_id": "1-999", "registration_status": "Registered", "overall_rating": "Good"}, None),
        ({"location_id": "1-555", "registration_status": "Deregistered", "overall_rating": "Good"}, None),
    ],
    ids=["not yet rated", "another location", "deregistered"],
)
def test_a_cqc_rating_shows_only_for_the_registered_location_the_check_names(app, make_provider, location, label):
    slug = _cqc_provider(app, make_provider, **location)
    with app.app_context():
        badge = next(b for b in badges(get_by_slug(slug), today(), live_cqc=True) if b.kind == "cqc")
        assert (badge.cqc.label if badge.cqc else None) == label
        assert badge.text == "CQC registration 1-555 confirmed on 12 March 2026"  # never synced: no "as of"
    page = app.test_client().get(f"/providers/{slug}").text
    assert ("CQC overall rating" in page) == (label is not None)
