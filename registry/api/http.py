"""HTTP details shared by the read-only JSON API and the open-data feed: CORS and caching."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

# How long a shared cache (a council's harvester, a CDN) may reuse a feed
# response without asking again; after that a conditional GET costs a 304.
FEED_MAX_AGE = 300
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def cacheable_json(payload) -> Response:
    """A JSON response with an ETag of its body, answering If-None-Match with 304."""
    response = jsonify(payload)
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


def _allow_cross_origin_reads(response: Response) -> Response:
    # Anyone's web page may read public data, but no cookies are ever honoured
    # cross-origin (no Allow-Credentials), and only reads are opened up.
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def open_for_cross_origin_reads(blueprint: Blueprint) -> None:
    """Let browsers on other origins GET this blueprint's responses (without credentials)."""
    blueprint.after_request(_allow_cross_origin_reads)
