"""Every URL of registry/main/, in one table: on the blueprint main (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.main import bp, views

# -- views.py
bp.add_url_rule("/", view_func=views.index)
bp.add_url_rule("/healthz", view_func=views.healthz)
bp.add_url_rule("/readyz", view_func=views.readyz)
bp.add_url_rule("/how-it-works", view_func=views.how_it_works)
bp.add_url_rule("/what-our-checks-mean", view_func=views.checks_explained)
bp.add_url_rule("/language", view_func=views.switch_language)
bp.add_url_rule("/how-it-works/easy-read", view_func=views.easy_read_how_it_works)
bp.add_url_rule("/what-our-checks-mean/easy-read", view_func=views.easy_read_checks)
bp.add_url_rule("/report-a-concern/easy-read", view_func=views.easy_read_concern)

# On every page: where "What our checks mean" explains each badge.
bp.app_context_processor(views.check_meaning_anchors)
