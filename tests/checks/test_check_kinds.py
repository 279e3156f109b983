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
