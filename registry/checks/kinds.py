"""The kinds of check, what each records, and which requirements each satisfies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from registry.i18n import N_
from registry.nations import NATION_NAMES, Nation


class CheckKind(StrEnum):
    IDENTITY = "identity"
    DBS = "dbs"  # England and Wales
    PVG = "pvg"  # Scotland: Protecting Vulnerable Groups scheme membership (Disclosure Scotland)
    ACCESSNI = "accessni"  # Northern Ireland
    RIGHT_TO_WORK = "right_to_work"
    INSURANCE = "insurance"
    QUALIFICATION = "qualification"
    CQC = "cqc"  # England's care regulator
    CARE_INSPECTORATE = "care_inspectorate"  # Scotland's
    CIW = "ciw"  # Care Inspectorate Wales
    RQIA = "rqia"  # Northern Ireland's Regulation and Quality Improvement Authority
    FOOD_HYGIENE = "food_hygiene"
    FIRST_AID = "first_aid"
    REFERENCE = "reference"


KIND_NAMES = {
    CheckKind.IDENTITY: N_("Proof of identity"),
    CheckKind.DBS: N_("DBS check"),
    CheckKind.PVG: N_("PVG scheme membership"),
    CheckKind.ACCESSNI: N_("AccessNI check"),
    CheckKind.RIGHT_TO_WORK: N_("Right to work"),
    CheckKind.INSURANCE: N_("Public liability insurance"),
    CheckKind.QUALIFICATION: N_("Qualification"),
    CheckKind.CQC: N_("CQC registration"),
    CheckKind.CARE_INSPECTORATE: N_("Care Inspectorate registration"),
    CheckKind.CIW: N_("Care Inspectorate Wales registration"),
    CheckKind.RQIA: N_("RQIA registration"),
    CheckKind.FOOD_HYGIENE: N_("Food hygiene rating"),
    CheckKind.FIRST_AID: N_("First aid certificate"),
    CheckKind.REFERENCE: N_("Reference"),
}


# The same names as they read inside a sentence ("your DBS check is approved").
KIND_PHRASES = {
    CheckKind.IDENTITY: N_("proof of identity"),
    CheckKind.DBS: N_("DBS check"),
    CheckKind.PVG: N_("PVG scheme membership"),
    CheckKind.ACCESSNI: N_("AccessNI check"),
    CheckKind.RIGHT_TO_WORK: N_("right to work check"),
    CheckKind.INSURANCE: N_("public liability insurance"),
    CheckKind.QUALIFICATION: N_("qualification"),
    CheckKind.CQC: N_("CQC registration"),
    CheckKind.CARE_INSPECTORATE: N_("Care Inspectorate registration"),
    CheckKind.CIW: N_("Care Inspectorate Wales registration"),
    CheckKind.RQIA: N_("RQIA registration"),
    CheckKind.FOOD_HYGIENE: N_("food hygiene rating"),
    CheckKind.FIRST_AID: N_("first aid certificate"),
    CheckKind.REFERENCE: N_("reference"),
}

# Kinds that belong to some nations only (DESIGN.md, trust model 10); every other kind is asked everywhere.
# A provider is offered, and may submit, only its own nation's: a Scottish provider is asked for PVG, not DBS.
KIND_NATIONS: dict[CheckKind, frozenset[Nation]] = {
    CheckKind.DBS: frozenset({Nation.ENGLAND, Nation.WALES}),
    CheckKind.PVG: frozenset({Nation.SCOTLAND}),
    CheckKind.ACCESSNI: frozenset({Nation.NORTHERN_IRELAND}),
    CheckKind.CQC: frozenset({Nation.ENGLAND}),
    CheckKind.CARE_INSPECTORATE: frozenset({Nation.SCOTLAND}),
    CheckKind.CIW: frozenset({Nation.WALES}),
    CheckKind.RQIA: frozenset({Nation.NORTHERN_IRELAND}),
}


def kind_offered(kind: str, nation: str | None) -> bool:
    """Whether a provider in ``nation`` (None: none known) may add a check of ``kind``."""
    nations = KIND_NATIONS.get(kind)
    return nations is None or nation in nations


def kinds_for(nation: str | None) -> list[CheckKind]:
    """The kinds a provider in ``nation`` is offered, in the usual order."""
    return [kind for kind in CheckKind if kind_offered(kind, nation)]


def wrong_nation_message(kind: str, nation: str | None) -> str:
    """Why a provider in ``nation`` cannot add a check of ``kind``: safe to show."""
    where = " and ".join(NATION_NAMES[n] for n in sorted(KIND_NATIONS[kind], key=list(Nation).index))
    if nation is None:
        return (
            f"A {KIND_PHRASES[kind]} is for providers in {where}. Add your postcode to your profile first: "
            "the checks you need follow the nation your postcode is in."
        )
    return (
        f"A {KIND_PHRASES[kind]} is for providers in {where}. Your postcode is in {NATION_NAMES[Nation(nation)]}: "
        "add that nation's check instead (your dashboard says which)."
    )


class CheckStatus(StrEnum):
    PENDING = "pending"  # waiting for an officer (also after an appeal)
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    SUPERSEDED = "superseded"  # replaced by a newer check before a decision
    REVOKED = "revoked"  # approved, then withdrawn by an officer


STATUS_LABELS = {
    CheckStatus.PENDING: N_("Waiting for review"),
    CheckStatus.INFO_REQUESTED: N_("More information needed"),
    CheckStatus.APPROVED: N_("Approved"),
    CheckStatus.REJECTED: N_("Rejected"),
    CheckStatus.LAPSED: N_("Lapsed"),
    CheckStatus.SUPERSEDED: N_("Replaced"),
    CheckStatus.REVOKED: N_("Approval revoked"),
}

DBS_LEVELS = {"basic": N_("Basic"), "standard": N_("Standard"), "enhanced": N_("Enhanced")}
BARRED_LISTS = {
    "none": "No barred lists",
    "adults": "adults' barred list",
    "children": "children's barred list",
    "both": "adults' and children's barred lists",
}

# PVG: which workforce the membership is for (regulated roles with adults, children, or both).
PVG_WORKFORCES = {
    "adults": "protected adults",
    "children": "children",
    "both": "children and protected adults",
}

VERIFICATION_METHODS = {
    "in_person": "original seen in person",
    "video": "original seen by video call",
    "update_service": "DBS Update Service status checked",
    "public_register": "checked on the regulator's public register",
}
# How a DBS certificate may be verified: its security features cannot be judged over video.
DBS_VERIFICATION_METHODS = ("in_person", "update_service")
# How each kind may be verified, where not every method fits: a background check's security features
# cannot be judged over video, and only the DBS has an Update Service; PVG membership is verified on
# Disclosure Scotland's scheme record (or scheme record update), AccessNI on the certificate, both seen
# in person; a regulator's registration on its public register.
KIND_VERIFICATION_METHODS: dict[str, tuple[str, ...]] = {
    CheckKind.DBS: DBS_VERIFICATION_METHODS,
    CheckKind.PVG: ("in_person",),
    CheckKind.ACCESSNI: ("in_person",),
    CheckKind.CQC: ("public_register", "in_person", "video"),
    CheckKind.CARE_INSPECTORATE: ("public_register", "in_person", "video"),
    CheckKind.CIW: ("public_register", "in_person", "video"),
    CheckKind.RQIA: ("public_register", "in_person", "video"),
}
DEFAULT_VERIFICATION_METHODS = ("in_person", "video")


def verification_methods_for(kind: str) -> tuple[str, ...]:
    return KIND_VERIFICATION_METHODS.get(kind, DEFAULT_VERIFICATION_METHODS)


# What the officer's review page says each scheme needs before an approval.
VERIFICATION_NOTES: dict[str, str] = {
    CheckKind.DBS: "Compare the certificate with the details entered. Approve only on the original seen in "
    "person or a DBS Update Service status check that says no new information.",
    CheckKind.PVG: "PVG membership is verified on Disclosure Scotland's scheme record (or a scheme record update) "
    "for this member, seen in person: check the membership number, the name and the workforce "
    "(adults, children or both). The DBS Update Service does not cover PVG.",
    CheckKind.ACCESSNI: "Compare the AccessNI certificate with the details entered, original seen in person. "
    "There is no Update Service in Northern Ireland: the certificate is re-checked by a new one.",
    CheckKind.CQC: "Look the location up on the CQC's register; the registry then syncs it every night.",
    CheckKind.CARE_INSPECTORATE: "Look the service up on the Care Inspectorate's register of care services "
    "(careinspectorate.com). The registry does not sync it automatically: the approval runs for a year.",
    CheckKind.CIW: "Look the service up on Care Inspectorate Wales's register (careinspectorate.wales). "
    "The registry does not sync it automatically: the approval runs for a year.",
    CheckKind.RQIA: "Look the service up on RQIA's register of services (rqia.org.uk). "
    "The registry does not sync it automatically: the approval runs for a year.",
}
UPDATE_SERVICE_RESULTS = {
    "no_new_information": "No new information",
    "new_information": "New information",
    "no_match": "No match",
}
APPROVABLE_UPDATE_SERVICE_RESULTS = {"no_new_information"}


@dataclass(frozen=True)
class Criterion:
    """What meets a requirement in one or more nations: the kind of check, and what of that kind is enough.

    What is enough is data, not code, so that the listing rule reads the same
    whether it runs over loaded checks (:meth:`accepts`) or in a query
    (:func:`registry.checks.listing.listed_now_clause`): ``one_of`` names
    detail fields and the values that meet the requirement, ``at_least`` a
    numeric detail field and its minimum.
    """

    kind: CheckKind  # what the provider should add
    name: str  # what it asks for there, in words providers and officers read
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


EVERY_NATION = None  # a criterion's nations: None for every provider, wherever it is (or with no postcode)


@dataclass(frozen=True)
class Requirement:
    """A check a service can require, and what meets it in each nation.

    ``criteria`` pairs nations with what meets the requirement there; the
    requirement code stored on a service stays the same across the UK, its
    meaning follows the provider's nation. A provider in a nation no
    criterion names (or with no nation) cannot meet it.
    """

    code: str
    name: str  # what it asks for anywhere, for the admin's list of requirements
    criteria: tuple[tuple[frozenset[Nation] | None, Criterion], ...]

    def criterion(self, nation: str | None) -> Criterion | None:
        """What meets it for a provider in ``nation``."""
        for nations, criterion in self.criteria:
            if nations is EVERY_NATION or nation in nations:
                return criterion
        return None

    def accepts(self, kind: str, details: dict, nation: str | None) -> bool:
        criterion = self.criterion(nation)
        return criterion is not None and kind == criterion.kind and criterion.accepts(details)


def _everywhere(kind: CheckKind, name: str, **enough) -> tuple[tuple[None, Criterion], ...]:
    return ((EVERY_NATION, Criterion(kind, name, **enough)),)


_ENGLAND_AND_WALES = frozenset({Nation.ENGLAND, Nation.WALES})
_ENGLAND = frozenset({Nation.ENGLAND})
_WALES = frozenset({Nation.WALES})
_SCOTLAND = frozenset({Nation.SCOTLAND})
_NORTHERN_IRELAND = frozenset({Nation.NORTHERN_IRELAND})


def _enhanced_with(barred_list: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return (("level", frozenset({"enhanced"})), ("barred_lists", frozenset({barred_list, "both"})))


def _background_check(barred_list: str, whom: str) -> tuple[tuple[frozenset[Nation], Criterion], ...]:
    """An enhanced check with one barred list, in each nation's scheme: PVG for that workforce in Scotland."""
    return (
        (
            _ENGLAND_AND_WALES,
            Criterion(CheckKind.DBS, f"Enhanced DBS with the {whom} barred list", one_of=_enhanced_with(barred_list)),
        ),
        (
            _SCOTLAND,
            Criterion(
                CheckKind.PVG,
                f"PVG scheme membership for work with {PVG_WORKFORCES[barred_list]}",
                one_of=(("workforce", frozenset({barred_list, "both"})),),
            ),
        ),
        (
            _NORTHERN_IRELAND,
            Criterion(
                CheckKind.ACCESSNI,
                f"Enhanced AccessNI check with the {whom} barred list",
                one_of=_enhanced_with(barred_list),
            ),
        ),
    )


