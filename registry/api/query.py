"""Query strings, parsed by one webargs parser for the whole app.

A view that takes a query string declares it with a marshmallow load schema::

    @use_args(SearchArgsSchema(), location="query")
    def search(args): ...

Repeated parameters (``?service=a&service=b``) arrive as lists for the
schema's ``List`` fields and as their first value otherwise. What an unknown
parameter does is the schema's own ``Meta.unknown`` (the search and audit
pages ignore them, as links from elsewhere carry tracking parameters; the
Open Referral feed refuses them by name): the parser adds no default of its own.

A bad query raises :class:`QueryError`. JSON clients (the API, the feed) get
it as a 400 in the API's error shape, ``invalid_parameters`` with the
messages of each parameter (see :func:`invalid_parameters`); a page that
shows its own form again calls :func:`parse_query` and puts the messages in
its GOV.UK error summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from registry.api import api_error
from registry.errors import handle_http_error, wants_json


class QueryError(Exception):
    """A query string the view's schema refused: ``fields`` holds the messages of each parameter."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(fields)
        self.fields = fields


def _messages(value) -> list[str]:
    # marshmallow nests a list field's errors by position ({"kind": {0: ["Must be one of ..."]}}).
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


class QueryParser(FlaskParser):
    """webargs' Flask parser, raising :class:`QueryError` (answered with a 400) where it would abort with a 422."""

    def handle_error(self, error: ValidationError, req, schema: Schema, *, error_status_code, error_headers):
        # webargs files the messages under the location they came from ({"query": {...}}).
        fields: dict[str, list[str]] = {}
        for messages in error.messages.values():
            for name, value in messages.items():
                fields.setdefault(str(name), []).extend(_messages(value))
        raise QueryError(fields)


parser = QueryParser(location="query", unknown=None)
use_args = parser.use_args


@dataclass(frozen=True)
class _Query:
    """What the parser reads of a request for ``location="query"``: its arguments."""

    args: MultiDict


def parse_query(schema: Schema, args: MultiDict | None = None) -> dict:
    """The request's query string (or ``args``, a page's copy of it with a default filled in) loaded with ``schema``.

    For pages that draw their form again with the errors: they catch the :class:`QueryError`.
    """
    return parser.parse(schema, request if args is None else _Query(args), location="query")


def invalid_parameters(fields: dict[str, list[str]]):
    """The API's and the feed's answer to parameters it cannot take: 400 ``invalid_parameters``, per parameter."""
    return api_error(400, "invalid_parameters", "Some parameters are not valid.", fields)


def handle_query_error(error: QueryError):
    if wants_json():
        return invalid_parameters(error.fields)
    # An HTML page that does not draw its form again: the error page, with what was wrong.
    return handle_http_error(BadRequest(" ".join(m for messages in error.fields.values() for m in messages)))


def init_app(app: Flask) -> None:
    app.register_error_handler(QueryError, handle_query_error)
