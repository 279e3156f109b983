"""The JSON API, version 1 (mounted at /api/v1).

Everything here is a public, anonymous GET; the OpenAPI document is
/api/v1/openapi.json (registry/composed/openapi.py), for people /api/docs.
Errors are ``{"error": {"code": "...", "message": "...", "fields": {...}}}``
with a stable ``code``; see :func:`api_error`.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from registry.api.http import limit_reads, open_for_cross_origin_reads

bp = Blueprint("api", __name__, url_prefix="/api/v1")
open_for_cross_origin_reads(bp)
limit_reads(bp, "API_RATE_LIMIT")  # public, read-only data: any site may GET it


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """A JSON error response with a stable, machine-readable code."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status
