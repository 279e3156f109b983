"""HTTP details shared by the read-only JSON API and the open-data feed: CORS, caching and fair use."""

from __future__ import annotations

import math

from flask import Blueprint, Response, current_app, jsonify, request

from registry.extensions import limiter

# How long a shared cache (a council's harvester, a CDN) may reuse a feed
# response without asking again; after that a conditional GET costs a 304.
FEED_MAX_AGE = 300
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# What a script on another site may read from our answers: validators, paging, and where it stands on its limit.
EXPOSED_HEADERS = (
    "ETag, Last-Modified, Link, Date, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
)
# A read's share of a client's limit: one unit per this many items asked for (``per_page``), at least one.
ITEMS_PER_UNIT = 100


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
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def open_for_cross_origin_reads(blueprint: Blueprint) -> None:
    """Let browsers on other origins GET this blueprint's responses (without credentials)."""
    blueprint.after_request(_allow_cross_origin_reads)


def read_cost() -> int:
    """Units of the client's limit this request uses: a page of 1,000 weighs what twenty pages of 50 do."""
    text = request.args.get("per_page", "").strip()
    if not text.isdigit() or len(text) > 6:
        return 1  # not a number the view will accept: it answers 400, cheaply
    return max(1, math.ceil(int(text) / ITEMS_PER_UNIT))


def limit_reads(blueprint: Blueprint, setting: str) -> None:
    """Every client address gets ``current_app.config[setting]`` units of this blueprint (see :func:`read_cost`).

    Counted apart for each blueprint and each address (request.remote_addr:
    behind TRUSTED_PROXY_COUNT proxies, the client's own), so one harvester
    using up its share never stops anyone else. The answer past it is a
    429 in the API's error shape with ``Retry-After`` (registry/errors.py).
    """
    # Shared: one count for the whole blueprint, not one per endpoint.
    limiter.shared_limit(lambda: current_app.config[setting], scope=blueprint.name, cost=read_cost)(blueprint)
