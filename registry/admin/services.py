"""Taxonomy rules: admins edit services and their required checks; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from registry.accounts.models import User
from registry.checks.kinds import REQUIREMENT_NAMES as REQUIREMENTS
from registry.extensions import db
from registry.checks.listing import recompute_listing
from registry.models import today
from registry.providers.models import Provider, ProviderService, ServiceRequirement, ServiceType
from registry.safeguarding import audit



class TaxonomyError(Exception):
    """A taxonomy rule was broken; the message is safe to show."""


def service_types() -> list[ServiceType]:
    return list(db.session.scalars(select(ServiceType).order_by(ServiceType.position, ServiceType.name)))


def update_service(service: ServiceType, name: str, description: str, requirements: list[tuple[str, str | None]], admin: User) -> bool:
    """Replace a service's name, description and requirements; returns whether anything changed.

    Identity is required of everyone, always. Providers offering the service
    are re-indexed, and their listing recomputed, because what they need may
    have changed.
    """
    wanted = {(code, kind or None) for code, kind in requirements}
    unknown = sorted(code for code, _ in wanted if code not in REQUIREMENTS)
    if unknown:
        raise TaxonomyError(f"Unknown requirement: {', '.join(unknown)}.")
    wanted.add(("identity", None))
    before = {
        "name": service.name,
        "description": service.description,
        "requirements": sorted([r.requirement, r.provider_kind or ""] for r in service.requirements),
    }
    service.name, service.description = name, description
    for row in list(service.requirements):
        if (row.requirement, row.provider_kind) not in wanted:
            service.requirements.remove(row)
    have = {(r.requirement, r.provider_kind) for r in service.requirements}
    for code, kind in sorted(wanted - have, key=lambda pair: (pair[0], pair[1] or "")):
        service.requirements.append(ServiceRequirement(requirement=code, provider_kind=kind))
    after = {"name": name, "description": description, "requirements": sorted([c, k or ""] for c, k in wanted)}
    if before == after:
        return False
    db.session.flush()
    audit.record("service.updated", service, actor_id=admin.id, details={"before": before, "after": after})
    _requirements_changed(service)
    return True


def _requirements_changed(service: ServiceType) -> None:
    providers = db.session.scalars(
        select(Provider).join(ProviderService).where(ProviderService.service_type_id == service.id)
    )
    for provider in providers:
        recompute_listing(provider, today())
