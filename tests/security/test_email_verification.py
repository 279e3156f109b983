"""Item 4 (first part) and item 8: accounts confirm their email before they enquire, review or
raise a concern; sign-up answers alike whether or not the email already has an account."""

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from registry.accounts import services
from registry.accounts.models import User
from registry.extensions import db
from registry.mail import outbox_messages
from registry.reviews.models import Enquiry
from registry.safeguarding.models import Concern
from tests.conftest import ENQUIRY_DETAILS, PASSWORD, approve_checks

ROSA = {
    "account_type": "recipient",
    "name": "Rosa Hughes",
    "email": "rosa@example.com",
    "password": PASSWORD,
    "confirm": PASSWORD,
}
ENQUIRY = {"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello, could you visit my dad?"}


def _confirmation_path(app) -> str:
    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    return re.search(r"http://registry\.test(/account/verify/\S+)", body).group(1)


@pytest.fixture
def listed(app, make_provider):
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    return slug


@pytest.fixture
def unconfirmed(app):
    """A recipient who signed up but has not opened the confirmation link; signed in."""
    client = app.test_client()
    client.post("/account/sign-up", data=ROSA)
    assert client.post("/account/sign-in", data={"email": "rosa@example.com", "password": PASSWORD}).status_code == 302
    return client


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_unconfirmed_account_cannot_enquire_and_raises_a_concern_as_if_it_had_no_account(app, listed, unconfirmed):
    page = unconfirmed.get(f"/providers/{listed}/enquire")
    assert page.status_code == 403 and "Confirm your email first" in page.get_data(as_text=True)
    assert unconfirmed.post(f"/providers/{listed}/enquire", data=ENQUIRY).status_code == 403
    assert _count(app, Enquiry) == 0
    # Anyone may raise a concern; an address nobody has confirmed is not tied to it, nor written to.
    raised = unconfirmed.post(f"/providers/{listed}/concern", data={"severity": "worried", "text": "I am worried."})
    assert raised.status_code == 302
    with app.app_context():
        [concern] = db.session.scalars(select(Concern)).all()
        assert concern.raised_by_id is None


def test_after_confirming_the_same_account_can(app, listed, unconfirmed):
    assert unconfirmed.get(_confirmation_path(app)).status_code == 302
    response = unconfirmed.post(f"/providers/{listed}/enquire", data=ENQUIRY)
    assert response.status_code == 302 and _count(app, Enquiry) == 1


def test_an_unconfirmed_account_cannot_review(app, make_user, listed):
    from registry.reviews.models import Engagement

    with app.app_context():
        provider_user = services.find_user_by_email("kim@example.com")
        rosa = services.create_user("rosa@example.com", PASSWORD, "Rosa", "recipient", email_verified=False)
        engagement = Engagement(recipient=rosa, provider=provider_user.provider)
        db.session.add(engagement)
        db.session.commit()
        engagement_id = engagement.id
    client = app.test_client()
    client.post("/account/sign-in", data={"email": "rosa@example.com", "password": PASSWORD})
    response = client.get(f"/engagements/{engagement_id}/review")
    assert response.status_code == 403


def test_the_link_can_be_sent_again_and_a_bad_link_is_refused(app, unconfirmed):
    first = _confirmation_path(app)
    unconfirmed.post("/account/verify", data={})
    assert _confirmation_path(app) != first or len(outbox_messages(app)) == 2
    broken = unconfirmed.get("/account/verify/not-a-token", follow_redirects=True)
    assert "not valid" in broken.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None


def test_a_link_confirms_only_the_address_it_was_sent_to(app, unconfirmed):
    path = _confirmation_path(app)
    with app.app_context():
        db.session.scalar(select(User)).email = "changed@example.com"
        db.session.commit()
    unconfirmed.get(path)
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None


def test_sign_up_answers_alike_for_a_new_and_a_taken_email(app, make_user, monkeypatch):
    make_user("recipient", email="taken@example.com")
    hashes = []
    real_hash = PasswordHasher.hash
    monkeypatch.setattr(PasswordHasher, "hash", lambda self, *a, **k: hashes.append(1) or real_hash(self, *a, **k))

    def sign_up(email):
        hashes.clear()
        client = app.test_client()
        response = client.post("/account/sign-up", data={**ROSA, "email": email})
        flashed = client.get(response.headers["Location"]).get_data(as_text=True)
        return response.status_code, response.headers["Location"], flashed.replace(email, "EMAIL"), len(hashes)

    assert sign_up("new@example.com") == sign_up("taken@example.com")
    assert _count(app, User) == 2
    told = outbox_messages(app)[-1]
    assert told["To"] == "taken@example.com" and "already have" in told["Subject"]
