"""gzip (or Brotli, zstd) for JSON, HTML, CSS and scripts, through Flask-Compress.

A compressed page that carries a secret (a form's CSRF token, anything shown
to one signed-in person) beside text an attacker can put into the page leaks
that secret to someone who can watch response sizes over many requests
(BREACH). So a response is compressed only when it cannot carry the same
secret twice:

* the public JSON of ``/api/v1`` and ``/openreferral`` (anonymous, read-only,
  never reading a session) and the static files;
* any other response to a request that carries no cookie: whatever secret it
  holds was made for this response alone, and the next request without the
  cookie gets a new one.

A browser that has a session (a signed-in person, or anyone who opened a
form) gets its pages uncompressed. ``Vary: Accept-Encoding`` goes on every
response whose type could be compressed, so caches keep the two apart; a
weak ``ETag`` (the feed's) stays the same for both encodings, and a strong one
gets the encoding appended (Flask-Compress), so a conditional GET still
answers ``304``.
"""

from __future__ import annotations

from flask import Flask, Response, request

from registry.extensions import compress

PUBLIC_BLUEPRINTS = frozenset({"api", "openreferral"})


def init_app(app: Flask) -> None:
    # Registered before every other after-request function, so it runs last:
    # on the body and headers as the rest of the app left them.
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["zstd", "br", "gzip", "deflate"])
    compress.init_app(app)
    compress.compress_mimetypes_set.add("application/x-ndjson")
    app.after_request(_compress)


def may_compress() -> bool:
    """Whether the response to this request can be compressed without risking a secret in it (BREACH)."""
    return request.endpoint == "static" or request.blueprint in PUBLIC_BLUEPRINTS or not request.cookies


def _compress(response: Response) -> Response:
    if may_compress():
        original = response.response
        response = compress.after_request(response)
        if response.response is not original and hasattr(original, "close"):
            # Flask-Compress replaces the body; the server closes only the new one. The old one may be
            # an open static file, or the export's generator holding a database connection until closed.
            response.call_on_close(original.close)
        return response
    if response.mimetype in compress.compress_mimetypes_set:
        response.vary.add("Accept-Encoding")
    return response
