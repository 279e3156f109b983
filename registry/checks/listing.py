"""Listed means searchable: the one rule that decides it (DESIGN.md, trust model 1).

A provider is listed for a service when its account is open, it is not a
draft, not suspended, and every check the service requires of its kind
(identity always) is approved and current. The result is stored on
``ProviderService.listed`` and ``Provider.status`` so search can filter on
it, and recomputed on every decision, suspension, reinstatement, expiry,
account closure and change of services.

The stored result is only ever an upper bound. Every surface that shows a
provider to the public (search, the profile page and API, the Open Referral
feed, shortlists, the enquiry form, contact details, council coverage) asks
the rule again at read time, against today's date and the checks as the
database holds them now: :func:`listed_services_now` over a loaded provider,
:func:`listed_now_clause` inside a query. So a check that lapsed at midnight,
or a ``valid_until`` corrected in the database, takes effect at once whether
or not ``flask checks expire`` has run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, Select, and_, cast, exists, false, or_, select
from sqlalchemy.orm import aliased

from registry.accounts.models import User
from registry.checks.kinds import (
    EVERY_NATION,
    REQUIREMENTS,
    CheckStatus,
    Criterion,
    requirement_kind,
    requirement_name,
    satisfies,
)
from registry.checks.models import Check
from registry.extensions import db
from registry.models import one_of
from registry.models import today as current_day
from registry.providers.models import Provider, ProviderService, ServiceRequirement, ServiceType
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
        if check.is_current(today) and satisfies(requirement, check.kind, check.details or {}, provider.nation):
            return check
    return None


def listed_until(provider: Provider, service_type: ServiceType, today: date) -> date | None:
    """The last day the provider's current checks keep it listed for ``service_type``.

    Search stores it and compares it with the day of each query, so a lapse
    takes effect at midnight even if no job runs. None when a requirement is
    not met today (the service is not listed at all).
    """
    return listing_ends(
        requirements_for(provider, service_type),
        [c for c in provider.checks if c.is_current(today)],
        provider.nation,
    )


def listing_ends(requirements: list[str], current: Sequence, nation: str | None) -> date | None:
    """The last day ``current`` checks meet every requirement code in ``nation``; None when one is unmet.

    ``current`` holds anything with a check's ``kind``, ``details`` and
    ``valid_until`` (models, or rows read in bulk for the search index).
    """
    ends = []
    for code in requirements:
        kind = requirement_kind(code, nation)  # only checks of the kind a requirement names there can meet it
        meeting = [c.valid_until for c in current if c.kind == kind and satisfies(code, kind, c.details or {}, nation)]
        if not meeting:
            return None
        ends.append(max(meeting))
    return min(ends)


def services_resting_on(check: Check, today: date) -> list[ServiceType]:
    """The provider's services that ``check`` keeps listed: it meets one of their requirements and no other check would.

    What a reminder, a lapse or a revocation tells the provider will leave
    (or has left) search. The check's own state does not matter, so the
    answer is the same before and after it stops counting.
    """
    provider = check.provider
    others = [c for c in provider.checks if c.id != check.id and c.is_current(today)]
    resting = []
    for row in sorted(provider.services, key=lambda r: (r.service_type.position, r.service_type.name)):
        codes = requirements_for(provider, row.service_type)
        if (
            any(satisfies(code, check.kind, check.details or {}, provider.nation) for code in codes)
            and listing_ends(codes, others, provider.nation) is None
        ):
            resting.append(row.service_type)
    return resting


def listed_services_now(provider: Provider, today: date) -> list[ServiceType]:
    """The services ``provider`` is listed for on ``today``, asked again of its checks as loaded.

    What every public surface showing one provider uses: the stored flags
    alone could be a lapse or a closed account behind.
    """
    if provider.status != ProfileStatus.LISTED or provider.suspended_at is not None or not provider.user.active:
        return []
    return [
        row.service_type
        for row in sorted(provider.services, key=lambda r: (r.service_type.position, r.service_type.name))
        if row.listed and listed_until(provider, row.service_type, today) is not None
    ]


def is_listed_now(provider: Provider, today: date) -> bool:
    """Listed for at least one service today: shown to the public, contactable, taking enquiries."""
    return bool(listed_services_now(provider, today))


def why_provider_cannot_act(provider: Provider, today: date) -> str | None:
    """Why the provider may not yet speak for the registry (invite reviews, message people, apply to lists), or None.

    Each of those carries the registry's word that a confirmed, vetted,
    listed provider is behind it.
    """
    if not provider.user.email_verified:
        return "Confirm your email address first: open the link we emailed you when you joined."
    if provider.suspended_at is not None:
        return "Your account is suspended, so you cannot do this until it is reinstated."
    if not is_listed_now(provider, today):
        return "You can do this once you are listed: your dashboard shows which checks are still needed."
    return None


def _meets_clause(code: str, today: date) -> ColumnElement[bool]:
    """SQL: the provider of the row in hand has an approved, current check meeting requirement ``code``.

    What meets it depends on the provider's nation: one branch per criterion,
    each asking for its nations (as :meth:`Requirement.criterion` does).
    """
    branches = []
    for nations, criterion in REQUIREMENTS[code].criteria:
        met = _criterion_clause(criterion, today)
        branches.append(met if nations is EVERY_NATION else and_(Provider.nation.in_(sorted(nations)), met))
    return or_(false(), *branches)


def _criterion_clause(criterion: Criterion, today: date) -> ColumnElement[bool]:
    check = aliased(Check)
    conditions = [
        check.provider_id == Provider.id,
        check.kind == criterion.kind,
        check.status == CheckStatus.APPROVED,
        check.valid_until >= today,
    ]
    for field, values in criterion.one_of:
        conditions.append(check.details[field].as_string().in_(sorted(values)))
    if criterion.at_least is not None:
        field, minimum = criterion.at_least
        conditions.append(cast(check.details[field].as_string(), Integer) >= minimum)
    # Correlated to the provider of the outermost row however deeply it is nested (see listed_now_clause).
    return exists().where(*conditions).correlate_except(check)


@lru_cache(maxsize=8)
def listed_now_clause(today: date) -> ColumnElement[bool]:
    """SQL: the ``ProviderService`` row, joined to its ``Provider``, is listed on ``today``.

    The same rule as :func:`listed_services_now`, for queries over many
    providers: the stored flag and status, no suspension, an open account,
    and every requirement of the service for the provider's kind (identity
    always) met by an approved check still valid today.

    Built once per day (or per bound parameter) and reused: building it is
    most of its cost, and it runs on every search page and feed request.
    """
    requirement = aliased(ServiceRequirement)
    # An unknown code meets nothing (as satisfies() says), so a service asking for one is not listed.
    met = or_(false(), *(and_(requirement.requirement == code, _meets_clause(code, today)) for code in REQUIREMENTS))
    unmet = (
        exists()
        .where(
            requirement.service_type_id == ProviderService.service_type_id,
            or_(requirement.provider_kind.is_(None), requirement.provider_kind == Provider.kind),
            ~met,
        )
        .correlate_except(requirement)
    )
    return and_(
        ProviderService.listed.is_(True),
        Provider.status == ProfileStatus.LISTED,
        Provider.suspended_at.is_(None),
        Provider.user_id.in_(select(User.id).where(User.active.is_(True))),
        _meets_clause("identity", today),
        ~unmet,
    )


def listed_now_among(provider_ids, today: date, session=None) -> set[int]:
    """Of ``provider_ids``, those listed for at least one service on ``today``: one query."""
    ids = list(provider_ids)
    if not ids:
        return set()
    session = session or db.session
    return set(session.scalars(_listed_among(today, session.get_bind().dialect.name), {"ids": ids}))


def with_listing_rule(name: str, today: date, dialect: str, build: Callable[[ColumnElement[bool]], Select]) -> Select:
    """A statement that carries the listing rule of ``today``: ``build(rule)``, built once a day for each kind of
    database and kept under ``name``.

    Reusing the statement object matters: SQLAlchemy keeps its cache key on
    it, which it would otherwise work out again over the whole rule on every
    request (more of the web process's CPU than the query costs the
    database). It is built again whenever the rule's clause is (a new day,
    or a test clearing that cache).
    """
    rule = listed_now_clause(today)
    held = _WITH_RULE.get((name, dialect))
    if held is None or held[0] is not rule:
        held = _WITH_RULE[name, dialect] = (rule, build(rule))
    return held[1]


_WITH_RULE: dict[tuple[str, str], tuple[ColumnElement[bool], Select]] = {}


def _listed_among(today: date, dialect: str) -> Select:
    return with_listing_rule(
        "listed_now_among",
        today,
        dialect,
        lambda rule: (
            select(ProviderService.provider_id)
            .join(Provider, Provider.id == ProviderService.provider_id)
            .where(one_of(ProviderService.provider_id, "ids", dialect), rule)
            .distinct()
        ),
    )


def recompute_listing(provider: Provider, today: date) -> bool:
    """Store which services the provider is listed for; returns whether anything changed."""
    before = (provider.status, [(row.service_type_id, row.listed) for row in provider.services])
    eligible = provider.status != ProfileStatus.DRAFT and provider.suspended_at is None and provider.user.active
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
        kind = requirement_kind(code, provider.nation)
        name = requirement_name(code, provider.nation)
        current = meets(provider, code, today)
        if current is not None:
            state = "lapsing" if (current.valid_until - today).days <= lapsing_days else "approved"
            renewal_waiting = any(
                c.kind == kind and c.status == CheckStatus.PENDING and (c.id or 0) > (current.id or 0)
                for c in provider.checks
            )
            if state == "lapsing" and renewal_waiting:
                state = "renewal_pending"
            states.append(RequirementState(code, name, kind, state, current))
            continue
        latest = next(
            (c for c in reversed(provider.checks) if c.kind == kind and c.status != CheckStatus.SUPERSEDED), None
        )
        state = "missing" if latest is None else latest.status
        if state == CheckStatus.APPROVED:  # approved but does not meet this requirement (e.g. basic DBS)
            state = "missing"
        states.append(RequirementState(code, name, kind, state, latest))
    return states


def relist_changed_profile(provider: Provider, today: date) -> None:
    recompute_listing(provider, today)


def delist_closed_account(user: User) -> None:
    if user.provider is not None:
        recompute_listing(user.provider, current_day())
        db.session.flush()
