"""Every URL of registry/openreferral/, in one table: on the blueprint openreferral (/openreferral).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.openreferral import bp, views

# -- views.py
bp.add_url_rule("/", view_func=views.feed_info)
bp.add_url_rule("/services", view_func=views.service_list)
bp.add_url_rule("/services/<service_id>", view_func=views.service_detail)
bp.add_url_rule("/service_at_locations", view_func=views.service_at_location_list)
bp.add_url_rule("/service_at_locations/<item_id>", view_func=views.service_at_location_detail)
bp.add_url_rule("/organizations", view_func=views.organization_list)
bp.add_url_rule("/organizations/<organization_id>", view_func=views.organization_detail)
bp.add_url_rule("/deletions", view_func=views.deletion_list)
bp.add_url_rule("/taxonomies", view_func=views.taxonomy_list)
bp.add_url_rule("/taxonomies/<taxonomy_id>", view_func=views.taxonomy_detail)
bp.add_url_rule("/taxonomy_terms", view_func=views.taxonomy_term_list)
bp.add_url_rule("/taxonomy_terms/<term_id>", view_func=views.taxonomy_term_detail)

# On every page or response of the app:
bp.after_app_request(views._every_feed_response)
