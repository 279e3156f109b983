"""Every URL of registry/reviews/, in one table: on the blueprints api (/api/v1), reviews (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.api import bp as api_bp
from registry.reviews import api, bp, views

# -- api.py
api_bp.add_url_rule("/providers/<slug>/reviews", view_func=api.provider_reviews)

# -- views.py
bp.add_url_rule("/providers/<slug>/enquire", view_func=views.enquire, methods=["GET", "POST"])
bp.add_url_rule("/shortlist/enquire", view_func=views.enquire_many, methods=["GET", "POST"])
bp.add_url_rule("/enquiries", view_func=views.enquiries)
bp.add_url_rule("/enquiries/sent", view_func=views.enquiries_sent)
bp.add_url_rule("/enquiries/<int:enquiry_id>", view_func=views.enquiry, methods=["GET", "POST"])
bp.add_url_rule(
    "/enquiries/<int:enquiry_id>/<any(accept, start, decline):answer>", view_func=views.answer, methods=["POST"]
)
bp.add_url_rule("/dashboard/invitations", view_func=views.invite, methods=["POST"])
bp.add_url_rule("/invitations/<token>", view_func=views.accept_invitation, methods=["GET", "POST"])
bp.add_url_rule("/engagements/<int:engagement_id>/review", view_func=views.write_review, methods=["GET", "POST"])
bp.add_url_rule(
    "/reviews/<int:review_id>/<any(respond, report):action>", view_func=views.provider_action, methods=["POST"]
)
