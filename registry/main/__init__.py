"""Home page, staff home and health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)
