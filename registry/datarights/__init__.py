"""Data rights (UK GDPR articles 15, 17 and 20): a person downloads what the registry holds about them, or closes their account and has it erased."""

from flask import Blueprint

bp = Blueprint("datarights", __name__, url_prefix="/account")
