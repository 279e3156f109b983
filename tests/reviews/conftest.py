"""Fixtures for the review tests: a listed PA and a recipient it has accepted."""

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.reviews.models import Engagement
from tests.conftest import ENQUIRY_DETAILS, approve_checks, signed_in

GOOD = {
    "reliability": "5",
    "quality": "5",
    "kindness": "5",
    "communication": "4",
    "value": "4",
    "title": "Kind and reliable",
    "body": "Always on time and so patient with my dad.",
}


@pytest.fixture
def listed(app, make_provider):
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    return slug


@pytest.fixture
def engaged(app, listed, make_user):
    """A recipient the provider has started supporting after an enquiry: (recipient client, provider client, engagement id)."""
    recipient = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    response = recipient.post(
        f"/providers/{listed}/enquire",
        data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello, could you visit my dad?"},
    )
    enquiry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    provider = signed_in(app, "kim@example.com")
    assert "could you visit my dad" in provider.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    provider.post(f"/enquiries/{enquiry_id}", data={"body": "Yes, happily."})
    provider.post(f"/enquiries/{enquiry_id}/accept")
    provider.post(f"/enquiries/{enquiry_id}/start")
    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id))
    return recipient, provider, engagement_id
