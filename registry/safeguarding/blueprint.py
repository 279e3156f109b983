"""Every URL of registry/safeguarding/, in one table: on the blueprints safeguarding (/officer), concerns (no prefix), suspension (/dashboard).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.safeguarding import bp, concerns_bp, suspension_bp, views

# -- views.py
concerns_bp.add_url_rule("/providers/<slug>/concern", view_func=views.report_concern, methods=["GET", "POST"])
concerns_bp.add_url_rule("/care/<int:engagement_id>/concern", view_func=views.missed_visits_concern, methods=["POST"])
bp.add_url_rule("/providers/<slug>", view_func=views.provider)
bp.add_url_rule("/providers/<slug>/appeal", view_func=views.decide_appeal, methods=["POST"])
bp.add_url_rule(
    "/providers/<slug>/<any(suspend, reinstate):action>", view_func=views.suspend_or_reinstate, methods=["POST"]
)
suspension_bp.add_url_rule("/suspension", view_func=views.appeal, methods=["GET", "POST"])
bp.add_url_rule("/concerns", view_func=views.concern_queue)
bp.add_url_rule("/concerns/<int:concern_id>", view_func=views.concern, methods=["GET", "POST"])
bp.add_url_rule("/concerns/<int:concern_id>/severity", view_func=views.concern_severity, methods=["POST"])
bp.add_url_rule(
    "/concerns/<int:concern_id>/<any(suspend, release):action>", view_func=views.concern_action, methods=["POST"]
)
bp.add_url_rule(
    "/review-reports/<int:report_id>/<any(keep, remove):decision>", view_func=views.decide_report, methods=["POST"]
)
bp.add_url_rule(
    "/flagged-reviews/<int:review_id>/<any(publish, remove):decision>", view_func=views.decide_flagged, methods=["POST"]
)
bp.add_url_rule("/audit", view_func=views.audit_log)
bp.add_url_rule("/audit.csv", view_func=views.audit_export)

# On every page or response of the app:
bp.app_context_processor(views.officer_workload)
