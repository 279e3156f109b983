"""The kinds of check, what each records, and which requirements each satisfies."""

from __future__ import annotations

from dataclasses import dataclass
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
BARRED_LISTS = {
    "none": "No barred lists",
    "adults": "adults' barred list",
    "children": "children's barred list",
    "both": "adults' and children's barred lists",
}

VERIFICATION_METHODS = {
    "in_person": "original seen in person",
    "video": "original seen by video call",
    "update_service": "DBS Update Service status checked",
}
# How a DBS certificate may be verified: its security features cannot be judged over video.
DBS_VERIFICATION_METHODS = ("in_person", "update_service")
UPDATE_SERVICE_RESULTS = {
    "no_new_information": "No new information",
    "new_information": "New information",
    "no_match": "No match",
}
APPROVABLE_UPDATE_SERVICE_RESULTS = {"no_new_information"}


@dataclass(frozen=True)
class Requirement:
    """A check a service can require: the kind of check that meets it, and what of that kind is enough.

    What is enough is data, not code, so that the listing rule reads the same
    whether it runs over loaded checks (:meth:`accepts`) or in a query
    (:func:`registry.checks.listing.listed_now_clause`): ``one_of`` names
    detail fields and the values that meet the requirement, ``at_least`` a
    numeric detail field and its minimum.
    """

    code: str
    name: str  # what it asks for, in words providers and officers read
    kind: CheckKind  # what the provider should add
    one_of: tuple[tuple[str, frozenset[str]], ...] = ()
    at_least: tuple[str, int] | None = None

    def accepts(self, details: dict) -> bool:
        """Whether the details of an approved, current check of ``kind`` are enough."""
        if any(details.get(field) not in values for field, values in self.one_of):
            return False
        if self.at_least is not None:
            field, minimum = self.at_least
            try:
                return int(details.get(field, 0)) >= minimum
            except (TypeError, ValueError):
                return False
        return True


def _enhanced_dbs_with(barred_list: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return (("level", frozenset({"enhanced"})), ("barred_lists", frozenset({barred_list, "both"})))


# The one table of requirement codes (service_requirements.requirement holds these codes).
REQUIREMENTS: dict[str, Requirement] = {
    r.code: r
    for r in (
        Requirement("identity", "Proof of identity", CheckKind.IDENTITY),
        Requirement("dbs_basic", "A DBS check (any level)", CheckKind.DBS),
        Requirement(
            "dbs_enhanced_adults",
            "Enhanced DBS with the adults' barred list",
            CheckKind.DBS,
            one_of=_enhanced_dbs_with("adults"),
        ),
        Requirement(
            "dbs_enhanced_children",
            "Enhanced DBS with the children's barred list",
            CheckKind.DBS,
            one_of=_enhanced_dbs_with("children"),
        ),
        Requirement("right_to_work", "Right to work in the UK", CheckKind.RIGHT_TO_WORK),
        Requirement("public_liability_insurance", "Public liability insurance", CheckKind.INSURANCE),
        Requirement("cqc_registration", "CQC registration", CheckKind.CQC),
        Requirement("food_hygiene", "Food hygiene rating of 3 or more", CheckKind.FOOD_HYGIENE, at_least=("rating", 3)),
        Requirement("qualification", "A relevant professional qualification", CheckKind.QUALIFICATION),
    )
}

REQUIREMENT_NAMES = {code: r.name for code, r in REQUIREMENTS.items()}
REQUIREMENT_KIND = {code: r.kind for code, r in REQUIREMENTS.items()}


def satisfies(requirement: str, kind: str, details: dict) -> bool:
    """Whether an approved, current check of ``kind`` meets a service requirement code."""
    wanted = REQUIREMENTS.get(requirement)
    return wanted is not None and kind == wanted.kind and wanted.accepts(details)


def latest_valid_until(
    kind: str, details: dict, decided_on: date, dbs_recheck_days: int, validity_days: dict[str, int]
) -> date | None:
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
