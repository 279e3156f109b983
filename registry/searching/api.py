"""GET /api/v1/search: the search page's results as JSON."""

from __future__ import annotations

from flask import request
from marshmallow import ValidationError

from registry.api import api_error
from registry.searching.schemas import args_to_dict, flatten_errors, search_args_schema, search_response
from registry.searching.services import search_providers, searchable_services


def search():
    """Listed providers covering a postcode; same parameters as the search page."""
    schema = search_args_schema(frozenset(t.slug for t in searchable_services()))
    try:
        args = schema.load(args_to_dict(request.args))
    except ValidationError as error:
        return api_error(
            400, "invalid_parameters", "Some search parameters are not valid.", flatten_errors(error.messages)
        )
    return search_response(search_providers(args))
