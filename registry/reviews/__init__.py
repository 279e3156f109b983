"""Enquiries, engagements, verified reviews, and safeguarding concerns raised by people."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)
