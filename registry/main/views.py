"""Site-wide pages."""

from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.accounts.models import Role
from registry.auth import role_required
from registry.extensions import db
from registry.main import bp
from registry.providers.services import all_service_types


@bp.get("/")
def index():
    return render_template("main/index.html", service_types=all_service_types())


@bp.get("/staff")
@role_required(Role.OFFICER, Role.ADMIN)
def staff_home():
    return render_template("main/staff_home.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
