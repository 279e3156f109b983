"""Council rules: areas, frameworks, applications, what recipients see, coverage.

Services flush but never commit. Every commissioner action (and every
provider application) writes its audit event in the same transaction.
Nothing here lists a provider: recipients see a framework entry only beside a
provider the listing rule lists for that service today.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from registry import audit
from registry.accounts.models import User
from registry.checks.listing import listed_now_clause, listed_services_now, why_provider_cannot_act
from registry.councils.models import (
    COMMISSIONER,
    Commissioner,
    Council,
    CouncilDistrict,
    EntryStatus,
    Framework,
    FrameworkEntry,
)
from registry.extensions import db
from registry.formatting import CsvWriter
from registry.models import utcnow
from registry.money import to_pounds
from registry.providers.models import Provider, ProviderService, ServiceType
from registry.providers.services import slugify
from registry.unitofwork import Refusal
from searchindex.geo import distance_miles, locate, outcode_centroids


class CouncilError(Refusal):
    """A council rule was broken; the message is safe to show."""


# -- councils and commissioners (set up by an admin from the command line)


def create_council(name: str, kind: str, outcodes: list[str]) -> Council:
    """A council (or NHS body) and its area; every district must be a real one."""
    known = outcode_centroids()
    wanted = sorted({o.strip().upper() for o in outcodes if o.strip()})
    unknown = [o for o in wanted if o not in known]
    if unknown:
        raise CouncilError(f"Unknown postcode districts: {', '.join(unknown)}.")
    if not wanted:
        raise CouncilError("Give the council's postcode districts.")
    council = Council(
        name=name.strip(), slug=slugify(name), kind=kind, districts=[CouncilDistrict(outcode=o) for o in wanted]
    )
    db.session.add(council)
    db.session.flush()
    return council


def make_commissioner(user: User, council: Council) -> Commissioner:
    user.role = COMMISSIONER
    membership = db.session.get(Commissioner, user.id) or Commissioner(user_id=user.id)
    membership.council = council
    db.session.add(membership)
    db.session.flush()
    audit.record("council.commissioner_added", council, actor_id=None, details={"user_id": user.id})
    return membership


def council_of(user: User) -> Council | None:
    """The council a commissioner works for."""
    membership = db.session.get(Commissioner, user.id)
    return membership.council if membership else None


def council_for_postcode(postcode: str | None) -> Council | None:
    """The council whose area holds ``postcode``'s district (a recipient's home council)."""
    if not postcode:
        return None
    try:
        outcode = locate(postcode).outcode
    except (KeyError, ValueError):
        return None
    return db.session.scalar(
        select(Council).join(CouncilDistrict).where(CouncilDistrict.outcode == outcode).order_by(Council.id).limit(1)
    )


# -- frameworks


def create_framework(
    council: Council, actor: User, name: str, starts_on: date, ends_on: date, description: str = ""
) -> Framework:
    if ends_on <= starts_on:
        raise CouncilError("The end date must be after the start date.")
    framework = Framework(
        council=council,
        name=name,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
    )
    db.session.add(framework)
    db.session.flush()
    audit.record(
        "framework.created",
        framework,
        actor_id=actor.id,
        details={
            "council": council.slug,
            "name": name,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return framework


def _entry(framework: Framework, provider: Provider, service_type: ServiceType) -> FrameworkEntry | None:
    return db.session.scalar(
        select(FrameworkEntry).where(
            FrameworkEntry.framework_id == framework.id,
            FrameworkEntry.provider_id == provider.id,
            FrameworkEntry.service_type_id == service_type.id,
        )
    )


def _check_rate(rate_pence: int | None) -> int:
    if rate_pence is None or rate_pence <= 0:
        raise CouncilError("Give an hourly rate above £0.")
    return rate_pence


def _offers(provider: Provider, service_type: ServiceType) -> bool:
    return any(row.service_type_id == service_type.id for row in provider.services)


def apply(
    framework: Framework, provider: Provider, service_type: ServiceType, rate_pence: int | None, day: date
) -> FrameworkEntry:
    """A provider asks to join a framework for one service at a proposed rate."""
    if day > framework.ends_on:
        raise CouncilError("This approved list has ended.")
    if not _offers(provider, service_type):
        raise CouncilError(f"Add {service_type.name.lower()} to your services first.")
    if (reason := why_provider_cannot_act(provider, day)) is not None:
        raise CouncilError(reason)
    if service_type not in listed_services_now(provider, day):
        raise CouncilError(f"You can apply for {service_type.name.lower()} once you are listed for it.")
    rate = _check_rate(rate_pence)
    entry = _entry(framework, provider, service_type)
    if entry is not None and entry.status in (EntryStatus.APPLIED, EntryStatus.APPROVED):
        raise CouncilError(f"You have already applied for {service_type.name.lower()} on this list.")
    if entry is None:
        entry = FrameworkEntry(framework=framework, provider_id=provider.id, service_type_id=service_type.id)
        db.session.add(entry)
    entry.rate_pence, entry.status, entry.applied_at = rate, EntryStatus.APPLIED, utcnow()
    entry.decided_at = entry.decided_by_id = entry.reason = None
    db.session.flush()
    audit.record(
        "framework.applied",
        entry,
        actor_id=provider.user_id,
        provider_id=provider.id,
        details={"framework_id": framework.id, "service": service_type.slug, "rate_pence": rate},
    )
    return entry


def _own(framework: Framework, actor: User) -> None:
    council = council_of(actor)
    if council is None or council.id != framework.council_id:
        raise CouncilError("Only the council's own commissioners can change this list.")


FIND_AT_MOST = 20


def find_listed_providers(name_part: str, day: date, limit: int = FIND_AT_MOST) -> list[Provider]:
    """Providers listed today for some service whose name contains ``name_part`` (any case), for a
    commissioner to choose from: by name, then district, so two "Helping Hands Leeds" stand apart."""
    words = name_part.strip()
    if not words:
        return []
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    listed = select(ProviderService.provider_id).join(Provider).where(listed_now_clause(day))
    return list(
        db.session.scalars(
            select(Provider)
            .where(Provider.id.in_(listed), Provider.display_name.ilike(f"%{escaped}%", escape="\\"))
            .options(selectinload(Provider.services).selectinload(ProviderService.service_type))
            .order_by(Provider.display_name, Provider.outcode, Provider.id)
            .limit(limit)
        )
    )


def listed_provider(provider_id: int, day: date) -> Provider | None:
    """The provider with this id if it is listed today for some service (what "Add a provider" may choose)."""
    listed = select(ProviderService.provider_id).join(Provider).where(listed_now_clause(day))
    return db.session.scalar(select(Provider).where(Provider.id == provider_id, Provider.id.in_(listed)))


def add_provider(
    framework: Framework, actor: User, provider: Provider, service_type: ServiceType, rate_pence: int | None
) -> FrameworkEntry:
    """A commissioner puts a provider on the list directly (an approved entry)."""
    _own(framework, actor)
    if not _offers(provider, service_type):
        raise CouncilError(f"{provider.display_name} does not offer {service_type.name.lower()}.")
    entry = _entry(framework, provider, service_type)
    if entry is not None and entry.status == EntryStatus.APPROVED:
        raise CouncilError(f"{provider.display_name} is already on this list for {service_type.name.lower()}.")
    if entry is None:
        entry = FrameworkEntry(
            framework=framework,
            provider_id=provider.id,
            service_type_id=service_type.id,
            rate_pence=_check_rate(rate_pence),
        )
        db.session.add(entry)
    entry.status = EntryStatus.APPLIED  # a declined or removed provider can be put back on
    db.session.flush()
    return decide(entry, actor, approve=True, rate_pence=rate_pence)


def decide(
    entry: FrameworkEntry, actor: User, approve: bool, rate_pence: int | None = None, reason: str = ""
) -> FrameworkEntry:
    """Approve (at the agreed rate) or decline an application; declining needs a reason the provider sees."""
    _own(entry.framework, actor)
    if entry.status != EntryStatus.APPLIED:
        raise CouncilError("This application has already been decided.")
    reason = (reason or "").strip()
    if approve:
        entry.rate_pence = _check_rate(rate_pence if rate_pence is not None else entry.rate_pence)
        entry.status = EntryStatus.APPROVED
    else:
        if not reason:
            raise CouncilError("Give a reason the provider will see.")
        entry.status = EntryStatus.DECLINED
    entry.reason, entry.decided_at, entry.decided_by_id = reason or None, utcnow(), actor.id
    db.session.flush()
    audit.record(
        f"framework.{entry.status}",
        entry,
        actor_id=actor.id,
        provider_id=entry.provider_id,
        details={
            "framework_id": entry.framework_id,
            "service_type_id": entry.service_type_id,
            "rate_pence": entry.rate_pence,
            "reason": entry.reason,
        },
    )
    return entry


def remove(entry: FrameworkEntry, actor: User, reason: str) -> FrameworkEntry:
    _own(entry.framework, actor)
    if entry.status != EntryStatus.APPROVED:
        raise CouncilError("Only a provider on the list can be removed.")
    if not reason.strip():
        raise CouncilError("Give a reason the provider will see.")
    entry.status, entry.reason, entry.decided_at, entry.decided_by_id = (
        EntryStatus.REMOVED,
        reason.strip(),
        utcnow(),
        actor.id,
    )
    db.session.flush()
    audit.record(
        "framework.removed",
        entry,
        actor_id=actor.id,
        provider_id=entry.provider_id,
        details={"framework_id": entry.framework_id, "reason": entry.reason},
    )
    return entry


def frameworks_open_to(provider: Provider, day: date) -> list[Framework]:
    """Frameworks not yet ended, those of councils whose area holds the provider's district first."""
    frameworks = list(
        db.session.scalars(select(Framework).where(Framework.ends_on >= day).order_by(Framework.starts_on))
    )
    home = {
        c.council_id
        for c in db.session.scalars(select(CouncilDistrict).where(CouncilDistrict.outcode == provider.outcode))
    }
    return sorted(frameworks, key=lambda f: f.council_id not in home)


