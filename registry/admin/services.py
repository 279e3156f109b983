"""Taxonomy rules: admins edit services and their required checks; every change is audited."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select

from registry import audit
from registry.accounts import services as accounts
from registry.accounts.models import Role, User
from registry.checks.kinds import REQUIREMENT_NAMES as REQUIREMENTS
from registry.checks.listing import recompute_listing
from registry.councils.models import COMMISSIONER, Commissioner, Council
from registry.councils.services import make_commissioner
from registry.extensions import db
from registry.links import public_url_for
from registry.mail import send_email
from registry.models import today
from registry.providers.models import Provider, ProviderService, ServiceRequirement, ServiceType
from registry.unitofwork import Refusal


class TaxonomyError(Refusal):
    """A taxonomy rule was broken; the message is safe to show."""


def service_types() -> list[ServiceType]:
    return list(db.session.scalars(select(ServiceType).order_by(ServiceType.position, ServiceType.name)))


def update_service(
    service: ServiceType, name: str, description: str, requirements: list[tuple[str, str | None]], admin: User
) -> bool:
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


# -- officer and commissioner accounts ----------------------------------------

STAFF_ROLES = {Role.OFFICER: "Safeguarding officer", COMMISSIONER: "Commissioner"}


class StaffError(Refusal):
    """A staff-account rule was broken; the message is safe to show."""


def staff_accounts() -> list[tuple[User, Council | None]]:
    """Officer and commissioner accounts, active first, each with its council (one query)."""
    rows = db.session.execute(
        select(User, Council)
        .outerjoin(Commissioner, Commissioner.user_id == User.id)
        .outerjoin(Council, Council.id == Commissioner.council_id)
        .where(User.role.in_(list(STAFF_ROLES)))
        .order_by(User.active.desc(), User.role, User.name, User.id)
    ).all()
    return [(user, council) for user, council in rows]


def enrolled_in_second_factor() -> set[int]:
    """Ids of the accounts with an authenticator app or a passkey (two queries, whatever the list)."""
    from registry.accounts.models import Passkey, TotpFactor

    return set(db.session.scalars(select(TotpFactor.user_id))) | set(db.session.scalars(select(Passkey.user_id)))


def create_staff_account(admin: User, email: str, name: str, role: str, council: Council | None = None) -> User:
    """Create an officer or commissioner account and email its owner a link to choose a password.

    The account starts with a random password nobody knows; the emailed link
    (a password-reset link, built from PUBLIC_URL) sets the real one.
    """
    if role not in STAFF_ROLES:
        raise StaffError("Choose officer or commissioner.")
    if role == COMMISSIONER and council is None:
        raise StaffError("Choose the council this commissioner works for.")
    try:
        user = accounts.create_user(
            email, secrets.token_urlsafe(32), name, Role.OFFICER if role == Role.OFFICER else COMMISSIONER
        )
    except accounts.AccountError as error:
        raise StaffError(str(error)) from None
    if role == COMMISSIONER:
        make_commissioner(user, council)
    audit.record(
        "account.created",
        user,
        actor_id=admin.id,
        details={"email": user.email, "role": role, "council": council.slug if council else None},
    )
    link = public_url_for("accounts.reset_password", token=accounts.make_reset_token(user))
    hours = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600)
    send_email(
        user.email,
        "admin/staff_account_created",
        name=user.name,
        admin_name=admin.name,
        council_name=council.name if council else None,
        link=link,
        hours=hours,
    )
    return user


def deactivate_staff_account(admin: User, user: User) -> None:
    """Deactivate an officer or commissioner account (admins and other accounts are not managed here)."""
    if user.role not in STAFF_ROLES:
        raise StaffError("Only officer and commissioner accounts are managed here.")
    try:
        accounts.deactivate_account(user, admin)
    except accounts.AccountError as error:
        raise StaffError(str(error)) from None
