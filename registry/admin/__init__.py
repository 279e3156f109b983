"""Admin pages: the service taxonomy and the checks each service requires."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from registry.admin import views  # noqa: E402,F401  (routes register on bp)