# -- what recipients see


@dataclass
class Approval:
    """A provider on a council's list for a service, as a recipient sees it."""

    council: str
    framework: str
    service: str
    service_slug: str
    rate_pence: int
    approved_on: date

    @property
    def badge(self) -> str:
        return f"On {self.council}'s approved list for {self.service.lower()} since {self.approved_on.strftime('%-d %B %Y')}"


def _in_force(query, day: date):
    """``query`` over framework entries narrowed to approved entries of lists running on ``day``, each loaded with
    what an :class:`Approval` shows, in the order they were made."""
    return (
        query.where(
            FrameworkEntry.status == EntryStatus.APPROVED,
            Framework.starts_on <= day,
            Framework.ends_on >= day,
        )
        .options(
            selectinload(FrameworkEntry.framework).selectinload(Framework.council),
            selectinload(FrameworkEntry.service_type),
        )
        .order_by(FrameworkEntry.id)
    )


def entries_in_force(provider_ids: list[int], day: date):
    """The query for approved entries in force on ``day`` for providers the listing rule lists for that service.

    Being on a list never bypasses the listing rule: suspended, lapsed, closed or unverified shows nothing.
    """
    return _in_force(
        select(FrameworkEntry)
        .join(Framework)
        .join(Provider, Provider.id == FrameworkEntry.provider_id)
        .join(
            ProviderService,
            and_(
                ProviderService.provider_id == FrameworkEntry.provider_id,
                ProviderService.service_type_id == FrameworkEntry.service_type_id,
            ),
        )
        .where(listed_now_clause(day), FrameworkEntry.provider_id.in_(provider_ids)),
        day,
    )


