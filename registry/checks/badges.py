"""Trust you can read: what was checked, how, and when (DESIGN.md, trust model 9)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from registry.checks.kinds import BARRED_LISTS, DBS_LEVELS, KIND_NAMES, VERIFICATION_METHODS, CheckKind
from registry.checks.models import Check, CqcLocation, cqc_location_url
from registry.formatting import long_date
from registry.i18n import N_
from registry.providers.models import Provider


@dataclass(frozen=True)
class SearchBadge:
    """A badge a recipient can require in search: its code, its short label, and which current check earns it."""

    code: str
    label: str
    kind: str  # the kind of check that earns it
    earned_by: Callable[[dict, str | None], bool] = lambda details, how: True  # given (details, verification method)


# The one table of search badge codes: the codes a check earns, the search
# parameter's choices and the labels on the page all derive from it. Each
# nation's scheme has its own code, so a search card says what was checked
# (a Scottish provider's card says "PVG scheme member", never "Enhanced DBS").
# An enhanced background check earns one code in every nation (enhanced DBS,
# PVG membership, enhanced AccessNI; the DBS Update Service one more), a
# regulator's registration one, so best match's verification counts compare.
SEARCH_BADGES: dict[str, SearchBadge] = {
    b.code: b
    for b in (
        SearchBadge("enhanced-dbs", N_("Enhanced DBS"), CheckKind.DBS, lambda d, how: d.get("level") == "enhanced"),
        SearchBadge(
            "dbs-update-service", N_("DBS Update Service"), CheckKind.DBS, lambda d, how: how == "update_service"
        ),
        SearchBadge("pvg-member", N_("PVG scheme member"), CheckKind.PVG),
        SearchBadge(
            "enhanced-accessni",
            N_("Enhanced AccessNI"),
            CheckKind.ACCESSNI,
            lambda d, how: d.get("level") == "enhanced",
        ),
        SearchBadge("insurance", N_("Insured"), CheckKind.INSURANCE),
        SearchBadge("cqc-registered", N_("CQC registered"), CheckKind.CQC),
        SearchBadge("care-inspectorate", N_("Registered with the Care Inspectorate"), CheckKind.CARE_INSPECTORATE),
        SearchBadge("ciw-registered", N_("Registered with Care Inspectorate Wales"), CheckKind.CIW),
        SearchBadge("rqia-registered", N_("Registered with RQIA"), CheckKind.RQIA),
        SearchBadge(
            "food-hygiene-5", N_("Food hygiene 5"), CheckKind.FOOD_HYGIENE, lambda d, how: int(d.get("rating", 0)) == 5
        ),
        SearchBadge("first-aid", N_("First aid trained"), CheckKind.FIRST_AID),
    )
}
# Each check is asked only about the badges its kind can earn (a rebuild asks this of every current check).
_BADGES_BY_KIND: dict[str, tuple[SearchBadge, ...]] = {
    kind: tuple(b for b in SEARCH_BADGES.values() if b.kind == kind)
    for kind in {b.kind for b in SEARCH_BADGES.values()}
}
BADGE_LABELS = {code: badge.label for code, badge in SEARCH_BADGES.items()}


# How a badge names the workforce a PVG membership covers: "PVG scheme member (adults)".
PVG_WORKFORCES_SHORT = {"adults": "adults", "children": "children", "both": "adults and children"}
# The other nations' regulators, as a badge says it (England's CQC has its own, live, badge below).
REGULATOR_NAMES = {
    CheckKind.CARE_INSPECTORATE: "Registered with the Care Inspectorate",
    CheckKind.CIW: "Registered with Care Inspectorate Wales",
    CheckKind.RQIA: "Registered with RQIA",
}


@dataclass(frozen=True)
class CqcRating:
    """A location's current overall CQC rating as the last sync read it; ``rating`` None is 'Not yet rated'."""

    location_id: str
    rating: str | None
    rating_date: date | None

    @property
    def label(self) -> str:
        return self.rating or "Not yet rated"

    @property
    def url(self) -> str:
        return cqc_location_url(self.location_id)


def cqc_rating_for(location: CqcLocation | None, registration_id: str | None) -> CqcRating | None:
    """The rating to show beside a CQC check naming ``registration_id``: only from a sync that found it registered."""
    if location is None or not registration_id or location.location_id != registration_id:
        return None
    if not location.is_registered:
        return None
    return CqcRating(location.location_id, location.overall_rating, location.rating_date)


@dataclass(frozen=True)
class Badge:
    kind: str
    text: str  # e.g. "Enhanced DBS with adults' barred list, Update Service status checked on 12 March 2026"
    codes: tuple[str, ...]  # search badge codes it earns
    check: Check
    cqc: CqcRating | None = None  # a CQC check's live registration and rating (issue 20)


# Checks are shown in the order their kinds are declared.
_KIND_ORDER = {kind: n for n, kind in enumerate(CheckKind)}


def current_checks(provider: Provider, today: date) -> list[Check]:
    """The newest approved, current check of each kind."""
    newest: dict[str, Check] = {}
    for check in provider.checks:
        if check.is_current(today):
            newest[check.kind] = check
    return sorted(newest.values(), key=lambda c: _KIND_ORDER[c.kind])


