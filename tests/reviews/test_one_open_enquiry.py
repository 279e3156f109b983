"""One open enquiry per recipient and provider, even when two posts arrive at once.

The service checks for an open enquiry first, but two requests can both pass
that check before either commits; the partial unique index lets only one of
them in, and the other sees the normal message.
"""

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from registry.accounts.models import User
from registry.extensions import db
from registry.providers.services import get_by_slug
from registry.reviews import enquiries
from registry.reviews.models import Enquiry, EnquiryMessage
from tests.conftest import ENQUIRY_DETAILS
from tests.reviews.conftest import signed_in

POST = {"service": "companionship", **ENQUIRY_DETAILS, "message": "Could you visit my dad?"}


def _counts():
    return db.session.scalar(select(func.count(Enquiry.id))), db.session.scalar(select(func.count(EnquiryMessage.id)))


def test_the_database_holds_one_open_enquiry_per_recipient_and_provider(app, listed, make_user):
    email = make_user("recipient", email="rosa@example.com")
    with app.app_context():
        recipient = db.session.scalar(select(User).where(User.email == email))
        provider = get_by_slug(listed)
        service_type = provider.services[0].service_type

        def add(status):
            db.session.add(
                Enquiry(
                    recipient=recipient, provider=provider, service_type=service_type, when_needed="soon", status=status
                )
            )
            db.session.flush()

        add("open")
        with pytest.raises(sa.exc.IntegrityError):
            add("open")
        db.session.rollback()
        # An accepted enquiry is still a conversation: no second one beside it.
        add("accepted")
        with pytest.raises(sa.exc.IntegrityError):
            add("open")
        db.session.rollback()
        # Finished ones do not count: a recipient may ask the same provider again.
        add("declined")
        add("started")
        add("open")
        db.session.commit()
        assert _counts()[0] == 3


def test_the_loser_of_two_simultaneous_enquiries_gets_the_normal_message(app, listed, make_user, database_url):
    """Two real transactions on PostgreSQL: the first holds its new enquiry uncommitted
    while the second request posts, passes the service's check (it cannot see the
    first) and waits on the index; when the first commits, the second is refused."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets only one writer in at a time, so the two cannot interleave")
    email = make_user("recipient", email="rosa@example.com", name="Rosa")
    client = signed_in(app, email)
    responses = []
    with app.app_context():
        recipient = db.session.scalar(select(User).where(User.email == email))
        first = enquiries.send_enquiry(
            recipient,
            get_by_slug(listed),
            enquiries.EnquiryRequest(
                service="companionship",
                district="LS6",
                times=["mon-morning"],
                hours_per_week=3,
                message="First, from another tab",
            ),
        )

        second = threading.Thread(
            target=lambda: responses.append(client.post(f"/providers/{listed}/enquire", data=POST))
        )
        second.start()
        with db.engine.connect() as watcher:
            deadline = time.monotonic() + 10
            while not watcher.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ):
                watcher.rollback()  # pg_stat_activity stays the same within one transaction
                assert time.monotonic() < deadline, f"the second request never reached the index: {responses}"
                time.sleep(0.02)
        db.session.commit()
        second.join(10)
        first_id = first.id

    response = responses[0]
    assert response.status_code == 422
    assert "already have an open enquiry with this provider" in response.get_data(as_text=True)
    with app.app_context():
        assert _counts() == (1, 1)  # nothing of the second was saved
        assert db.session.scalar(select(Enquiry.id)) == first_id
    # And the recipient's session is still good for the next post.
    assert client.get("/enquiries").status_code == 200
