"""GET /api/v1/search: the search page's results as JSON."""

from __future__ import annotations

from flask import request
from marshmallow import ValidationError

from registry.api import api_error, bp
from registry.searching.presenters import find
from registry.searching.schemas import SearchResponseSchema, args_to_dict, flatten_errors, search_args_schema
from registry.searching.services import searchable_services

# Built once: a schema's construction deep-copies its fields, a tenth of a search's time.
RESPONSE_SCHEMA = SearchResponseSchema()


@bp.get("/search")
def search():
    """Listed providers covering a postcode; same parameters as the search page."""
    schema = search_args_schema(frozenset(t.slug for t in searchable_services()))
    try:
        args = schema.load(args_to_dict(request.args))
    except ValidationError as error:
        return api_error(
            400, "invalid_parameters", "Some search parameters are not valid.", flatten_errors(error.messages)
        )
    return RESPONSE_SCHEMA.dump(find(args))
