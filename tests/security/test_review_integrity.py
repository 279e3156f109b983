"""Item 4: reviews are really verified: one per person and provider, and no provider reviewing itself."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.mail import outbox_messages
from registry.reviews.models import Engagement, ProviderRating, Review
from tests.conftest import ENQUIRY_DETAILS, PASSWORD, approve_checks, signed_in
from tests.html_forms import as_post_data, form_fields
from tests.reviews.conftest import GOOD

ENQUIRY = {"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello, could you visit my dad?"}


def _client(app, email):
    return signed_in(app, email)


def _engage(app, slug, recipient, provider):
    """The recipient enquires and the provider starts supporting them: returns the engagement id."""
    response = recipient.post(f"/providers/{slug}/enquire", data=ENQUIRY)
    assert response.status_code == 302, response.get_data(as_text=True)
    enquiry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert provider.post(f"/enquiries/{enquiry_id}/accept").status_code == 302
    assert provider.post(f"/enquiries/{enquiry_id}/start").status_code == 302
    with app.app_context():
        return db.session.scalar(select(Engagement.id).where(Engagement.enquiry_id == enquiry_id))


def _review_form(client, engagement_id, **changes):
    """The review page's form as the browser would send it, with ``changes`` typed in."""
    page = client.get(f"/engagements/{engagement_id}/review", follow_redirects=True)
    data = as_post_data(form_fields(page.get_data(as_text=True), action=""))
    data.update({key: [value] for key, value in changes.items()})
    return page, data


def _reviews(app):
    with app.app_context():
        return list(db.session.execute(select(Review.title, Review.status, Review.flag_reasons).order_by(Review.id)))


@pytest.fixture
def kim(app, make_provider):
    """A listed PA whose account is at her own business's domain."""
    slug = make_provider("pa", name="Kim Lewis", email="kim@kimcare.co.uk", contact_email="bookings@kimcare.co.uk")
    approve_checks(app, slug)
    return slug


# -- one review per person and provider -----------------------------------------------


def test_a_later_engagement_updates_the_one_review_which_counts_once(app, kim, make_user):
    recipient = _client(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    provider = _client(app, "kim@kimcare.co.uk")
    first = _engage(app, kim, recipient, provider)
    _, data = _review_form(recipient, first, **GOOD)
    assert recipient.post(f"/engagements/{first}/review", data=data).status_code == 302

    # Months later Rosa asks again, Kim accepts, and the edit window has long closed.
    with app.app_context():
        review = db.session.scalar(select(Review))
        review.written_at -= timedelta(days=200)
        db.session.commit()
    assert recipient.post(f"/engagements/{first}/review", data={**GOOD, "title": "Late edit"}).status_code == 422
    second = _engage(app, kim, recipient, provider)

    # The profile offers one button, and the form shows the earlier review to update.
    profile = recipient.get(f"/providers/{kim}").get_data(as_text=True)
    assert profile.count("Review your care") == 1
    page, data = _review_form(recipient, first)  # the old engagement's link leads to the newest
    text = page.get_data(as_text=True)
    assert (
        "Update your review of Kim Lewis" in text
        and "Kind and reliable" in text
        and "Always on time and so patient" in text
    )
    data.update({"title": ["Still kind, now twice a week"], "quality": ["4"]})
    assert recipient.post(f"/engagements/{second}/review", data=data).status_code == 302

    assert [(title, status) for title, status, _ in _reviews(app)] == [("Still kind, now twice a week", "published")]
    with app.app_context():
        rating = db.session.get(ProviderRating, db.session.scalar(select(Review.provider_id)))
        assert rating.review_count == 1 and rating.dimensions["quality"] == 4
        assert db.session.scalar(select(Review.engagement_id)) == second
    page = app.test_client().get(f"/providers/{kim}").get_data(as_text=True)
    assert (
        "from 1 verified review" in page and "Still kind, now twice a week" in page and "Kind and reliable" not in page
    )


def test_saving_the_review_form_unchanged_changes_nothing(app, kim, make_user):
    recipient = _client(app, make_user("recipient", email="rosa@example.com"))
    engagement = _engage(app, kim, recipient, _client(app, "kim@kimcare.co.uk"))
    recipient.post(f"/engagements/{engagement}/review", data=GOOD)
    with app.app_context():
        before = db.session.execute(select(Review.__table__)).one()
    _, data = _review_form(recipient, engagement)
    assert recipient.post(f"/engagements/{engagement}/review", data=data).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Review.__table__)).one() == before


# -- a provider reviewing itself ------------------------------------------------------


@pytest.mark.parametrize("email", ["KIM+reviews@kimcare.co.uk", "Kim+Home@KimCare.CO.UK", "bookings+1@kimcare.co.uk"])
def test_a_review_from_the_providers_own_email_is_refused(app, kim, make_user, email):
    recipient = _client(app, make_user("recipient", email=email, name="Not Kim"))
    engagement = _engage(app, kim, recipient, _client(app, "kim@kimcare.co.uk"))
    response = recipient.post(f"/engagements/{engagement}/review", data=GOOD)
    assert response.status_code == 422
    assert "email address is the provider&#39;s own" in response.get_data(as_text=True)
    assert _reviews(app) == []


