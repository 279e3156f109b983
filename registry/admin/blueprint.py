"""Every URL of registry/admin/, in one table: on the blueprint admin (/admin).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.admin import bp, views

# -- views.py
bp.add_url_rule("/services", view_func=views.service_list)
bp.add_url_rule("/services/<int:service_id>", view_func=views.edit_service, methods=["GET", "POST"])
bp.add_url_rule("/accounts", view_func=views.staff_accounts, methods=["GET", "POST"])
bp.add_url_rule("/accounts/<int:user_id>/reset-second-factor", view_func=views.reset_second_factor, methods=["POST"])
bp.add_url_rule("/accounts/<int:user_id>/deactivate", view_func=views.deactivate_account, methods=["POST"])
