"""Every URL of registry/searching/, in one table: on the blueprints api (/api/v1), searching (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.api import bp as api_bp
from registry.searching import api, bp, views

# -- api.py
api_bp.add_url_rule("/search", view_func=api.search)

# -- views.py
bp.add_url_rule("/search", view_func=views.search_page)
