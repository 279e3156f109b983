"""GET /api/v1/search: the search page's results as JSON."""

from __future__ import annotations

from registry.api.query import use_args
from registry.searching.schemas import SearchArgsSchema, search_args_schema, search_response
from registry.searching.services import search_providers, searchable_services


def _args_schema(_request) -> SearchArgsSchema:
    """The parameters of today's taxonomy (its service slugs are data)."""
    return search_args_schema(frozenset(t.slug for t in searchable_services()))


@use_args(_args_schema, location="query")
def search(args: dict):
    """Listed providers covering a postcode; same parameters as the search page."""
    return search_response(search_providers(args))
