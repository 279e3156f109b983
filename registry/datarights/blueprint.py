"""Every URL of registry/datarights/, in one table: on the blueprint datarights (/account).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.datarights import bp, views

# -- views.py
bp.add_url_rule("/my-data", view_func=views.my_data)
bp.add_url_rule("/my-data.json", view_func=views.my_data_json)
bp.add_url_rule("/close", view_func=views.close_account, methods=["GET", "POST"])
