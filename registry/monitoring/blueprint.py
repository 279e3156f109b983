"""Every URL of registry/monitoring/, in one table: on the blueprint monitoring (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.monitoring import bp, views

# -- views.py
bp.add_url_rule("/metrics", view_func=views.metrics)