def test_an_account_signed_in_on_the_providers_device_cannot_review_it(app, kim, make_user):
    sock = make_user("recipient", email="sock.puppet@example.com", name="Sam")
    browser = app.test_client()
    # Kim signs in on her laptop, then signs out and makes the review as "Sam" on it.
    browser.post("/account/sign-in", data={"email": "kim@kimcare.co.uk", "password": PASSWORD})
    device = browser.get_cookie("device", domain="registry.test")
    assert device is not None and device.http_only
    browser.post("/account/sign-out")
    provider = _client(app, "kim@kimcare.co.uk")  # she answers enquiries from her phone
    # A made-up X-Forwarded-For does not make it another device.
    assert (
        browser.post(
            "/account/sign-in", data={"email": sock, "password": PASSWORD}, headers={"X-Forwarded-For": "203.0.113.50"}
        ).status_code
        == 302
    )
    engagement = _engage(app, kim, browser, provider)
    response = browser.post(f"/engagements/{engagement}/review", data=GOOD)
    assert response.status_code == 422 and "signed in on the same device" in response.get_data(as_text=True)
    assert _reviews(app) == []


def test_people_on_their_own_devices_review_as_before_even_from_the_same_address(app, kim, make_user):
    # Every test client connects from 127.0.0.1: one address, as in a care home or a family's house.
    recipient = _client(app, make_user("recipient", email="rosa@example.com"))
    provider = _client(app, "kim@kimcare.co.uk")
    assert (
        recipient.get_cookie("device", domain="registry.test").value
        != provider.get_cookie("device", domain="registry.test").value
    )
    engagement = _engage(app, kim, recipient, provider)
    assert recipient.post(f"/engagements/{engagement}/review", data=GOOD).status_code == 302
    assert [(title, status) for title, status, _ in _reviews(app)] == [("Kind and reliable", "published")]


def test_a_quick_self_loop_at_the_providers_domain_waits_for_an_officer(app, kim, make_user):
    recipient = _client(app, make_user("recipient", email="sam@kimcare.co.uk", name="Sam"))
    engagement = _engage(app, kim, recipient, _client(app, "kim@kimcare.co.uk"))
    response = recipient.post(f"/engagements/{engagement}/review", data=GOOD, follow_redirects=True)
    assert "A safeguarding officer checks reviews like this one" in response.get_data(as_text=True)
    [(title, status, reasons)] = _reviews(app)
    assert status == "flagged" and "kimcare.co.uk" in reasons[0] and "minutes after the enquiry was sent" in reasons[0]
    # Not published, not counted, and the provider is not told of it.
    page = app.test_client().get(f"/providers/{kim}").get_data(as_text=True)
    assert "Kind and reliable" not in page and "No reviews yet" in page
    assert not any(m["Subject"].startswith("New review") for m in outbox_messages(app))


def test_the_same_domain_after_a_real_wait_is_published(app, kim, make_user):
    recipient = _client(app, make_user("recipient", email="sam@kimcare.co.uk", name="Sam"))
    engagement = _engage(app, kim, recipient, _client(app, "kim@kimcare.co.uk"))
    with app.app_context():
        from registry.reviews.models import Enquiry

        enquiry = db.session.scalar(select(Enquiry))
        enquiry.created_at -= timedelta(days=3)
        db.session.commit()
    assert recipient.post(f"/engagements/{engagement}/review", data=GOOD).status_code == 302
    assert [status for _, status, _ in _reviews(app)] == ["published"]


@pytest.mark.parametrize("decision, shown", [("publish", True), ("remove", False)])
def test_officers_see_why_a_review_was_held_and_decide_on_the_record(app, kim, make_user, decision, shown):
    recipient = _client(app, make_user("recipient", email="sam@kimcare.co.uk", name="Sam"))
    engagement = _engage(app, kim, recipient, _client(app, "kim@kimcare.co.uk"))
    recipient.post(f"/engagements/{engagement}/review", data=GOOD)
    officer = _client(app, make_user("officer", email="olu@council.example"))
    assert "1</strong> review held as possibly the provider" in officer.get("/staff").get_data(as_text=True)
    queue = officer.get("/officer/concerns").get_data(as_text=True)
    assert "Kind and reliable" in queue and "at the provider&#39;s own email domain (kimcare.co.uk)" in queue

    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    action = f"/officer/flagged-reviews/{review_id}/publish"
    data = as_post_data(form_fields(queue, action=action))
    refused = officer.post(f"/officer/flagged-reviews/{review_id}/{decision}", data=data, follow_redirects=True)
    assert (
        "cannot be empty" in refused.get_data(as_text=True) and _reviews(app)[0][1] == "flagged"
    )  # a reason is needed
    data["text"] = ["Spoke to Sam: a neighbour Kim supports, independent of her business."]
    assert officer.post(f"/officer/flagged-reviews/{review_id}/{decision}", data=data).status_code == 302

    assert _reviews(app)[0][1] == ("published" if shown else "removed")
    assert ("Kind and reliable" in app.test_client().get(f"/providers/{kim}").get_data(as_text=True)) is shown
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("review.flag_%")))
        assert event.action == f"review.flag_{'published' if shown else 'removed'}" and "kimcare.co.uk" in str(
            event.details
        )
        assert db.session.get(ProviderRating, event.provider_id).review_count == (1 if shown else 0)
    assert outbox_messages(app)[-1]["To"] == "sam@kimcare.co.uk"
    # Decided once only.
    again = officer.post(f"/officer/flagged-reviews/{review_id}/publish", data=data, follow_redirects=True)
    assert "not waiting for a decision" in again.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("review.flag_%"))
            )
            == 1
        )
