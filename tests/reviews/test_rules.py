"""Review, enquiry, invitation, moderation and concern rules, mostly through the services."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from registry import audit
from registry.accounts.models import User
from registry.extensions import db
from registry.mail import outbox_messages
from registry.models import utcnow
from registry.reviews import services
from registry.reviews.models import Engagement, Enquiry, Invitation, ProviderRating, Review, ReviewReport
from registry.reviews.scoring import bayesian_score
from registry.safeguarding.models import Concern
from tests.conftest import ENQUIRY_DETAILS
from tests.reviews.conftest import GOOD, signed_in

RATINGS = {"reliability": 5, "quality": 5, "kindness": 5, "communication": 4, "value": 4}


def _input(**overrides) -> services.ReviewInput:
    fields = {
        "ratings": dict(RATINGS),
        "title": "Kind",
        "body": "Lovely care.",
        "supported_for": None,
        "is_concern": False,
        **overrides,
    }
    return services.ReviewInput(**fields)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


# -- the score ----------------------------------------------------------------


def test_the_bayesian_score_pulls_few_reviews_towards_the_prior():
    assert bayesian_score([], 7.0, 5) is None
    assert bayesian_score([10.0], 7.0, 5) == pytest.approx(7.5)
    assert bayesian_score([9.0] * 50, 7.0, 5) == pytest.approx(8.818, abs=0.001)
    # One glowing review never outranks fifty good ones.
    assert bayesian_score([10.0], 7.0, 5) < bayesian_score([9.0] * 50, 7.0, 5)
    assert bayesian_score([4.0] * 3, 7.0, 0) == pytest.approx(4.0)  # weight 0: the plain mean


def test_the_rating_holds_per_dimension_averages_of_published_reviews_only(app, engaged, listed):
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    with app.app_context():
        rating = db.session.scalar(select(ProviderRating))
        assert rating.review_count == 1 and rating.dimensions == {
            "reliability": 5,
            "quality": 5,
            "kindness": 5,
            "communication": 4,
            "value": 4,
        }
    page = app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    assert "Communication: 4.0/5" in page or "Communication: 4/5" in page


# -- reviews ------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"ratings": {**RATINGS, "value": 6}}, "Rate value for money from 1 to 5."),
        ({"ratings": {**RATINGS, "kindness": 0}}, "Rate kindness and respect from 1 to 5."),
        ({"ratings": {k: v for k, v in RATINGS.items() if k != "quality"}}, "Rate quality of care from 1 to 5."),
        ({"title": "   "}, "title"),
        ({"body": ""}, "Write your review"),
        ({"body": "x" * 5001}, "5,000"),
    ],
)
def test_the_service_refuses_bad_reviews_too(app, engaged, overrides, message):
    with app.app_context():
        engagement = db.session.get(Engagement, engaged[2])
        with pytest.raises(services.ReviewError, match=message):
            services.write_review(engagement, engagement.recipient, _input(**overrides))
        db.session.rollback()
        assert _count(Review) == 0


def test_a_provider_cannot_review_itself_nor_someone_else_an_engagement(app, engaged, make_user):
    with app.app_context():
        engagement = db.session.get(Engagement, engaged[2])
        with pytest.raises(services.ReviewError, match="Only the person who was supported"):
            services.write_review(engagement, engagement.provider.user, _input())
        stranger = _user(make_user("recipient", email="x@example.com"))
        with pytest.raises(services.ReviewError, match="Only the person who was supported"):
            services.write_review(engagement, stranger, _input())
        first = services.write_review(engagement, engagement.recipient, _input())
        # Writing again updates the one review of this provider rather than adding another.
        again = services.write_review(engagement, engagement.recipient, _input(title="Kinder still"))
        assert again.id == first.id and _count(Review) == 1 and again.title == "Kinder still"
        db.session.rollback()


def test_editing_a_published_review_into_a_warning_holds_it_and_drops_it_from_the_score(app, engaged, listed):
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    recipient.post(
        f"/engagements/{engagement_id}/review",
        data={**GOOD, "body": "Since last week she has slapped my father twice."},
    )
    assert "No reviews yet" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Review.status)) == "held"
        assert db.session.scalar(select(ProviderRating.review_count)) == 0
        assert _count(Concern) == 1


def test_a_held_review_is_not_shown_to_the_provider_and_cannot_be_answered(app, engaged, listed):
    recipient, provider, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "body": "He took money from her purse."})
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    assert "took money" not in provider.get("/dashboard").get_data(as_text=True)
    assert "took money" not in provider.get(f"/providers/{listed}").get_data(as_text=True)
    provider.post(f"/reviews/{review_id}/respond", data={"text": "That is not true."})
    provider.post(f"/reviews/{review_id}/report", data={"text": "Lies."})
    with app.app_context():
        assert db.session.scalar(select(Review.response)) is None
        assert _count(ReviewReport) == 0


def test_editing_works_across_the_timezone_of_the_database(app, engaged):
    with app.app_context():
        engagement = db.session.get(Engagement, engaged[2])
        review = services.write_review(engagement, engagement.recipient, _input())
        db.session.commit()
        review = db.session.get(Review, review.id)
        services.edit_review(review, review.author, _input(title="Thirteen days on"))
        review.written_at = review.written_at - timedelta(days=15)
        with pytest.raises(services.ReviewError, match="14 days"):
            services.edit_review(review, review.author, _input(title="Too late"))
        db.session.rollback()


# -- enquiries ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"when_needed": "w" * 121}, "at most 120 characters"),
        ({"message": ""}, "Write a message."),
        ({"message": "m" * 3001}, "3,000 characters"),
        ({"service": "nursing"}, "Choose one of the services this provider is listed for."),
        ({"district": ""}, "Enter the postcode district where the help is needed, like LS6."),
        ({"district": "Leeds"}, "Enter the postcode district where the help is needed, like LS6."),
        ({"district": "ZZ99"}, "Enter the postcode district where the help is needed, like LS6."),
        ({"times": []}, "Tick at least one day and time that would suit."),
        ({"times": ["tue-afternoon", "someday-noon"]}, "Choose days and times from the list."),
        ({"hours_per_week": ""}, "Enter how many hours a week, a whole number from 1 to 168."),
        ({"hours_per_week": "lots"}, "Enter how many hours a week as a whole number, like 6."),
        ({"hours_per_week": "0"}, "Enter a whole number of hours from 1 to 168."),
        ({"hours_per_week": "169"}, "Enter a whole number of hours from 1 to 168."),
        ({"start_date": "31/02/2027"}, "Not a valid date value."),
        ({"start_date": "2020-01-06"}, "The start date cannot be in the past."),
    ],
)
def test_bad_enquiries_are_refused(app, listed, make_user, data, message):
    recipient = signed_in(app, make_user("recipient"))
    response = recipient.post(
        f"/providers/{listed}/enquire",
        data={"service": "companionship", **ENQUIRY_DETAILS, "when_needed": "Not in August", "message": "Hi", **data},
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert 'name="hours_per_week"' in response.get_data(as_text=True)  # the form is shown again to fix
    with app.app_context():
        assert _count(Enquiry) == 0


def test_one_open_enquiry_per_provider_and_only_the_two_people_see_it(app, listed, make_user, engaged):
    recipient, provider, _ = engaged
    data = {"service": "companionship", **ENQUIRY_DETAILS, "message": "Also Fridays?"}
    assert (
        recipient.post(f"/providers/{listed}/enquire", data=data).status_code == 302
    )  # support started on the first, so a new one is fine
    again = recipient.post(f"/providers/{listed}/enquire", data=data, follow_redirects=True)
    assert "already have an open enquiry" in again.get_data(as_text=True)
    with app.app_context():
        assert _count(Enquiry) == 2
        enquiry_id = db.session.scalar(select(Enquiry.id).where(Enquiry.status == "open"))
    outsider = signed_in(app, make_user("recipient", email="nosy@example.com"))
    assert outsider.get(f"/enquiries/{enquiry_id}").status_code == 404
    assert outsider.post(f"/enquiries/{enquiry_id}", data={"body": "hello"}).status_code == 404
    provider.post(f"/enquiries/{enquiry_id}/decline")
    assert provider.post(f"/enquiries/{enquiry_id}/accept", follow_redirects=True).status_code == 200
    assert provider.post(f"/enquiries/{enquiry_id}/start", follow_redirects=True).status_code == 200
    with app.app_context():
        assert _count(Engagement) == 1  # declined, and a decline cannot be turned into an acceptance or a start
    assert outbox_messages(app)[-1]["To"] == "rosa@example.com" and "declined" in outbox_messages(app)[-1]["Subject"]


def test_each_message_is_emailed_to_the_other_person(app, engaged):
    recipient, provider, _ = engaged
    with app.app_context():
        enquiry_id = db.session.scalar(select(Enquiry.id))
    recipient.post(f"/enquiries/{enquiry_id}", data={"body": "Thank you!"})
    last = outbox_messages(app)[-1]
    assert last["To"] == "kim@example.com" and "Thank you!" in last.get_body(("plain",)).get_content()
    assert recipient.post(f"/enquiries/{enquiry_id}", data={"body": " "}).status_code == 422


# -- invitations -------------------------------------------------------------


def test_invitations_refuse_the_provider_itself_and_are_limited_per_day(app, listed):
    app.config["INVITATIONS_PER_DAY"] = 2
    provider = signed_in(app, "kim@example.com")
    page = provider.post("/dashboard/invitations", data={"email": "KIM@example.com"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "cannot invite yourself" in page
    provider.post("/dashboard/invitations", data={"email": "a@example.com"})
    provider.post("/dashboard/invitations", data={"email": "b@example.com"})
    page = provider.post("/dashboard/invitations", data={"email": "c@example.com"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "at most 2 invitations a day" in page
    with app.app_context():
        assert sorted(db.session.scalars(select(Invitation.email))) == ["a@example.com", "b@example.com"]


def test_a_tampered_invitation_link_is_refused(app, listed, make_user):
    invited = signed_in(app, make_user("recipient", email="dad@example.com"))
    response = invited.post("/invitations/not-a-real-token", follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Engagement) == 0


def test_the_dashboard_lists_open_enquiries_and_offers_invitations(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", name="Nell"))
    recipient.post(
        f"/providers/{listed}/enquire", data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello"}
    )
    page = signed_in(app, "kim@example.com").get("/dashboard").get_data(as_text=True)
    assert "1</strong> enquiry waits" in page and "Nell: Companionship" in page and "Invite someone you support" in page


# -- moderation and concerns ---------------------------------------------------


def test_a_kept_report_is_audited_and_the_review_stays(app, engaged, listed, make_user):
    recipient, provider, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    provider.post(f"/reviews/{review_id}/report", data={"text": "Unfair."})
    provider.post(f"/reviews/{review_id}/report", data={"text": "Unfair, again."})
    officer = signed_in(app, make_user("officer"))
    assert "1</strong> review reported" in officer.get("/staff").get_data(as_text=True)
    with app.app_context():
        assert _count(ReviewReport) == 1
        report_id = db.session.scalar(select(ReviewReport.id))
    assert (
        officer.post(f"/officer/review-reports/{report_id}/keep", data={"text": ""}, follow_redirects=True).status_code
        == 200
    )
    officer.post(f"/officer/review-reports/{report_id}/keep", data={"text": "Fair comment about punctuality."})
    officer.post(f"/officer/review-reports/{report_id}/remove", data={"text": "Changed my mind."})  # already decided
    assert "Kind and reliable" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    with app.app_context():
        events = [e for e in audit.events_for() if e.action.startswith("review.")]
        assert [e.action for e in events] == ["review.kept"] and "Fair comment about punctuality." in str(
            events[0].details
        )


def test_concerns_only_move_forward_and_every_move_is_audited(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="worried@example.com"))
    recipient.post(
        f"/providers/{listed}/concern",
        data={"severity": "worried", "text": "The carer left my neighbour alone at night."},
    )
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    officer = signed_in(app, make_user("officer"))
    assert "1</strong> new concern" in officer.get("/staff").get_data(as_text=True)
    assert (
        officer.post(f"/officer/concerns/{concern_id}", data={"status": "investigating", "outcome": ""}).status_code
        == 302
    )
    back = officer.post(f"/officer/concerns/{concern_id}", data={"status": "open", "outcome": ""})
    assert back.status_code == 422 and "can only move on to closed" in back.get_data(as_text=True)
    officer.post(
        f"/officer/concerns/{concern_id}",
        data={"status": "closed", "outcome": "Spoke to both; no further action.", "closed_outcome": "no_action"},
    )
    assert (
        officer.post(f"/officer/concerns/{concern_id}", data={"status": "investigating", "outcome": ""}).status_code
        == 422
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert (concern.status, concern.outcome) == ("closed", "Spoke to both; no further action.")
        assert [e.action for e in reversed(audit.events_for())] == [
            "concern.opened",
            "concern.investigating",
            "concern.closed",
        ]
        assert audit.verify().ok


def test_releasing_needs_a_reason_and_is_audited(app, engaged, listed, make_user):
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "is_concern": "y"})
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    officer = signed_in(app, make_user("officer"))
    officer.post(f"/officer/concerns/{concern_id}/release", data={"text": ""})
    assert "No reviews yet" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    officer.post(f"/officer/concerns/{concern_id}/release", data={"text": "Checked with the family."})
    assert "1 verified review" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    with app.app_context():
        assert "review.released" in [e.action for e in audit.events_for()]


def test_only_officers_see_concerns(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="worried@example.com"))
    recipient.post(f"/providers/{listed}/concern", data={"severity": "worried", "text": "Worried."})
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    assert recipient.get(f"/officer/concerns/{concern_id}").status_code == 403
    assert signed_in(app, "kim@example.com").get("/officer/concerns").status_code == 403
    assert app.test_client().get("/officer/concerns").status_code == 302


def test_a_huge_concern_is_refused(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient"))
    assert (
        recipient.post(f"/providers/{listed}/concern", data={"severity": "worried", "text": "x" * 5001}).status_code
        == 422
    )
    with app.app_context():
        assert _count(Concern) == 0


# -- the API ---------------------------------------------------------------------


def test_the_reviews_api_pages_newest_first_and_refuses_bad_pages(app, listed, make_user):
    from registry.reviews import api

    emails = [
        make_user("recipient", email=f"person{n}@example.com") for n in range(api.PER_PAGE + 3)
    ]  # one review per person
    with app.app_context():
        from registry.providers.services import get_by_slug

        provider = get_by_slug(listed)
        for n, email in enumerate(emails):
            author = _user(email)
            engagement = Engagement(recipient_id=author.id, provider_id=provider.id)
            db.session.add(engagement)
            db.session.flush()
            review = services.write_review(engagement, author, _input(title=f"Review {n}"))
            review.created_at = review.written_at = review.created_at - timedelta(days=100 - n)
        db.session.commit()
    client = app.test_client()
    first = client.get(f"/api/v1/providers/{listed}/reviews").get_json()
    assert first["total"] == api.PER_PAGE + 3 and first["pages"] == 2 and len(first["results"]) == api.PER_PAGE
    assert first["results"][0]["title"] == f"Review {api.PER_PAGE + 2}"
    second = client.get(f"/api/v1/providers/{listed}/reviews?page=2").get_json()
    assert [r["title"] for r in second["results"]] == ["Review 2", "Review 1", "Review 0"]
    bad = client.get(f"/api/v1/providers/{listed}/reviews?page=0")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameters"
    assert client.get("/api/v1/providers/nobody/reviews").get_json()["error"]["code"] == "provider_not_found"
    assert client.get(f"/api/v1/providers/{listed}/reviews?page=abc").status_code == 400


# -- races, emails, suspension, limits ---------------------------------------------


def test_the_database_keeps_one_live_review_per_person_and_provider(app, engaged):
    """Two requests at once both find no review and both insert: the partial unique index lets one in."""
    with app.app_context():
        first = db.session.get(Engagement, engaged[2])
        later = Engagement(recipient_id=first.recipient_id, provider_id=first.provider_id)
        db.session.add(later)
        db.session.commit()
        row = {
            "provider_id": first.provider_id,
            "author_id": first.recipient_id,
            **RATINGS,
            "body": "Text.",
            "status": "published",
            "created_at": utcnow(),
            "updated_at": utcnow(),
            "written_at": utcnow(),
        }
        with db.engine.begin() as one_request:
            one_request.execute(Review.__table__.insert(), {**row, "engagement_id": first.id, "title": "First"})
        with pytest.raises(IntegrityError), db.engine.begin() as other_request:
            other_request.execute(Review.__table__.insert(), {**row, "engagement_id": later.id, "title": "Second"})
        assert list(db.session.scalars(select(Review.title))) == ["First"]
        # Once an officer has removed it, a later engagement may bring a new review.
        with db.engine.begin() as officer:
            officer.execute(Review.__table__.update().values(status="removed"))
        with db.engine.begin() as another_request:
            another_request.execute(Review.__table__.insert(), {**row, "engagement_id": later.id, "title": "Second"})
        assert sorted(db.session.scalars(select(Review.title))) == ["First", "Second"]


def test_the_provider_hears_of_a_new_review_and_the_author_of_its_removal(app, engaged, make_user):
    recipient, provider, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    assert (
        outbox_messages(app)[-1]["To"] == "kim@example.com"
        and outbox_messages(app)[-1]["Subject"] == "New review: Kind and reliable"
    )
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    provider.post(f"/reviews/{review_id}/report", data={"text": "Not our client."})
    officer = signed_in(app, make_user("officer"))
    with app.app_context():
        report_id = db.session.scalar(select(ReviewReport.id))
    officer.post(f"/officer/review-reports/{report_id}/remove", data={"text": "Not a real engagement."})
    to_provider, to_author = outbox_messages(app)[-2:]
    assert to_provider["To"] == "kim@example.com" and "removed it" in to_provider.get_body(("plain",)).get_content()
    assert (
        to_author["To"] == "rosa@example.com"
        and "Not a real engagement." in to_author.get_body(("plain",)).get_content()
    )


def test_suspending_from_a_concern_links_it_and_starts_the_investigation(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="worried@example.com"))
    recipient.post(
        f"/providers/{listed}/concern",
        data={"severity": "worried", "text": "My mother has a bruise after every visit."},
    )
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    officer = signed_in(app, make_user("officer"))
    assert officer.post(f"/officer/concerns/{concern_id}/suspend", data={"text": ""}).status_code == 302
    officer.post(f"/officer/concerns/{concern_id}/suspend", data={"text": "Possible physical harm."})
    again = officer.post(f"/officer/concerns/{concern_id}/suspend", data={"text": "Twice."}, follow_redirects=True)
    assert "already suspended" in again.get_data(as_text=True)
    page = officer.get(f"/officer/concerns/{concern_id}").get_data(as_text=True)
    assert "The provider is suspended: Possible physical harm." in page and "concern.provider_suspended" in page
    with app.app_context():
        assert db.session.get(Concern, concern_id).status == "investigating"
        actions = [e.action for e in reversed(audit.events_for())]
        assert actions == [
            "concern.opened",
            "provider.suspended",
            "concern.provider_suspended",
            "concern.investigating",
        ]
    assert "not currently listed" in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "CONCERN_RATE_LIMIT": "2 per hour"}])
def test_concerns_are_rate_limited_per_account(app, listed, make_user):
    first = signed_in(app, make_user("recipient", email="one@example.com"))
    statuses = [
        first.post(f"/providers/{listed}/concern", data={"severity": "worried", "text": f"Worry {n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    second = signed_in(app, make_user("recipient", email="two@example.com"))
    assert (
        second.post(
            f"/providers/{listed}/concern", data={"severity": "worried", "text": "Another person's worry"}
        ).status_code
        == 302
    )
    assert first.get(f"/providers/{listed}/concern").status_code == 200  # reading the form is not limited


def test_the_accepted_enquiry_leads_the_recipient_to_the_review_form(app, engaged):
    recipient, provider, engagement_id = engaged
    with app.app_context():
        enquiry_id = db.session.scalar(select(Enquiry.id))
    assert f"/engagements/{engagement_id}/review" in recipient.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert f"/engagements/{engagement_id}/review" not in provider.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
