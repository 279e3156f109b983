"""One unit of work per request: what a view's outcome does to what is stored.

A route made for the test renames an account, as a service would (flush, no
commit), then ends the way a real view can end. What the database holds
afterwards is read on a fresh session.
"""

from __future__ import annotations

import pytest
from flask import abort, redirect
from sqlalchemy import select

from registry.accounts.models import User
from registry.aftercommit import after_commit
from registry.extensions import db
from registry.unitofwork import Refusal, act, keep_nothing

ran_after_commit: list[str] = []


def _rename(email: str, outcome: str) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    user.name = f"Renamed ({outcome})"
    db.session.flush()
    after_commit(db.session, lambda: ran_after_commit.append(outcome))


def _view(outcome: str, email: str):
    def refuse():
        _rename(email, outcome)
        raise Refusal("That is not allowed.")

    if outcome == "button-refused":
        return act(refuse, done="/", message="Done.")
    if outcome == "button-done":
        return act(lambda: _rename(email, outcome), done="/", message="Done.")
    _rename(email, outcome)
    if outcome == "ok":
        return "saved"
    if outcome == "redirect":
        return redirect("/")
    if outcome == "invalid":
        return "the form again, with its errors", 422
    if outcome == "kept-nothing":
        keep_nothing()
        return redirect("/")
    if outcome == "refused":
        raise Refusal("That is not allowed.")
    if outcome == "not-found":
        abort(404)
    raise RuntimeError("a bug")


@pytest.fixture
def uow_app(app, make_user):
    email = make_user(name="Original")
    app.add_url_rule("/uow/<outcome>", "uow", lambda outcome: _view(outcome, email), methods=["POST"])
    ran_after_commit.clear()
    return app, email


def _name(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.name).where(User.email == email))


@pytest.mark.parametrize(
    ("outcome", "status", "kept"),
    [
        ("ok", 200, True),
        ("redirect", 302, True),
        ("button-done", 302, True),
        ("invalid", 422, False),
        ("kept-nothing", 302, False),
        ("button-refused", 302, False),
        ("refused", 422, False),
        ("not-found", 404, False),
        ("crash", 500, False),
    ],
)
def test_a_request_keeps_its_work_only_when_its_view_succeeds(uow_app, outcome, status, kept):
    app, email = uow_app
    response = app.test_client().post(f"/uow/{outcome}")
    assert response.status_code == status
    assert _name(app, email) == (f"Renamed ({outcome})" if kept else "Original")
    # Email, search and file work queued by the service runs only once the change is committed.
    assert ran_after_commit == ([outcome] if kept else [])


def test_an_unexpected_refusal_is_a_page_with_its_reason(uow_app):
    app, _ = uow_app
    response = app.test_client().post("/uow/refused")
    assert response.status_code == 422
    assert "That is not allowed." in response.get_data(as_text=True)


def test_a_refused_button_flashes_the_reason(uow_app):
    app, _ = uow_app
    client = app.test_client()
    client.post("/uow/button-refused")
    with client.session_transaction() as session:
        assert ("error", "That is not allowed.") in session["_flashes"]


def test_a_refusal_in_the_json_api_is_json(uow_app):
    app, _ = uow_app
    response = app.test_client().post("/uow/refused", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.get_json() == {"error": {"code": "refused", "message": "That is not allowed."}}
