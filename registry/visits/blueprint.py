"""Every URL of registry/visits/, in one table: on the blueprint visits (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.visits import bp, views

# -- views.py
bp.add_url_rule("/care", view_func=views.engagements)
bp.add_url_rule("/care/<int:engagement_id>", view_func=views.engagement)
bp.add_url_rule("/care/<int:engagement_id>/agreement", view_func=views.propose, methods=["GET", "POST"])
bp.add_url_rule(
    "/care/<int:engagement_id>/agreement/<int:agreement_id>/<any(accept, decline):answer>",
    view_func=views.answer,
    methods=["POST"],
)
bp.add_url_rule("/care/<int:engagement_id>/end", view_func=views.end, methods=["GET", "POST"])
bp.add_url_rule("/care/<int:engagement_id>/visits/<day>/<start>", view_func=views.visit)
bp.add_url_rule(
    "/care/<int:engagement_id>/visits/<day>/<start>/<any(came, away, confirm):action>",
    view_func=views.record,
    methods=["POST"],
)
bp.add_url_rule("/care/<int:engagement_id>/timesheet/<month>", view_func=views.timesheet)
bp.add_url_rule("/care/<int:engagement_id>/timesheet/<month>.csv", view_func=views.timesheet_csv)
