"""Error pages in the site's own look, or JSON for API clients."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from wtforms.validators import ValidationError

from registry.extensions import csrf, db

log = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/openreferral/")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _code_name(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_")


def handle_http_error(error: HTTPException):
    # The error's own headers (Allow on a 405, WWW-Authenticate on a 401), not its content type.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    if wants_json():
        if error.code == 429:
            # Flask-Limiter's description is the limit itself ("600 per 1 minute"); Retry-After goes on after.
            message = (
                f"Too many requests from your address (at most {error.description}). "
                "Wait the number of seconds in the Retry-After header, then carry on."
            )
            return jsonify(error={"code": "rate_limited", "message": message}), 429, headers
        body = {"code": _code_name(error), "message": error.description}
        if error.code == 500 and g.get("request_id"):
            body["reference"] = g.request_id  # the X-Request-ID of the crash's log line, to quote
        return jsonify(error=body), error.code, headers
    template = f"errors/{error.code}.html" if error.code in (403, 404, 500) else "errors/generic.html"
    try:
        return render_template(template, error=error), error.code, headers
    except DBAPIError as db_error:
        # The page in the site's look asks who is signed in; with the database down, say so instead.
        if _database_unavailable(db_error):
            return handle_database_error(db_error)
        raise


def check_form_page_csrf() -> None:
    """The CSRF check for @keeps_typed_text pages, which CSRFProtect leaves to this hook.

    A refused token goes on to the view, which runs once like any post: its
    FlaskForm refuses the token as well, saves nothing and draws the form
    again with what was typed. Nothing calls the view a second time, so its
    rate limits and other decorators behave as on any request. A good token
    gets CSRFProtect's whole check (the referrer too, over HTTPS).
    """
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True) or request.method not in config["WTF_CSRF_METHODS"]:
        return
    if not getattr(current_app.view_functions.get(request.endpoint or ""), "keeps_typed_text", False):
        return
    try:
        validate_csrf(request.form.get(config["WTF_CSRF_FIELD_NAME"]))
    except ValidationError:
        return
    csrf.protect()


def handle_csrf_error(error: CSRFError):
    if wants_json():
        return jsonify(error={"code": "csrf_failed", "message": error.description}), 400
    try:
        return render_template("errors/generic.html", error=error, csrf=True), 400
    except DBAPIError as db_error:
        if _database_unavailable(db_error):
            return handle_database_error(db_error)
        raise


def handle_untrusted_host(error: SecurityError):
    # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page in
    # the site's look (which links its stylesheet) can be drawn either.
    return (
        "Bad request: this server does not answer to that host name.\n",
        400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )


def handle_database_error(error: DBAPIError):
    """A database that is down or read-only gets a 503 that touches nothing but static text."""
    try:
        db.session.rollback()
    except DBAPIError:
        pass  # the connection is gone; nothing was written
    if not _database_unavailable(error):
        return handle_unexpected(error)
    log.error("database unavailable on %s %s: %s", request.method, request.path, type(error.orig).__name__)
    # Whoever the session names cannot be looked up now: for the rest of this
    # request (the security headers, templates) they count as signed out, so
    # nothing asks the database again. Their session itself is left as it is.
    g._login_user = current_app.login_manager.anonymous_user()
    headers = {"Retry-After": "30", "Cache-Control": "no-store"}
    if wants_json():
        return (
            jsonify(
                error={
                    "code": "unavailable",
                    "message": "The registry is briefly unavailable. Please try again in a minute.",
                }
            ),
            503,
            headers,
        )
    # Drawn straight from the template, without the context processors (some
    # ask who is signed in, which needs the database) and without the base template.
    page = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return page, 503, headers


def _database_unavailable(error: DBAPIError) -> bool:
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return True
    # PostgreSQL in read-only mode (a replica, or a primary during maintenance).
    return type(error.orig).__name__ == "ReadOnlySqlTransaction"


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.before_request(check_form_page_csrf)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