def badge_codes(kind: str, details: dict, verification_method: str | None) -> tuple[str, ...]:
    """The search badge codes a current check of ``kind`` earns (search filters and ranks on them)."""
    return tuple(badge.code for badge in _BADGES_BY_KIND.get(kind, ()) if badge.earned_by(details, verification_method))


def automatic_update_service_text(checked_at) -> str:
    """What a profile and a search card say of a certificate the registry status-checks itself."""
    return f"DBS Update Service: checked automatically on {long_date(checked_at)}"


def badge_for(check: Check, live_cqc: bool = False) -> Badge:
    """The badge for a current check; ``live_cqc`` adds a CQC check's synced registration and rating (one query)."""
    d = check.details or {}
    how = VERIFICATION_METHODS.get(check.verification_method or "", "checked")
    when = long_date(check.decided_at)
    if check.kind == CheckKind.DBS:
        what = f"{DBS_LEVELS.get(d.get('level'), 'A')} DBS"
        if d.get("barred_lists") not in (None, "none"):
            what += f" with {BARRED_LISTS[d['barred_lists']]}"
        if check.status_checked_at is not None and check.status_checked_by_id is None:
            text = f"{what}; {automatic_update_service_text(check.status_checked_at)}"
        elif check.verification_method == "update_service":
            text = f"{what}, Update Service status checked on {long_date(check.status_checked_at or check.decided_at)}"
        else:
            text = f"{what}, {how} on {when}"
    elif check.kind == CheckKind.PVG:
        whom = PVG_WORKFORCES_SHORT.get(d.get("workforce"), "")
        text = f"PVG scheme member{f' ({whom})' if whom else ''}, Disclosure Scotland scheme record {how} on {when}"
    elif check.kind == CheckKind.ACCESSNI:
        what = f"AccessNI {DBS_LEVELS.get(d.get('level'), '').lower() or 'background'} check"
        if d.get("barred_lists") not in (None, "none"):
            what += f" with {BARRED_LISTS[d['barred_lists']]}"
        text = f"{what}, {how} on {when}"
    elif check.kind in REGULATOR_NAMES:
        number = d.get("registration_id", "")
        text = f"{REGULATOR_NAMES[check.kind]}{f' ({number})' if number else ''}, {how} on {when}"
    elif check.kind == CheckKind.INSURANCE:
        text = f"Public liability insurance, £{int(d.get('cover_pounds', 0)):,} cover, valid until {long_date(check.valid_until)}"
    elif check.kind == CheckKind.CQC:
        text = f"CQC registration {d.get('registration_id', '')} confirmed on {when}"
    elif check.kind == CheckKind.FOOD_HYGIENE:
        text = f"Food hygiene rating {d.get('rating')} ({d.get('local_authority', '')}, inspected {long_date(date.fromisoformat(d['inspected_on'])) if d.get('inspected_on') else 'recently'})"
    elif check.kind == CheckKind.QUALIFICATION:
        text = f"{d.get('title', 'Qualification')} ({d.get('awarding_body', '')}), {how} on {when}"
    elif check.kind == CheckKind.FIRST_AID:
        text = f"First aid: {d.get('course', 'certificate')}, {how} on {when}"
    else:
        text = f"{KIND_NAMES[check.kind]}: {how} on {when}"
    cqc = None
    if live_cqc and check.kind == CheckKind.CQC:
        cqc = cqc_rating_for(check.provider.cqc_location, d.get("registration_id"))
        if cqc is not None and check.provider.cqc_location.synced_at is not None:
            text += f"; registered with the CQC as of {long_date(check.provider.cqc_location.synced_at)}"
    return Badge(check.kind, text, badge_codes(check.kind, d, check.verification_method), check, cqc)


def badges(provider: Provider, today: date, live_cqc: bool = False) -> list[Badge]:
    """Badges for the public: none while suspended, when the checks do not vouch for anyone.

    ``live_cqc``: the profile page's CQC badge also says what the nightly sync read (rating, date, link).
    """
    if provider.suspended_at is not None:
        return []
    return [badge_for(check, live_cqc) for check in current_checks(provider, today)]


def search_badge_codes(provider: Provider, today: date) -> dict[str, date]:
    """Search badge codes the provider holds today, each with the last day it holds."""
    if provider.suspended_at is not None:
        return {}
    return badge_codes_until([check for check in provider.checks if check.is_current(today)])


def badge_codes_until(current: Sequence) -> dict[str, date]:
    """Badge codes earned by the newest of each kind among ``current`` checks (in id order), with the last day each holds.

    ``current`` holds anything with a check's ``kind``, ``details``,
    ``verification_method`` and ``valid_until``: models, or rows read in bulk
    for the search index. Text is not built here; search needs only codes.
    """
    newest = {check.kind: check for check in current}
    until: dict[str, date] = {}
    for check in newest.values():
        for code in badge_codes(check.kind, check.details or {}, check.verification_method):
            until[code] = max(until.get(code, check.valid_until), check.valid_until)
    return dict(sorted(until.items()))