# The one table of requirement codes (service_requirements.requirement holds these codes). The codes are
# the ones stored before the nations had their own schemes ("dbs_enhanced_adults" now reads "the enhanced
# background check of the provider's nation"), so no stored requirement changes meaning in England.
REQUIREMENTS: dict[str, Requirement] = {
    r.code: r
    for r in (
        Requirement("identity", "Proof of identity", _everywhere(CheckKind.IDENTITY, "Proof of identity")),
        Requirement(
            "dbs_basic",
            "A criminal record check, any level (DBS; PVG in Scotland; AccessNI in Northern Ireland)",
            (
                (_ENGLAND_AND_WALES, Criterion(CheckKind.DBS, "A DBS check (any level)")),
                (_SCOTLAND, Criterion(CheckKind.PVG, "PVG scheme membership")),
                (_NORTHERN_IRELAND, Criterion(CheckKind.ACCESSNI, "An AccessNI check (any level)")),
            ),
        ),
        Requirement(
            "dbs_enhanced_adults",
            "Enhanced background check with the adults' barred list "
            "(DBS; PVG for adults in Scotland; AccessNI in Northern Ireland)",
            _background_check("adults", "adults'"),
        ),
        Requirement(
            "dbs_enhanced_children",
            "Enhanced background check with the children's barred list "
            "(DBS; PVG for children in Scotland; AccessNI in Northern Ireland)",
            _background_check("children", "children's"),
        ),
        Requirement(
            "right_to_work", "Right to work in the UK", _everywhere(CheckKind.RIGHT_TO_WORK, "Right to work in the UK")
        ),
        Requirement(
            "public_liability_insurance",
            "Public liability insurance",
            _everywhere(CheckKind.INSURANCE, "Public liability insurance"),
        ),
        Requirement(
            "cqc_registration",
            "Registration with the nation's care regulator "
            "(CQC; Care Inspectorate in Scotland; Care Inspectorate Wales; RQIA in Northern Ireland)",
            (
                (_ENGLAND, Criterion(CheckKind.CQC, "CQC registration")),
                (_WALES, Criterion(CheckKind.CIW, "Registration with Care Inspectorate Wales")),
                (_SCOTLAND, Criterion(CheckKind.CARE_INSPECTORATE, "Registration with the Care Inspectorate")),
                (_NORTHERN_IRELAND, Criterion(CheckKind.RQIA, "Registration with RQIA")),
            ),
        ),
        Requirement(
            "food_hygiene",
            "Food hygiene rating of 3 or more",
            _everywhere(CheckKind.FOOD_HYGIENE, "Food hygiene rating of 3 or more", at_least=("rating", 3)),
        ),
        Requirement(
            "qualification",
            "A relevant professional qualification",
            _everywhere(CheckKind.QUALIFICATION, "A relevant professional qualification"),
        ),
    )
}

