"""Admin pages."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from registry.accounts import second_factor
from registry.accounts.models import Role, User
from registry.admin import services
from registry.admin.forms import ServiceForm, StaffAccountForm, applies_to
from registry.auth import role_required
from registry.councils.models import Council
from registry.extensions import db
from registry.forms import keeps_typed_text
from registry.providers.models import ServiceType
from registry.unitofwork import act, render_form


@role_required(Role.ADMIN)
def service_list():
    return render_template("admin/services.html", services=services.service_types(), labels=services.REQUIREMENTS)


@keeps_typed_text
@role_required(Role.ADMIN)
def edit_service(service_id: int):
    service = db.session.get(ServiceType, service_id) or abort(404)
    form = ServiceForm(obj=service)
    if request.method == "GET":
        for field in form.requirement_fields():
            field.data = applies_to(service, field.name.removeprefix("req_"))
    return render_form(
        form,
        "admin/edit_service.html",
        save=lambda: services.update_service(
            service, form.name.data, form.description.data, form.requirements(), current_user
        ),
        done=url_for("admin.service_list"),
        message=lambda changed: "Service saved." if changed else "Nothing changed.",
        service=service,
    )


def _staff_form(**kwargs) -> StaffAccountForm:
    form = StaffAccountForm(**kwargs)
    councils = db.session.scalars(db.select(Council).order_by(Council.name))
    form.council.choices = [("", "Not a commissioner")] + [(c.slug, c.name) for c in councils]
    return form


@keeps_typed_text
@role_required(Role.ADMIN)
def staff_accounts():
    """Officer and commissioner accounts: the list, and the form that adds one."""
    form = _staff_form()

    def save():
        council = (
            db.session.scalar(db.select(Council).where(Council.slug == form.council.data))
            if form.role.data == "commissioner"
            else None
        )
        return services.create_staff_account(current_user, form.email.data, form.name.data, form.role.data, council)

    return render_form(
        form,
        "admin/accounts.html",
        save=save,
        done=url_for("admin.staff_accounts"),
        message=lambda user: f"Account made for {user.email}. They have been emailed a link to choose their password.",
        accounts=services.staff_accounts(),
        enrolled=services.enrolled_in_second_factor(),
        roles=services.STAFF_ROLES,
    )


@role_required(Role.ADMIN)
def reset_second_factor(user_id: int):
    """A colleague lost their phone or key: remove their factors; they enrol again at their next sign-in."""
    user = db.session.get(User, user_id) or abort(404)
    return act(
        lambda: second_factor.reset_second_factors(user, current_user),
        done=url_for("admin.staff_accounts"),
        message=f"{user.email}'s second factors and recovery codes are removed and they are signed out everywhere. "
        "They will set up a new second factor when they next sign in.",
    )


@role_required(Role.ADMIN)
def deactivate_account(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    return act(
        lambda: services.deactivate_staff_account(current_user, user),
        done=url_for("admin.staff_accounts"),
        message=f"{user.email} is deactivated: signed out everywhere and unable to sign in. "
        "Their past actions stay on the record under their name.",
    )
