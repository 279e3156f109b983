"""Background checks: uploads, the officer's queue and decisions, expiry, retention."""

from flask import Blueprint

bp = Blueprint("checks", __name__)

from registry.checks import views  # noqa: E402,F401  (routes register on bp)
