"""The pages a UK public service must have: privacy, cookies, accessibility, help."""

from flask import Blueprint

bp = Blueprint("legal", __name__)
