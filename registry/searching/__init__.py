"""The app's side of search: the outbox that feeds the index, the search page and API."""

from flask import Blueprint

bp = Blueprint("searching", __name__)

from registry.searching import api, views  # noqa: E402,F401  (routes register on their blueprints)
