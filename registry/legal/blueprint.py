"""Every URL of registry/legal/, in one table: on the blueprint legal (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.legal import bp, views

# -- views.py
bp.add_url_rule("/privacy", view_func=views.privacy)
bp.add_url_rule("/cookies", view_func=views.cookies)
bp.add_url_rule("/accessibility", view_func=views.accessibility)
bp.add_url_rule("/help", view_func=views.help_and_contact)
