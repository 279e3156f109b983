"""Sign-up, sign-in, password reset, roles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")