REQUIREMENT_NAMES = {code: r.name for code, r in REQUIREMENTS.items()}


def requirement_kind(code: str, nation: str | None) -> CheckKind | None:
    """The kind of check that meets requirement ``code`` for a provider in ``nation`` (None: nothing can)."""
    wanted = REQUIREMENTS.get(code)
    criterion = wanted.criterion(nation) if wanted else None
    return criterion.kind if criterion else None


def requirement_name(code: str, nation: str | None) -> str:
    """What requirement ``code`` asks of a provider in ``nation``, in its own scheme's words."""
    wanted = REQUIREMENTS.get(code)
    if wanted is None:
        return code
    criterion = wanted.criterion(nation)
    return wanted.name if criterion is None else criterion.name


def satisfies(requirement: str, kind: str, details: dict, nation: str | None) -> bool:
    """Whether an approved, current check of ``kind`` held by a provider in ``nation`` meets a requirement code."""
    wanted = REQUIREMENTS.get(requirement)
    return wanted is not None and wanted.accepts(kind, details, nation)


def latest_valid_until(
    kind: str, details: dict, decided_on: date, dbs_recheck_days: int, validity_days: dict[str, int]
) -> date | None:
    """The latest date an approval of this check may run to; officers may choose an earlier one.

    Insurance: the policy's end. DBS and AccessNI: the issue date plus the
    registry's re-check interval; PVG: the scheme record's date plus the same. Others: the decision date plus the kind's validity
    (``CHECK_VALIDITY_DAYS``). None when the details lack the date it needs.
    """
    if kind == CheckKind.INSURANCE:
        return _as_date(details.get("end_date"))
    if kind in (CheckKind.DBS, CheckKind.ACCESSNI):
        issued = _as_date(details.get("issue_date"))
        return issued + timedelta(days=dbs_recheck_days) if issued else None
    if kind == CheckKind.PVG:  # the scheme record shows the membership as of its date
        recorded = _as_date(details.get("scheme_record_date"))
        return recorded + timedelta(days=dbs_recheck_days) if recorded else None
    if kind == CheckKind.RIGHT_TO_WORK and details.get("document_type") in LASTING_RIGHT_TO_WORK:
        return NO_EXPIRY
    return decided_on + timedelta(days=validity_days[kind])


