"""Trust you can read: what was checked, how, and when (DESIGN.md, trust model 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.checks.kinds import BARRED_LISTS, DBS_LEVELS, KIND_NAMES, VERIFICATION_METHODS, CheckKind
from registry.checks.models import Check
from registry.providers.models import Provider
from registry.formatting import long_date


@dataclass(frozen=True)
class Badge:
    kind: str
    text: str  # e.g. "Enhanced DBS with adults' barred list, Update Service status checked on 12 March 2026"
    codes: tuple[str, ...]  # search badge codes it earns
    check: Check


def current_checks(provider: Provider, today: date) -> list[Check]:
    """The newest approved, current check of each kind."""
    newest: dict[str, Check] = {}
    for check in provider.checks:
        if check.is_current(today):
            newest[check.kind] = check
    return sorted(newest.values(), key=lambda c: list(CheckKind).index(c.kind))


def badge_for(check: Check) -> Badge:
    d = check.details or {}
    how = VERIFICATION_METHODS.get(check.verification_method or "", "checked")
    when = long_date(check.decided_at)
    codes: tuple[str, ...] = ()
    if check.kind == CheckKind.DBS:
        what = f"{DBS_LEVELS.get(d.get('level'), 'A')} DBS"
        if d.get("barred_lists") not in (None, "none"):
            what += f" with {BARRED_LISTS[d['barred_lists']]}"
        codes = ("enhanced-dbs",) if d.get("level") == "enhanced" else ()
        if check.verification_method == "update_service":
            codes += ("dbs-update-service",)
            text = f"{what}, Update Service status checked on {when}"
        else:
            text = f"{what}, {how} on {when}"
    elif check.kind == CheckKind.INSURANCE:
        text = f"Public liability insurance, £{int(d.get('cover_pounds', 0)):,} cover, valid until {long_date(check.valid_until)}"
        codes = ("insurance",)
    elif check.kind == CheckKind.CQC:
        text = f"CQC registration {d.get('registration_id', '')} confirmed on {when}"
        codes = ("cqc-registered",)
    elif check.kind == CheckKind.FOOD_HYGIENE:
        text = f"Food hygiene rating {d.get('rating')} ({d.get('local_authority', '')}, inspected {long_date(date.fromisoformat(d['inspected_on'])) if d.get('inspected_on') else 'recently'})"
        codes = ("food-hygiene-5",) if int(d.get("rating", 0)) == 5 else ()
    elif check.kind == CheckKind.QUALIFICATION:
        text = f"{d.get('title', 'Qualification')} ({d.get('awarding_body', '')}), {how} on {when}"
    elif check.kind == CheckKind.FIRST_AID:
        text = f"First aid: {d.get('course', 'certificate')}, {how} on {when}"
        codes = ("first-aid",)
    else:
        text = f"{KIND_NAMES[check.kind]}: {how} on {when}"
    return Badge(check.kind, text, codes, check)


def badges(provider: Provider, today: date) -> list[Badge]:
    """Badges for the public: none while suspended, when the checks do not vouch for anyone."""
    if provider.suspended_at is not None:
        return []
    return [badge_for(check) for check in current_checks(provider, today)]


def search_badge_codes(provider: Provider, today: date) -> dict[str, date]:
    """Search badge codes the provider holds today, each with the last day it holds."""
    until: dict[str, date] = {}
    for badge in badges(provider, today):
        for code in badge.codes:
            until[code] = max(until.get(code, badge.check.valid_until), badge.check.valid_until)
    return dict(sorted(until.items()))
