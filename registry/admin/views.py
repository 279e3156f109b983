"""Admin pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from registry.accounts.models import Role
from registry.admin import bp, services
from registry.admin.forms import ServiceForm, applies_to
from registry.auth import role_required
from registry.extensions import db
from registry.forms import keeps_typed_text
from registry.providers.models import ServiceType


@bp.get("/services")
@role_required(Role.ADMIN)
def service_list():
    return render_template("admin/services.html", services=services.service_types(), labels=services.REQUIREMENTS)


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(Role.ADMIN)
def edit_service(service_id: int):
    service = db.session.get(ServiceType, service_id) or abort(404)
    form = ServiceForm(obj=service)
    if request.method == "GET":
        for field in form.requirement_fields():
            field.data = applies_to(service, field.name.removeprefix("req_"))
    if form.validate_on_submit():
        try:
            changed = services.update_service(service, form.name.data, form.description.data, form.requirements(), current_user)
        except services.TaxonomyError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Service saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("admin.service_list"))
    status = 422 if form.errors else 200
    return render_template("admin/edit_service.html", form=form, service=service), status