# An approval that never needs renewing for its purpose: stored as the last date there is, so every
# "current on this day" comparison keeps working, and shown as "does not expire" (Check.never_lapses).
NO_EXPIRY = date.max

# Right-to-work evidence that proves a lasting right: a British or Irish citizen's right to work does not
# run out, so the Home Office asks for no follow-up check. Other evidence (share codes, permits) shows a
# status that may be time-limited, so it is asked for again after CHECK_VALIDITY_DAYS["right_to_work"].
LASTING_RIGHT_TO_WORK = frozenset({"british_passport"})


def _span(days: int) -> str:
    """A validity in the words people use: 365 days is "1 year", 1095 "3 years"; anything else in days."""
    years, rest = divmod(days, 365)
    if years and not rest:
        return "1 year" if years == 1 else f"{years} years"
    return f"{days} days"


def how_long_it_lasts(kind: str, details: dict | None, dbs_recheck_days: int, validity_days: dict[str, int]) -> str:
    """Once an officer approves it, how long a check of ``kind`` counts, as a phrase for the provider.

    The same rule as :func:`latest_valid_until`, in words: shown before a check is
    sent, in the acknowledgement and on the dashboard. ``details`` None: the kind
    in general (right to work then names both cases).
    """
    if kind == CheckKind.INSURANCE:
        return "until your policy's end date"
    if kind == CheckKind.DBS:
        lasts = f"{_span(dbs_recheck_days)} from the certificate's issue date"
        if details is None or details.get("update_service"):
            lasts += ", or longer while its DBS Update Service status checks find no new information"
        return lasts
    if kind == CheckKind.ACCESSNI:
        return f"{_span(dbs_recheck_days)} from the certificate's issue date"
    if kind == CheckKind.PVG:
        return f"{_span(dbs_recheck_days)} from the date of your scheme record"
    if kind == CheckKind.RIGHT_TO_WORK:
        other = f"{_span(validity_days[kind])} from approval"
        if details is None:
            return f"for good with a British or Irish passport; {other} with other evidence"
        if details.get("document_type") in LASTING_RIGHT_TO_WORK:
            return "for good: a British or Irish passport proves a lasting right to work, so it does not expire"
        return other
    return f"{_span(validity_days[kind])} from approval"


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
