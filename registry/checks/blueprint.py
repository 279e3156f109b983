"""Every URL of registry/checks/, in one table: on the blueprint checks (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge

from registry.checks import bp, views

# -- views.py
bp.add_url_rule("/dashboard/checks/new", view_func=views.add_check, methods=["GET", "POST"])
bp.add_url_rule("/dashboard/checks/<int:check_id>/appeal", view_func=views.appeal, methods=["POST"])
bp.add_url_rule("/checks/<int:check_id>/document", view_func=views.document)
bp.add_url_rule("/officer/queue", view_func=views.officer_queue)
bp.add_url_rule("/officer/checks/<int:check_id>", view_func=views.review)
bp.add_url_rule("/officer/checks/<int:check_id>/approve", view_func=views.approve, methods=["POST"])
bp.add_url_rule(
    "/officer/checks/<int:check_id>/<any(reject, 'request-info'):action>",
    view_func=views.reject_or_ask,
    methods=["POST"],
)
bp.add_url_rule("/officer/checks/<int:check_id>/revoke", view_func=views.revoke, methods=["POST"])
bp.add_url_rule("/officer/checks/<int:check_id>/status-check", view_func=views.run_status_check, methods=["POST"])
bp.add_url_rule("/officer/checks/<int:check_id>/status-issue", view_func=views.deal_with_status_issue, methods=["POST"])
bp.add_url_rule(
    "/dashboard/checks/<int:check_id>/status-checks", view_func=views.status_consent, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/dashboard/checks/<int:check_id>/status-checks/withdraw", view_func=views.withdraw_status_consent, methods=["POST"]
)

# An upload far over the limit is refused beside its file field, not as a bare 413.
bp.register_error_handler(RequestEntityTooLarge, views.upload_too_large)
