"""What a kind of check is good for: which requirement it meets, and how long an officer may approve it for.

The expected answers are written out here from DESIGN.md (trust models 2 to 4), not read from the code's table.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.checks import services
from registry.checks.kinds import REQUIREMENT_NAMES, satisfies
from registry.models import today


@pytest.mark.parametrize(
    "requirement, kind, details, meets",
    [
        ("identity", "identity", {}, True),
        ("identity", "dbs", {"level": "enhanced", "barred_lists": "both"}, False),  # another kind never meets it
        ("dbs_basic", "dbs", {"level": "basic", "barred_lists": "none"}, True),
        ("dbs_basic", "dbs", {}, True),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced", "barred_lists": "adults"}, True),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced", "barred_lists": "both"}, True),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced", "barred_lists": "children"}, False),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced"}, False),
        ("dbs_enhanced_adults", "dbs", {"level": "standard", "barred_lists": "adults"}, False),
        ("dbs_enhanced_adults", "dbs", {"barred_lists": "adults"}, False),
        ("dbs_enhanced_children", "dbs", {"level": "enhanced", "barred_lists": "children"}, True),
        ("dbs_enhanced_children", "dbs", {"level": "enhanced", "barred_lists": "both"}, True),
        ("dbs_enhanced_children", "dbs", {"level": "enhanced", "barred_lists": "adults"}, False),
        ("right_to_work", "right_to_work", {}, True),
        ("right_to_work", "identity", {}, False),
        ("public_liability_insurance", "insurance", {}, True),
        ("cqc_registration", "cqc", {}, True),
        ("cqc_registration", "insurance", {}, False),
        ("qualification", "qualification", {}, True),
        ("food_hygiene", "food_hygiene", {"rating": 3}, True),
        ("food_hygiene", "food_hygiene", {"rating": 5}, True),
        ("food_hygiene", "food_hygiene", {"rating": "3"}, True),
        ("food_hygiene", "food_hygiene", {"rating": 2}, False),
        ("food_hygiene", "food_hygiene", {}, False),
        ("food_hygiene", "food_hygiene", {"rating": "three"}, False),
        ("food_hygiene", "food_hygiene", {"rating": None}, False),
        ("food_hygiene", "first_aid", {"rating": 5}, False),
        ("a_code_nobody_defined", "identity", {}, False),
    ],
)
def test_a_check_meets_only_the_requirements_the_trust_model_says(requirement, kind, details, meets):
    assert satisfies(requirement, kind, details, "england") is meets


# The same requirement codes in the other nations: their own schemes meet them, England's do not (issue 20, part 3).
@pytest.mark.parametrize(
    "requirement, kind, details, nation, meets",
    [
        ("dbs_enhanced_adults", "pvg", {"workforce": "adults"}, "scotland", True),
        ("dbs_enhanced_adults", "pvg", {"workforce": "both"}, "scotland", True),
        ("dbs_enhanced_adults", "pvg", {"workforce": "children"}, "scotland", False),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced", "barred_lists": "both"}, "scotland", False),
        ("dbs_enhanced_adults", "pvg", {"workforce": "adults"}, "england", False),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced", "barred_lists": "adults"}, "wales", True),
        ("dbs_enhanced_adults", "accessni", {"level": "enhanced", "barred_lists": "adults"}, "northern_ireland", True),
        ("dbs_enhanced_adults", "accessni", {"level": "standard", "barred_lists": "adults"}, "northern_ireland", False),
        ("dbs_enhanced_adults", "dbs", {"level": "enhanced", "barred_lists": "both"}, "northern_ireland", False),
        ("cqc_registration", "care_inspectorate", {}, "scotland", True),
        ("cqc_registration", "cqc", {}, "scotland", False),
        ("cqc_registration", "ciw", {}, "wales", True),
        ("cqc_registration", "cqc", {}, "wales", False),
        ("cqc_registration", "rqia", {}, "northern_ireland", True),
        ("cqc_registration", "ciw", {}, "england", False),
        ("identity", "identity", {}, "scotland", True),
    ],
)
def test_each_nation_s_own_scheme_meets_the_requirement(requirement, kind, details, nation, meets):
    assert satisfies(requirement, kind, details, nation) is meets


def test_each_requirement_reads_as_providers_are_asked_for_it():
    assert REQUIREMENT_NAMES == {
        "identity": "Proof of identity",
        "dbs_basic": "A criminal record check, any level (DBS; PVG in Scotland; AccessNI in Northern Ireland)",
        "dbs_enhanced_adults": "Enhanced background check with the adults' barred list "
        "(DBS; PVG for adults in Scotland; AccessNI in Northern Ireland)",
        "dbs_enhanced_children": "Enhanced background check with the children's barred list "
        "(DBS; PVG for children in Scotland; AccessNI in Northern Ireland)",
        "right_to_work": "Right to work in the UK",
        "public_liability_insurance": "Public liability insurance",
        "cqc_registration": "Registration with the nation's care regulator "
        "(CQC; Care Inspectorate in Scotland; Care Inspectorate Wales; RQIA in Northern Ireland)",
        "food_hygiene": "Food hygiene rating of 3 or more",
        "qualification": "A relevant professional qualification",
    }


@pytest.mark.parametrize(
    "app_config", [{"DBS_RECHECK_DAYS": 400, "CHECK_VALIDITY_DAYS": {"identity": 700, "first_aid": 1000}}]
)
def test_an_approval_runs_at_most_to_the_policy_end_the_dbs_recheck_or_the_kinds_validity(app, app_config):
    decided = date(2026, 5, 1)
    with app.app_context():
        assert services.proposed_valid_until("insurance", {"end_date": "2027-06-30"}, decided) == date(2027, 6, 30)
        assert services.proposed_valid_until("insurance", {"end_date": date(2027, 7, 1)}, decided) == date(2027, 7, 1)
        assert services.proposed_valid_until("dbs", {"issue_date": "2026-01-12"}, decided) == date(2026, 1, 12) + (
            timedelta(days=400)
        )
        assert services.proposed_valid_until("identity", {}, decided) == decided + timedelta(days=700)
        assert services.proposed_valid_until("first_aid", {}, decided) == decided + timedelta(days=1000)


@pytest.mark.parametrize(
    "kind, details",
    [
        ("insurance", {}),
        ("insurance", {"end_date": "30/06/2027"}),
        ("insurance", {"end_date": None}),
        ("dbs", {}),
        ("dbs", {"issue_date": "not a date"}),
        ("dbs", {"issue_date": 20260112}),
    ],
)
def test_without_the_date_it_needs_no_approval_end_is_proposed(app, kind, details):
    with app.app_context():
        assert services.proposed_valid_until(kind, details, today()) is None


# -- each nation's own schemes (DESIGN.md, trust model 10), written out by hand ------------------------------
COMMON_BEFORE = ["right_to_work", "insurance", "qualification"]
COMMON_AFTER = ["food_hygiene", "first_aid", "reference"]
# In the order the dashboard lists them: identity, the nation's background check, the checks every nation asks
# for, the nation's regulator, then the service-specific ones.
OFFERED = {
    "england": ["identity", "dbs", *COMMON_BEFORE, "cqc", *COMMON_AFTER],
    "wales": ["identity", "dbs", *COMMON_BEFORE, "ciw", *COMMON_AFTER],
    "scotland": ["identity", "pvg", *COMMON_BEFORE, "care_inspectorate", *COMMON_AFTER],
    "northern_ireland": ["identity", "accessni", *COMMON_BEFORE, "rqia", *COMMON_AFTER],
    None: ["identity", *COMMON_BEFORE, *COMMON_AFTER],  # no postcode yet: only what every nation asks for
}
NATIONAL = ["dbs", "pvg", "accessni", "cqc", "ciw", "care_inspectorate", "rqia"]


@pytest.mark.parametrize("nation", list(OFFERED))
def test_a_provider_is_offered_its_own_nation_s_schemes_and_every_nation_s_common_checks(nation):
    from registry.checks.kinds import kind_offered, kinds_for

    assert kinds_for(nation) == OFFERED[nation]
    for kind in [*NATIONAL, "identity", *COMMON_BEFORE, *COMMON_AFTER]:
        assert kind_offered(kind, nation) is (kind in OFFERED[nation]), (kind, nation)


@pytest.mark.parametrize(
    "kind, nation, message",
    [
        (
            "dbs",
            "scotland",
            "A DBS check is for providers in England and Wales. Your postcode is in Scotland: "
            "add that nation's check instead (your dashboard says which).",
        ),
        (
            "pvg",
            "england",
            "A PVG scheme membership is for providers in Scotland. Your postcode is in England: "
            "add that nation's check instead (your dashboard says which).",
        ),
        (
            "cqc",
            "northern_ireland",
            "A CQC registration is for providers in England. Your postcode is in Northern Ireland: "
            "add that nation's check instead (your dashboard says which).",
        ),
        (
            "rqia",
            None,
            "A RQIA registration is for providers in Northern Ireland. Add your postcode to your profile first: "
            "the checks you need follow the nation your postcode is in.",
        ),
    ],
)
def test_a_check_from_another_nation_is_refused_in_words_that_say_which_nations_and_what_to_do(kind, nation, message):
    from registry.checks.kinds import wrong_nation_message

    assert wrong_nation_message(kind, nation) == message


@pytest.mark.parametrize(
    "kind, methods",
    [
        ("dbs", ("in_person", "update_service")),  # a certificate's security features cannot be judged by video
        ("pvg", ("in_person",)),
        ("accessni", ("in_person",)),
        ("cqc", ("public_register", "in_person", "video")),
        ("ciw", ("public_register", "in_person", "video")),
        ("identity", ("in_person", "video")),
        ("insurance", ("in_person", "video")),
    ],
)
def test_each_kind_is_verified_only_in_the_ways_that_prove_it(kind, methods):
    from registry.checks.kinds import verification_methods_for

    assert verification_methods_for(kind) == methods


VALIDITY = {"identity": 5 * 365, "right_to_work": 365, "cqc": 365, "first_aid": 3 * 365, "food_hygiene": 400}


@pytest.mark.parametrize(
    "kind, details, dbs_recheck_days, phrase",
    [
        ("insurance", None, 1095, "until your policy's end date"),
        (
            "dbs",
            None,
            1095,
            "3 years from the certificate's issue date, "
            "or longer while its DBS Update Service status checks find no new information",
        ),
        (
            "dbs",
            {"update_service": True},
            730,
            "2 years from the certificate's issue date, or longer while its DBS "
            "Update Service status checks find no new information",
        ),
        ("dbs", {"update_service": False}, 1095, "3 years from the certificate's issue date"),
        ("dbs", {}, 365, "1 year from the certificate's issue date"),
        ("accessni", None, 1095, "3 years from the certificate's issue date"),
        ("pvg", {}, 1096, "1096 days from the date of your scheme record"),
        (
            "right_to_work",
            None,
            1095,
            "for good with a British or Irish passport; 1 year from approval with other evidence",
        ),
        (
            "right_to_work",
            {"document_type": "british_passport"},
            1095,
            "for good: a British or Irish passport proves a lasting right to work, so it does not expire",
        ),
        ("right_to_work", {"document_type": "share_code"}, 1095, "1 year from approval"),
        ("identity", None, 1095, "5 years from approval"),
        ("first_aid", {}, 1095, "3 years from approval"),
        ("food_hygiene", {}, 1095, "400 days from approval"),
        ("cqc", None, 1095, "1 year from approval"),
    ],
)
def test_a_provider_is_told_in_words_how_long_each_check_will_count_once_approved(
    kind, details, dbs_recheck_days, phrase
):
    from registry.checks.kinds import how_long_it_lasts

    assert how_long_it_lasts(kind, details, dbs_recheck_days, VALIDITY) == phrase


@pytest.mark.parametrize(
    "code, nation, name",
    [
        ("dbs_enhanced_adults", "england", "Enhanced DBS with the adults' barred list"),
        ("dbs_enhanced_adults", "scotland", "PVG scheme membership for work with protected adults"),
        ("dbs_enhanced_adults", "northern_ireland", "Enhanced AccessNI check with the adults' barred list"),
        ("dbs_basic", "wales", "A DBS check (any level)"),
        ("cqc_registration", "wales", "Registration with Care Inspectorate Wales"),
        ("cqc_registration", "scotland", "Registration with the Care Inspectorate"),
        # No postcode yet: the requirement in general, naming each nation's scheme.
        (
            "dbs_enhanced_adults",
            None,
            "Enhanced background check with the adults' barred list "
            "(DBS; PVG for adults in Scotland; AccessNI in Northern Ireland)",
        ),
        ("identity", "scotland", "Proof of identity"),
        ("a_code_nobody_defined", "england", "a_code_nobody_defined"),
    ],
)
def test_a_provider_is_asked_for_each_requirement_in_its_own_nation_s_words(code, nation, name):
    from registry.checks.kinds import requirement_name

    assert requirement_name(code, nation) == name


@pytest.mark.parametrize("app_config", [{"DBS_RECHECK_DAYS": 400, "CHECK_VALIDITY_DAYS": {"right_to_work": 300}}])
def test_each_nation_s_background_check_and_a_lasting_right_to_work_run_as_long_as_they_prove(app, app_config):
    from registry.checks.kinds import NO_EXPIRY

    decided = date(2026, 5, 1)
    with app.app_context():
        # AccessNI from its issue date, PVG from the scheme record's date, each plus the re-check interval.
        assert services.proposed_valid_until("accessni", {"issue_date": "2026-02-03"}, decided) == date(2027, 3, 10)
        assert services.proposed_valid_until("pvg", {"scheme_record_date": "2026-02-03"}, decided) == date(2027, 3, 10)
        assert services.proposed_valid_until("pvg", {"scheme_record_date": "soon"}, decided) is None
        assert services.proposed_valid_until("pvg", {"issue_date": "2026-02-03"}, decided) is None  # not its date
        # A British passport proves a lasting right; other evidence is asked for again.
        passport = {"document_type": "british_passport"}
        assert services.proposed_valid_until("right_to_work", passport, decided) == NO_EXPIRY
        assert services.proposed_valid_until("right_to_work", {"document_type": "share_code"}, decided) == date(
            2027, 2, 25
        )
