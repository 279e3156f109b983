"""The kinds of check, what each records, and which requirements each satisfies."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class CheckKind(StrEnum):
    IDENTITY = "identity"
    DBS = "dbs"
    RIGHT_TO_WORK = "right_to_work"
    INSURANCE = "insurance"
    QUALIFICATION = "qualification"
    CQC = "cqc"
    FOOD_HYGIENE = "food_hygiene"
    FIRST_AID = "first_aid"
    REFERENCE = "reference"


KIND_NAMES = {
    CheckKind.IDENTITY: "Proof of identity",
    CheckKind.DBS: "DBS check",
    CheckKind.RIGHT_TO_WORK: "Right to work",
    CheckKind.INSURANCE: "Public liability insurance",
    CheckKind.QUALIFICATION: "Qualification",
    CheckKind.CQC: "CQC registration",
    CheckKind.FOOD_HYGIENE: "Food hygiene rating",
    CheckKind.FIRST_AID: "First aid certificate",
    CheckKind.REFERENCE: "Reference",
}


# The same names as they read inside a sentence ("your DBS check is approved").
KIND_PHRASES = {
    CheckKind.IDENTITY: "proof of identity",
    CheckKind.DBS: "DBS check",
    CheckKind.RIGHT_TO_WORK: "right to work check",
    CheckKind.INSURANCE: "public liability insurance",
    CheckKind.QUALIFICATION: "qualification",
    CheckKind.CQC: "CQC registration",
    CheckKind.FOOD_HYGIENE: "food hygiene rating",
    CheckKind.FIRST_AID: "first aid certificate",
    CheckKind.REFERENCE: "reference",
}


class CheckStatus(StrEnum):
    PENDING = "pending"  # waiting for an officer (also after an appeal)
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    SUPERSEDED = "superseded"  # replaced by a newer check before a decision
    REVOKED = "revoked"  # approved, then withdrawn by an officer


STATUS_LABELS = {
    CheckStatus.PENDING: "Waiting for review",
    CheckStatus.INFO_REQUESTED: "More information needed",
    CheckStatus.APPROVED: "Approved",
    CheckStatus.REJECTED: "Rejected",
    CheckStatus.LAPSED: "Lapsed",
    CheckStatus.SUPERSEDED: "Replaced",
    CheckStatus.REVOKED: "Approval revoked",
}

DBS_LEVELS = {"basic": "Basic", "standard": "Standard", "enhanced": "Enhanced"}
BARRED_LISTS = {"none": "No barred lists", "adults": "adults' barred list", "children": "children's barred list", "both": "adults' and children's barred lists"}

VERIFICATION_METHODS = {
    "in_person": "original seen in person",
    "video": "original seen by video call",
    "update_service": "DBS Update Service status checked",
}
UPDATE_SERVICE_RESULTS = {
    "no_new_information": "No new information",
    "new_information": "New information",
    "no_match": "No match",
}
APPROVABLE_UPDATE_SERVICE_RESULTS = {"no_new_information"}


def satisfies(requirement: str, kind: str, details: dict) -> bool:
    """Whether an approved, current check of ``kind`` meets a service requirement code."""
    if requirement.startswith("dbs_"):
        if kind != CheckKind.DBS:
            return False
        if requirement == "dbs_basic":
            return True
        barred = details.get("barred_lists")
        wanted = "adults" if requirement == "dbs_enhanced_adults" else "children"
        return details.get("level") == "enhanced" and barred in (wanted, "both")
    if requirement == "food_hygiene":
        return kind == CheckKind.FOOD_HYGIENE and int(details.get("rating", 0)) >= 3
    return {
        "identity": CheckKind.IDENTITY,
        "right_to_work": CheckKind.RIGHT_TO_WORK,
        "public_liability_insurance": CheckKind.INSURANCE,
        "cqc_registration": CheckKind.CQC,
        "qualification": CheckKind.QUALIFICATION,
    }.get(requirement) == kind


# What each requirement code asks for, in words providers and officers read.
REQUIREMENT_NAMES = {
    "identity": "Proof of identity",
    "dbs_basic": "A DBS check (any level)",
    "dbs_enhanced_adults": "Enhanced DBS with the adults' barred list",
    "dbs_enhanced_children": "Enhanced DBS with the children's barred list",
    "right_to_work": "Right to work in the UK",
    "public_liability_insurance": "Public liability insurance",
    "cqc_registration": "CQC registration",
    "food_hygiene": "Food hygiene rating of 3 or more",
    "qualification": "A relevant professional qualification",
}

# The kind of check that meets each requirement (what the provider should add).
REQUIREMENT_KIND = {
    "identity": CheckKind.IDENTITY,
    "dbs_basic": CheckKind.DBS,
    "dbs_enhanced_adults": CheckKind.DBS,
    "dbs_enhanced_children": CheckKind.DBS,
    "right_to_work": CheckKind.RIGHT_TO_WORK,
    "public_liability_insurance": CheckKind.INSURANCE,
    "cqc_registration": CheckKind.CQC,
    "food_hygiene": CheckKind.FOOD_HYGIENE,
    "qualification": CheckKind.QUALIFICATION,
}


def latest_valid_until(kind: str, details: dict, decided_on: date, dbs_recheck_days: int, validity_days: dict[str, int]) -> date | None:
    """The latest date an approval of this check may run to; officers may choose an earlier one.

    Insurance: the policy's end. DBS: the issue date plus the registry's
    re-check interval. Others: the decision date plus the kind's validity
    (``CHECK_VALIDITY_DAYS``). None when the details lack the date it needs.
    """
    if kind == CheckKind.INSURANCE:
        return _as_date(details.get("end_date"))
    if kind == CheckKind.DBS:
        issued = _as_date(details.get("issue_date"))
        return issued + timedelta(days=dbs_recheck_days) if issued else None
    return decided_on + timedelta(days=validity_days[kind])


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
