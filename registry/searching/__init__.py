"""The app's side of search: the outbox that feeds the index, the search page and API."""

from flask import Blueprint

bp = Blueprint("searching", __name__)
