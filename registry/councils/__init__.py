"""Councils and NHS bodies: commissioners, their approved lists (frameworks) and coverage."""

from flask import Blueprint

bp = Blueprint("councils", __name__)
