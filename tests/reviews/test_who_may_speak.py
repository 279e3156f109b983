"""Only a confirmed, listed, unsuspended provider may invite reviews, message people, take them on or apply to lists.

Each of those carries the registry's word that a vetted provider is behind
it. Each case starts from the same provider doing the same thing
successfully (the positive control), then changes one fact and checks the
refusal leaves nothing written: no invitation, no message, no engagement,
no application, no email.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from registry.accounts.models import User
from registry.checks.models import Check
from registry.councils import services as councils
from registry.councils.models import FrameworkEntry
from registry.extensions import db
from registry.mail import outbox_messages
from registry.models import today, utcnow
from registry.providers.models import Provider
from registry.providers.services import get_by_slug
from registry.reviews.models import Engagement, EnquiryMessage, Invitation
from tests.conftest import approve_checks, signed_in
from tests.factories import EnquiryFactory


def _suspend(app, slug):
    with app.app_context():
        db.session.execute(update(Provider).where(Provider.slug == slug).values(suspended_at=utcnow()))
        db.session.commit()


def _lapse(app, slug):
    with app.app_context():
        provider_id = get_by_slug(slug).id
        db.session.execute(
            update(Check).where(Check.provider_id == provider_id).values(valid_until=today() - timedelta(days=1))
        )
        db.session.commit()


def _unconfirm(app, slug):
    with app.app_context():
        user_id = get_by_slug(slug).user_id
        db.session.execute(update(User).where(User.id == user_id).values(email_verified_at=None))
        db.session.commit()


STATES = {
    "suspended": (_suspend, "suspended"),
    "lapsed": (_lapse, "once you are listed"),
    "email not confirmed": (_unconfirm, "Confirm your email address"),
}


@pytest.fixture
def conversation(app, make_provider):
    """A listed provider with an open enquiry from a recipient; returns (slug, provider client, enquiry id)."""
    slug = make_provider("pa", name="Ivo Jones", base_postcode="LS6 2AA", services=["companionship"])
    approve_checks(app, slug)
    with app.app_context():
        provider = get_by_slug(slug)
        enquiry_id = EnquiryFactory(provider=provider, message="Hello").id
        email = provider.user.email
        db.session.commit()
    return slug, signed_in(app, email), enquiry_id


def _counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Invitation, EnquiryMessage, Engagement, FrameworkEntry)
        ) + (len(outbox_messages(app)),)


def _act(client, enquiry_id):
    """Invite, reply, say support has started: what a provider does with a conversation."""
    return [
        client.post("/dashboard/invitations", data={"email": "dad@example.com"}, follow_redirects=True),
        client.post(f"/enquiries/{enquiry_id}", data={"body": "We can help on Tuesdays."}, follow_redirects=True),
        client.post(f"/enquiries/{enquiry_id}/start", follow_redirects=True),
    ]


def test_a_listed_provider_can_invite_reply_and_start(app, conversation):
    slug, provider, enquiry_id = conversation
    before = _counts(app)
    for response in _act(provider, enquiry_id):
        assert response.status_code == 200
    after = _counts(app)
    assert after[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)


@pytest.mark.parametrize("state", list(STATES), ids=list(STATES))
def test_a_provider_that_may_not_speak_for_the_registry_is_refused_and_nothing_is_written(app, conversation, state):
    slug, provider, enquiry_id = conversation
    change, reason = STATES[state]
    change(app, slug)
    before = _counts(app)
    for response in _act(provider, enquiry_id):
        assert reason in response.text, response.text[:2000]
    assert _counts(app) == before
    # Declining is always possible: nobody is left waiting on a provider that cannot help.
    assert "Declined." in provider.post(f"/enquiries/{enquiry_id}/decline", follow_redirects=True).text


@pytest.mark.parametrize("state", [None, *STATES], ids=["listed", *STATES])
def test_only_a_listed_provider_applies_to_an_approved_list(app, make_provider, make_user, state):
    slug = make_provider("pa", name="Ana Lee", base_postcode="LS6 2AA", services=["companionship"])
    approve_checks(app, slug)
    commissioner = make_user("recipient", email="cam@leeds.example")
    if state is not None:
        STATES[state][0](app, slug)
    with app.app_context():
        council = councils.create_council("Leeds City Council", "council", ["LS6"])
        actor = db.session.scalar(select(User).where(User.email == commissioner))
        councils.make_commissioner(actor, council)
        framework = councils.create_framework(council, actor, "Leeds 2027", today(), today() + timedelta(days=365))
        db.session.commit()
        provider = get_by_slug(slug)
        service_type = provider.services[0].service_type
        if state is None:  # the positive control
            councils.apply(framework, provider, service_type, 1900, today())
            db.session.commit()
            assert db.session.scalar(select(func.count()).select_from(FrameworkEntry)) == 1
            return
        with pytest.raises(councils.CouncilError, match=STATES[state][1]):
            councils.apply(framework, provider, service_type, 1900, today())
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(FrameworkEntry)) == 0
