"""Families and advocates: the people an account arranges care for, and a shortlist of providers."""

from flask import Blueprint

bp = Blueprint("families", __name__)
