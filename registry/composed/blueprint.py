"""Every URL of registry/composed/, in one table: on the blueprints accounts (/account), api (/api/v1), api_docs (no prefix), main (no prefix), providers (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from flask import Blueprint

from registry.accounts import bp as accounts_bp
from registry.api import bp as api_bp
from registry.composed import api_docs, compare, openapi, provider, provider_api, sign_up, staff_home
from registry.families import bp as families_bp
from registry.main import bp as main_bp
from registry.providers import bp as providers_bp

# /api/docs is a page of its own (HTML), not part of the JSON API.
api_docs_bp = Blueprint("api_docs", __name__)

# -- api_docs.py
api_docs_bp.add_url_rule("/api/docs", view_func=api_docs.api_docs)

# -- openapi.py
api_bp.add_url_rule("/openapi.json", view_func=openapi.openapi_document)

# -- provider.py
providers_bp.add_url_rule("/dashboard", view_func=provider.dashboard)
providers_bp.add_url_rule("/dashboard/profile", view_func=provider.edit_profile, methods=["GET", "POST"])
providers_bp.add_url_rule("/dashboard/submit", view_func=provider.submit_profile, methods=["POST"])
providers_bp.add_url_rule("/providers/<slug>", view_func=provider.public_profile)

# -- provider_api.py
api_bp.add_url_rule("/providers/<slug>", view_func=provider_api.provider_detail)

# -- sign_up.py
accounts_bp.add_url_rule("/sign-up", view_func=sign_up.sign_up_page, methods=["GET", "POST"], endpoint="sign_up")

# -- staff_home.py
main_bp.add_url_rule("/staff", view_func=staff_home.staff_home)

# -- compare.py
families_bp.add_url_rule("/shortlist/compare", view_func=compare.compare)
