"""Sign-up, sign-in, password reset, roles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from registry.accounts import views  # noqa: E402,F401  (routes register on bp)
