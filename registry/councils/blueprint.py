"""Every URL of registry/councils/, in one table: on the blueprint councils (no prefix).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.councils import bp, views

# -- views.py
bp.add_url_rule("/council", view_func=views.home)
bp.add_url_rule("/council/frameworks", view_func=views.create_framework, methods=["POST"])
bp.add_url_rule("/council/frameworks/<int:framework_id>", view_func=views.framework)
bp.add_url_rule("/council/frameworks/<int:framework_id>/providers", view_func=views.add_provider, methods=["POST"])
bp.add_url_rule("/council/entries/<int:entry_id>", view_func=views.decide, methods=["POST"])
bp.add_url_rule("/council/coverage", view_func=views.coverage)
bp.add_url_rule("/council/coverage.csv", view_func=views.coverage_csv)
bp.add_url_rule("/council/orders", view_func=views.orders)
bp.add_url_rule("/council/orders.csv", view_func=views.orders_csv)
bp.add_url_rule("/dashboard/approved-lists", view_func=views.provider_lists)
bp.add_url_rule("/dashboard/approved-lists/<int:framework_id>", view_func=views.apply, methods=["POST"])
bp.add_url_rule("/providers/<slug>/order", view_func=views.order, methods=["GET", "POST"])
