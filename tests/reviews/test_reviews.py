"""Verified reviews: enquiry, engagement, review, score; abuse refused; concerns reach officers."""

import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from registry import audit
from registry.extensions import db
from registry.mail import outbox_messages
from registry.reviews.models import Engagement, Review
from registry.safeguarding.models import Concern
from tests.conftest import ENQUIRY_DETAILS
from tests.reviews.conftest import GOOD, signed_in


def _counts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Review)), db.session.scalar(
            select(func.count()).select_from(Concern)
        )


def test_enquire_accept_review_and_the_score_changes_on_the_profile_and_in_search(app, listed, engaged_by_http):
    recipient, _, engagement_id = engaged_by_http
    assert any("New enquiry from Rosa" in m["Subject"] for m in outbox_messages(app))
    assert "No reviews yet" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    response = recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "supported_for": "1-3-years"})
    assert response.status_code == 302
    page = app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    # (5 × 7 + 9.2) / 6 = 7.37
    assert (
        "7.4/10</strong> from 1 verified review" in page
        and "Verified engagement" in page
        and "Kind and reliable" in page
        and "· supported for 1 to 3 years</p>" in page
    )
    hit = app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()["results"][0]
    assert hit["rating"] == {"score": 7.4, "count": 1}
    api = app.test_client().get(f"/api/v1/providers/{listed}/reviews").get_json()
    assert (
        api["total"] == 1
        and api["results"][0]["ratings"]["communication"] == 4
        and api["results"][0]["verified_engagement"]
    )


def test_one_review_per_engagement(app, engaged):
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    # The same form now edits the review rather than adding a second one.
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "title": "Still great"})
    assert _counts(app) == (1, 0)
    with app.app_context():
        assert db.session.scalar(select(Review.title)) == "Still great"


def test_no_review_without_an_engagement(app, listed, make_user, engaged):
    _, _, engagement_id = engaged
    stranger = signed_in(app, make_user("recipient", email="stranger@example.com"))
    assert stranger.post(f"/engagements/{engagement_id}/review", data=GOOD).status_code == 404
    assert stranger.post("/engagements/999/review", data=GOOD).status_code == 404
    provider = signed_in(app, "kim@example.com")
    assert (
        provider.post(f"/engagements/{engagement_id}/review", data=GOOD).status_code == 403
    )  # a provider cannot review, itself least of all
    assert _counts(app) == (0, 0)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"quality": "6"}, "Rate quality of care from 1 to 5."),
        ({"quality": "0"}, "Rate quality of care from 1 to 5."),
        ({"kindness": ""}, "Rate kindness and respect from 1 to 5."),
        ({"value": "lots"}, "Rate value for money from 1 to 5."),
        ({"title": ""}, "Give your review a title."),
        ({"body": ""}, "Write your review."),
        ({"body": "x" * 5001}, "at most 5,000 characters"),
        ({"title": "t" * 121}, "at most 120 characters"),
    ],
)
def test_bad_reviews_are_refused_and_nothing_is_stored(app, engaged, overrides, message):
    recipient, _, engagement_id = engaged
    response = recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, **overrides})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _counts(app) == (0, 0)


def test_html_in_a_review_is_shown_escaped(app, listed, engaged, make_user):
    recipient, _, engagement_id = engaged
    recipient.post(
        f"/engagements/{engagement_id}/review", data={**GOOD, "body": "<script>alert('x')</script> Lovely <b>care</b>."}
    )
    page = app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "&lt;b&gt;care" in page
    api = app.test_client().get(f"/api/v1/providers/{listed}/reviews").get_json()
    assert api["results"][0]["body"].startswith("<script>")  # JSON carries the text as written; clients escape it
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    provider = signed_in(app, "kim@example.com")
    provider.post(f"/reviews/{review_id}/report", data={"text": "<img src=x onerror=alert(1)>"})
    officer_page = signed_in(app, make_user("officer")).get("/officer/concerns").get_data(as_text=True)
    assert "<script>alert" not in officer_page and "&lt;script&gt;" in officer_page and "&lt;img src=x" in officer_page


@pytest.mark.parametrize(
    "overrides",
    [
        {"is_concern": "y"},
        {"body": "She shouted at him and there was a bruise on his arm."},
        {"title": "Took money from the purse"},
    ],
)
def test_a_review_that_signals_harm_is_held_and_opens_a_concern(app, listed, engaged, make_user, overrides):
    recipient, _, engagement_id = engaged
    response = recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, **overrides}, follow_redirects=True)
    assert "not published yet" in response.get_data(as_text=True)
    assert _counts(app) == (1, 1)
    assert "No reviews yet" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    assert app.test_client().get(f"/api/v1/providers/{listed}/reviews").get_json()["total"] == 0
    assert outbox_messages(app)[-1]["Subject"] == "We have received your concern"
    officer = signed_in(app, make_user("officer"))
    assert "held review" in officer.get("/officer/concerns").get_data(as_text=True)


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("Lovely chitchat and whistles every visit.", None),  # "hit" and "stole" only inside other words
        ("Her stolen moments of calm were lovely.", "stolen"),
        ("He HIT the table, I was scared.", "hit"),
        ("They locked   in the back room", None),  # phrases match as written, not across extra spaces
        ("The door was locked in the evenings.", "locked in"),
    ],
)
def test_warning_phrases_match_whole_words_in_any_case(app, text, phrase):
    from registry.reviews.services import warning_phrase

    with app.app_context():
        assert warning_phrase(text) == phrase


