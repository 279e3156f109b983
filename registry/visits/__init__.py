"""Agreed support, visits and timesheets for an engagement: seen only by its two parties."""

from flask import Blueprint

bp = Blueprint("visits", __name__)