def approvals(provider_ids: list[int], day: date, council: Council | None = None) -> dict[int, list[Approval]]:
    """Entries in force on ``day`` for providers still listed for that service by the listing rule."""
    query = entries_in_force(provider_ids, day)
    if council is not None:
        query = query.where(Framework.council_id == council.id)
    found: dict[int, list[Approval]] = {}
    for entry in db.session.scalars(query):
        found.setdefault(entry.provider_id, []).append(_approval(entry))
    return found


def _approval(entry: FrameworkEntry) -> Approval:
    return Approval(
        entry.framework.council.name,
        entry.framework.name,
        entry.service_type.name,
        entry.service_type.slug,
        entry.rate_pence,
        (entry.decided_at or entry.applied_at).date(),
    )


def approvals_of_listed(provider_id: int, listed: list[ServiceType], day: date) -> list[Approval]:
    """:func:`approvals` of one provider, for a caller that has just asked the listing rule of it.

    ``listed`` is what :func:`registry.checks.listing.listed_services_now` answered for the provider today
    (the rule over its checks as loaded): only entries for those services count, as the rule in SQL would
    decide, without weighing the rule a second time (the profile page asks it once, then shows the lists).
    """
    type_ids = sorted(t.id for t in listed)
    if not type_ids:
        return []
    query = _in_force(
        select(FrameworkEntry)
        .join(Framework)
        .where(FrameworkEntry.provider_id == provider_id, FrameworkEntry.service_type_id.in_(type_ids)),
        day,
    )
    return [_approval(entry) for entry in db.session.scalars(query)]


