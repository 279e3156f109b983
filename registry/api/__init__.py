"""The JSON API, version 1 (mounted at /api/v1).

Errors are ``{"error": {"code": "...", "message": "...", "fields": {...}}}``
with a stable ``code``; see :func:`api_error`.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("api", __name__)


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """A JSON error response with a stable, machine-readable code."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status
