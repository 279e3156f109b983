"""Admin pages: the service taxonomy and the checks each service requires."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