@dataclass
class Shortlist:
    """The council covering a searched postcode, and who is on its lists in force today."""

    council: Council | None
    approvals: dict[int, list[Approval]]


def council_shortlist(postcode: str, services: list[str] | tuple[str, ...], day: date) -> Shortlist:
    """Providers on the lists of the council whose area holds ``postcode``, for every service in ``services``.

    Search is limited to these ids, so totals and pages count only them, and
    the listing rule still applies on top: :func:`approvals` drops anyone not
    listed today, and search confirms each hit with the database.
    """
    council = council_for_postcode(postcode)
    if council is None:
        return Shortlist(None, {})
    on_lists = db.session.scalars(
        select(FrameworkEntry.provider_id)
        .join(Framework)
        .where(
            Framework.council_id == council.id,
            FrameworkEntry.status == EntryStatus.APPROVED,
            Framework.starts_on <= day,
            Framework.ends_on >= day,
        )
    ).all()
    found = approvals(sorted(set(on_lists)), day, council)
    wanted = {
        pid: entries
        for pid, entries in found.items()
        if all(any(a.service_slug == s for a in entries) for s in services)
    }
    return Shortlist(council, wanted)


# -- coverage


@dataclass
class CoverageCell:
    district: str
    service: str
    providers: int
    rate_min_pence: int | None
    rate_max_pence: int | None


def coverage(council: Council, day: date) -> list[CoverageCell]:
    """Listed providers per service per district of the area (whose travel radius reaches it) and their rates.

    In reading order: districts as people read them (LS1, LS2, ... LS10), services in the taxonomy's order.
    """
    centroids = outcode_centroids()
    services = list(db.session.scalars(select(ServiceType).order_by(ServiceType.position)))
    rows = db.session.scalars(
        select(ProviderService)
        .join(Provider)
        .where(listed_now_clause(day), Provider.outcode.is_not(None))
        .options(selectinload(ProviderService.provider), selectinload(ProviderService.service_type))
    ).all()
    by_service: dict[int, list[ProviderService]] = {}
    for row in rows:
        if row.provider.outcode in centroids:
            by_service.setdefault(row.service_type_id, []).append(row)
    cells = []
    for district in council.outcodes:
        lat, lon = centroids[district]
        for service in services:
            rates = []
            for row in by_service.get(service.id, []):
                p = row.provider
                if distance_miles(lat, lon, *centroids[p.outcode]) > (p.travel_radius_miles or 0):
                    continue
                rates.append((p.rate_min_pence, p.rate_max_pence or p.rate_min_pence))
            lows = [r[0] for r in rates if r[0] is not None]
            highs = [r[1] for r in rates if r[1] is not None]
            cells.append(
                CoverageCell(
                    district, service.name, len(rates), min(lows) if lows else None, max(highs) if highs else None
                )
            )
    return cells


def coverage_view(cells: list[CoverageCell], service: str | None = None, district: str | None = None):
    """The cells a commissioner asked for (one service, one district, or both), gaps first, each part
    in reading order."""
    chosen = [
        c for c in cells if (service is None or c.service == service) and (district is None or c.district == district)
    ]
    return sorted(chosen, key=lambda c: c.providers > 0)  # stable: reading order within gaps and covered


def coverage_csv(cells: list[CoverageCell]) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["district", "service", "listed_providers", "lowest_rate_pounds", "highest_rate_pounds"])
    for c in cells:
        writer.writerow(
            [c.district, c.service, c.providers, to_pounds(c.rate_min_pence) or "", to_pounds(c.rate_max_pence) or ""]
        )
    return out.getvalue()
