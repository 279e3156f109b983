"""Provider profiles, services, coverage and public pages."""

from flask import Blueprint

bp = Blueprint("providers", __name__)

from registry.providers import views  # noqa: E402,F401  (routes register on bp)
