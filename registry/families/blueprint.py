"""Every URL of registry/families/, in one table: on the blueprint families (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.families import bp, views

# -- views.py
bp.add_url_rule("/people", view_func=views.people)
bp.add_url_rule("/people/new", view_func=views.add_person, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>", view_func=views.person, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:person_id>/delete", view_func=views.delete_person, methods=["POST"])
bp.add_url_rule("/shortlist", view_func=views.shortlist)
bp.add_url_rule("/shortlist/<slug>", view_func=views.save, methods=["POST"])
bp.add_url_rule("/shortlist/<slug>/<any(remove):action>", view_func=views.save, methods=["POST"])
bp.add_url_rule("/shortlist/entries/<int:entry_id>/move", view_func=views.move, methods=["POST"])

# On every page or response of the app:
bp.app_context_processor(views.family_helpers)
