"""Provider profiles, services, coverage and public pages."""

from flask import Blueprint

bp = Blueprint("providers", __name__)
