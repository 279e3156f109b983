"""Fixtures for the review tests: a listed PA and a recipient it has accepted."""

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.reviews.models import Engagement
from tests.conftest import ENQUIRY_DETAILS, signed_in
from tests.factories import EngagementFactory, EnquiryFactory, ProviderFactory, RecipientFactory

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
def listed(app):
    """Kim Lewis, a PA listed for personal care and companionship in LS6: her slug."""
    with app.app_context():
        kim = ProviderFactory(listed=True, display_name="Kim Lewis", user__email="kim@example.com")
        slug = kim.slug
        db.session.commit()
    return slug


@pytest.fixture
def engaged(app, listed):
    """Rosa, whom Kim has started supporting after an enquiry and a reply, as rows (tests.factories):
    (Rosa's signed-in client, Kim's signed-in client, the engagement's id)."""
    from registry.providers.services import get_by_slug

    with app.app_context():
        rosa = RecipientFactory(email="rosa@example.com", name="Rosa")
        enquiry = EnquiryFactory(recipient=rosa, provider=get_by_slug(listed), started=True, answer="Yes, happily.")
        engagement_id = EngagementFactory(enquiry=enquiry).id
        db.session.commit()
    return signed_in(app, "rosa@example.com"), signed_in(app, "kim@example.com"), engagement_id


@pytest.fixture
def engaged_by_http(app, listed, make_user):
    """The same engagement made the way people make it, through the pages: the enquiry form, a reply,
    "accept" and "support has started". For the tests of that journey itself."""
    recipient = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    response = recipient.post(
        f"/providers/{listed}/enquire",
        data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello, could you visit my dad?"},
    )
    enquiry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    provider = signed_in(app, "kim@example.com")
    assert "could you visit my dad" in provider.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert provider.post(f"/enquiries/{enquiry_id}", data={"body": "Yes, happily."}).status_code == 302
    assert provider.post(f"/enquiries/{enquiry_id}/accept").status_code == 302
    assert provider.post(f"/enquiries/{enquiry_id}/start").status_code == 302
    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id))
    return recipient, provider, engagement_id