def test_an_officer_suspends_from_the_concern_and_search_drops_the_provider(app, listed, engaged, make_user):
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "is_concern": "y"})
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    officer = signed_in(app, make_user("officer"))
    officer.post(f"/officer/concerns/{concern_id}", data={"status": "investigating", "outcome": ""})
    assert officer.post(f"/officer/concerns/{concern_id}", data={"status": "closed", "outcome": ""}).status_code == 422
    officer.post(f"/officer/concerns/{concern_id}/suspend", data={"text": "Allegation of harm under investigation."})
    assert app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()["results"] == []
    officer.post(
        f"/officer/concerns/{concern_id}",
        data={
            "status": "closed",
            "outcome": "Referred to the council's safeguarding team.",
            "closed_outcome": "referred",
        },
    )
    with app.app_context():
        actions = [e.action for e in audit.events_for()]
        assert {"concern.opened", "concern.investigating", "provider.suspended", "concern.closed"} <= set(actions)
        assert audit.verify().ok


def test_releasing_a_held_review_publishes_it(app, listed, engaged, make_user):
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "is_concern": "y"})
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    officer = signed_in(app, make_user("officer"))
    officer.post(f"/officer/concerns/{concern_id}/release", data={"text": "Spoke to the family: a misunderstanding."})
    assert "Kind and reliable" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)


def test_a_reported_review_removed_by_an_officer_leaves_profile_api_and_score(app, listed, engaged, make_user):
    recipient, provider, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    provider.post(f"/reviews/{review_id}/report", data={"text": "This person was never our client."})
    officer = signed_in(app, make_user("officer"))
    assert "never our client" in officer.get("/officer/concerns").get_data(as_text=True)
    report_id = 1
    officer.post(f"/officer/review-reports/{report_id}/remove", data={"text": "Confirmed with the provider's records."})
    assert "Kind and reliable" not in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    assert app.test_client().get(f"/api/v1/providers/{listed}/reviews").get_json()["total"] == 0
    hit = app.test_client().get("/api/v1/search", query_string={"postcode": "LS6"}).get_json()["results"][0]
    assert hit["rating"] == {"score": None, "count": 0}
    with app.app_context():
        assert audit.events_for()[0].action == "review.removed"


def test_the_provider_responds_once_publicly(app, listed, engaged):
    recipient, provider, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    provider.post(f"/reviews/{review_id}/respond", data={"text": "Thank you, Rosa!"})
    provider.post(f"/reviews/{review_id}/respond", data={"text": "Thank you so much, Rosa!"})
    page = app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    assert page.count("Response from Kim Lewis") == 1 and "Thank you so much, Rosa!" in page


def test_enquiries_only_reach_listed_providers(app, make_provider, make_user):
    slug = make_provider("pa", name="Not Yet")
    recipient = signed_in(app, make_user("recipient"))
    for method in (recipient.get, recipient.post):
        response = method(
            f"/providers/{slug}/enquire", data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hi"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 404 and "This provider is not currently listed." in page
        assert 'name="message"' not in page
    with app.app_context():
        from registry.reviews.models import Enquiry

        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 0


def _invitation_link(app):
    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/invitations/\S+", body).group(0).split("registry.test", 1)[1]


def test_an_invitation_confirms_an_engagement_once_for_the_right_person(app, listed, make_user):
    provider = signed_in(app, "kim@example.com")
    provider.post("/dashboard/invitations", data={"email": "dad@example.com"})
    link = _invitation_link(app)
    someone_else = signed_in(app, make_user("recipient", email="else@example.com"))
    wrong = someone_else.post(link, follow_redirects=True)
    assert "sent to someone else" in wrong.get_data(as_text=True)
    invited = signed_in(app, make_user("recipient", email="dad@example.com"))
    assert invited.post(link).status_code == 302
    again = invited.post(link, follow_redirects=True)
    assert "already been used" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Engagement)) == 1


def test_an_expired_invitation_is_refused(app, listed, make_user, monkeypatch):
    provider = signed_in(app, "kim@example.com")
    provider.post("/dashboard/invitations", data={"email": "dad@example.com"})
    link = _invitation_link(app)
    invited = signed_in(app, make_user("recipient", email="dad@example.com"))
    fifteen_days_on = int(time.time()) + 15 * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: fifteen_days_on)
    response = invited.post(link, follow_redirects=True)
    assert "expired" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0


def test_report_a_concern_from_a_profile(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="worried@example.com"))
    assert recipient.post(f"/providers/{listed}/concern", data={"text": ""}).status_code == 422
    recipient.post(
        f"/providers/{listed}/concern",
        data={"severity": "harm", "text": "I saw the carer leave my neighbour alone at night."},
    )
    assert _counts(app) == (0, 1)
    assert outbox_messages(app)[-1]["To"] == "worried@example.com"
    assert app.test_client().get(f"/providers/{listed}/concern").status_code == 200  # no account needed


def test_the_author_can_edit_for_14_days_only(app, engaged):
    from datetime import timedelta

    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    assert recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "title": "Edited"}).status_code == 302
    with app.app_context():
        review = db.session.scalar(select(Review))
        review.written_at = review.written_at - timedelta(days=15)
        db.session.commit()
    late = recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "title": "Too late"})
    assert late.status_code == 422 and "edited for 14 days" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Review.title)) == "Edited"
