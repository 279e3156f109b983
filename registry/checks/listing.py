"""Listed means searchable: the one rule that decides it (DESIGN.md, trust model 1).

A provider is listed for a service when it is not a draft, not suspended,
and every check the service requires of its kind (identity always) is
approved and current. The result is stored on ``ProviderService.listed`` and
``Provider.status`` so search can filter on it, and recomputed on every
decision, suspension, reinstatement, expiry and change of services. Search
also holds :func:`listed_until` for each listing, so a lapse hides the
provider on the day after, whether or not ``flask checks expire`` has run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from registry.checks.kinds import REQUIREMENT_KIND, REQUIREMENT_NAMES, CheckStatus, satisfies
from registry.checks.models import Check
from registry.providers.models import Provider, ServiceType
from registry.providers.services import profile_changed
from registry.providers.vocabulary import ProfileStatus


@dataclass
class RequirementState:
    """Where one requirement of one service stands, for the dashboard."""

    code: str
    name: str
    kind: str
    state: str  # "approved" | "lapsing" | "renewal_pending" | "pending" | "info_requested" | "rejected" | "lapsed" | "missing"
    check: Check | None


def requirements_for(provider: Provider, service_type: ServiceType) -> list[str]:
    return with_identity(service_type.requirements_for(provider.kind))


def with_identity(codes: list[str]) -> list[str]:
    """A service's requirement codes for one kind of provider: identity is always among them."""
    return codes if "identity" in codes else ["identity", *codes]


def meets(provider: Provider, requirement: str, today: date) -> Check | None:
    """The approved, current check meeting ``requirement``, if any."""
    for check in provider.checks:
        if check.is_current(today) and satisfies(requirement, check.kind, check.details or {}):
            return check
    return None


def listed_until(provider: Provider, service_type: ServiceType, today: date) -> date | None:
    """The last day the provider's current checks keep it listed for ``service_type``.

    Search stores it and compares it with the day of each query, so a lapse
    takes effect at midnight even if no job runs. None when a requirement is
    not met today (the service is not listed at all).
    """
    return listing_ends(requirements_for(provider, service_type), [c for c in provider.checks if c.is_current(today)])


def listing_ends(requirements: list[str], current: Sequence) -> date | None:
    """The last day ``current`` checks meet every requirement code; None when one is unmet.

    ``current`` holds anything with a check's ``kind``, ``details`` and
    ``valid_until`` (models, or rows read in bulk for the search index).
    """
    ends = []
    for code in requirements:
        kind = REQUIREMENT_KIND.get(code)  # only checks of the kind a requirement names can meet it
        meeting = [c.valid_until for c in current if c.kind == kind and satisfies(code, kind, c.details or {})]
        if not meeting:
            return None
        ends.append(max(meeting))
    return min(ends)


def recompute_listing(provider: Provider, today: date) -> bool:
    """Store which services the provider is listed for; returns whether anything changed."""
    before = (provider.status, [(row.service_type_id, row.listed) for row in provider.services])
    eligible = provider.status != ProfileStatus.DRAFT and provider.suspended_at is None
    for row in provider.services:
        row.listed = eligible and all(
            meets(provider, code, today) for code in requirements_for(provider, row.service_type)
        )
    if provider.status != ProfileStatus.DRAFT:
        if provider.suspended_at is not None:
            provider.status = ProfileStatus.SUSPENDED
        elif any(row.listed for row in provider.services):
            provider.status = ProfileStatus.LISTED
        else:
            provider.status = ProfileStatus.SUBMITTED
    return before != (provider.status, [(row.service_type_id, row.listed) for row in provider.services])


def requirement_states(
    provider: Provider, service_type: ServiceType, today: date, lapsing_days: int
) -> list[RequirementState]:
    """For the dashboard: each requirement of a service and the best check towards it."""
    states = []
    for code in requirements_for(provider, service_type):
        kind = REQUIREMENT_KIND[code]
        current = meets(provider, code, today)
        if current is not None:
            state = "lapsing" if (current.valid_until - today).days <= lapsing_days else "approved"
            renewal_waiting = any(
                c.kind == kind and c.status == CheckStatus.PENDING and (c.id or 0) > (current.id or 0)
                for c in provider.checks
            )
            if state == "lapsing" and renewal_waiting:
                state = "renewal_pending"
            states.append(RequirementState(code, REQUIREMENT_NAMES[code], kind, state, current))
            continue
        latest = next(
            (c for c in reversed(provider.checks) if c.kind == kind and c.status != CheckStatus.SUPERSEDED), None
        )
        state = "missing" if latest is None else latest.status
        if state == CheckStatus.APPROVED:  # approved but does not meet this requirement (e.g. basic DBS)
            state = "missing"
        states.append(RequirementState(code, REQUIREMENT_NAMES[code], kind, state, latest))
    return states


@profile_changed.connect
def _relist_changed_profile(provider: Provider, today: date) -> None:
    recompute_listing(provider, today)
