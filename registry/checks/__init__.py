"""Background checks: uploads, the officer's queue and decisions, expiry, retention."""

from flask import Blueprint

bp = Blueprint("checks", __name__)
