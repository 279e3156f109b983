"""One unit of work per request, as indico's ``RH.process`` has it.

A view loads, parses, calls one service and renders; it never commits or
rolls back. The request does, once, here, when the view has returned:

- a response below 400 commits whatever the services flushed (and the
  after-commit work, email and search, runs from that commit: see
  :mod:`registry.aftercommit`);
- a response of 400 or more, a request marked with :func:`keep_nothing`, or
  any exception rolls everything back, so a refused or failed request leaves
  nothing half-written.

Every feature's "no" (``CheckError``, ``ReviewError``, …) is a
:class:`Refusal`. :func:`refused` turns one into a form error or a flashed
message, the same way everywhere; one that no view expected becomes a 422
page with its reason.
"""

from __future__ import annotations

from flask import Flask, flash, g, jsonify, redirect, render_template
from sqlalchemy.exc import DBAPIError

from registry.errors import wants_json
from registry.extensions import db


class Refusal(Exception):
    """A rule of the registry said no; the message says why, in words for the person who asked."""


def keep_nothing() -> None:
    """Roll this request back now, and again when its view returns, whatever the response.

    Now: the page drawn next reads the database as it stands, not what the
    refused service half-wrote (after a failed flush the session could not
    read at all). Again at the end: nothing flushed later is kept either.
    """
    db.session.rollback()
    g.keep_nothing = True


def finish(response):
    """Commit the request's work if its view succeeded, roll it back if not; returns ``response``."""
    if response.status_code >= 400 or g.pop("keep_nothing", False):
        try:
            db.session.rollback()
        except DBAPIError:
            pass  # the connection is gone (a 503 page says so): nothing was written
    else:
        db.session.commit()
    return response


def refused(error: Refusal, form=None) -> None:
    """Show a refusal: above the form when there is one, otherwise as a flashed message. Nothing is kept."""
    keep_nothing()
    if form is not None:
        form.form_errors.append(str(error))
    else:
        flash(str(error), "error")


def act(action, *, done: str, message: str | None = None):
    """A button's round trip: run ``action`` (one service call) and go to ``done``.

    A refusal is flashed and nothing is kept; otherwise ``message`` is
    flashed (it may be a callable taking what ``action`` returned).
    """
    try:
        result = action()
    except Refusal as error:
        refused(error)
    else:
        if message:
            flash(message(result) if callable(message) else message, "success")
    return redirect(done)


def render_form(form, template: str, *, save, done, message=None, **context):
    """A form page's whole round trip, the same for every form.

    On a valid submit, ``save()`` runs the service. If it refuses, the form
    is shown again with the reason above it (422) and nothing is kept.
    Otherwise ``message`` is flashed and the browser goes to ``done``; both
    may be callables taking what ``save`` returned. A first visit or invalid
    input renders ``template`` with ``form`` and ``context`` (200, or 422
    when the form has errors).
    """
    if form.validate_on_submit():
        try:
            saved = save()
        except Refusal as error:
            refused(error, form)
        else:
            if message:
                flash(message(saved) if callable(message) else message, "success")
            return redirect(done(saved) if callable(done) else done)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def handle_refusal(error: Refusal):
    """A refusal no view expected: its reason, as a page or as JSON, and nothing kept."""
    if wants_json():
        return jsonify(error={"code": "refused", "message": str(error)}), 422
    return render_template("errors/refused.html", reason=str(error)), 422


class Registry(Flask):
    """Flask, with each request's view run as one unit of work."""

    def dispatch_request(self):
        try:
            return finish(self.make_response(super().dispatch_request()))
        except BaseException:
            g.pop("keep_nothing", None)
            db.session.rollback()
            raise


def init_app(app: Flask) -> None:
    app.register_error_handler(Refusal, handle_refusal)
