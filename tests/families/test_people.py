"""People I arrange care for: recorded with consent, enquired for, seen only by the account and the providers asked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.families.models import CaredForPerson
from registry.mail import outbox_messages
from registry.reviews.models import Engagement, Enquiry, Review
from tests.families.conftest import DAD, post_form
from tests.reviews.conftest import GOOD, signed_in


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _enquire_for_dad(client, slug, dad_id):
    return post_form(
        client,
        f"/providers/{slug}/enquire?for={dad_id}",
        times=["mon-morning", "thu-morning"],
        hours_per_week="7",
        message="Dad would like help getting up, and a chat.",
    )


def test_a_person_is_kept_with_their_district_only_and_their_consent(app, daughter, dad):
    with app.app_context():
        person = db.session.get(CaredForPerson, dad)
        assert (person.name, person.district, person.relationship, person.authority) == (
            "Dad (J.S.)",
            "LS6",
            "family",
            "consent",
        )
        assert [t.slug for t in person.needs] == ["personal-care", "companionship"]
        assert sorted(person.communication) == ["bsl", "ur"]
        assert (person.consent_given_by, person.consent_how, person.authority_date) == (
            "Dad himself",
            "in-person",
            date(2026, 10, 1),
        )
    page = daughter.get("/people").get_data(as_text=True)
    assert "Dad (J.S.)" in page and "LS6 (postcode district)" in page and "LS6 2AA" not in page
    assert "British Sign Language (BSL), Urdu" in page and "Dad himself, told me in person, 1 October 2026" in page


def test_legal_authority_needs_no_consent_details(app, daughter):
    response = post_form(
        daughter, "/people/new", **{**DAD, "authority": "lpa", "consent_given_by": "", "consent_how": []}
    )
    assert response.status_code == 302
    assert "lasting power of attorney" in daughter.get("/people").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Enter their name or initials."),
        ({"name": "n" * 81}, "Use at most 80 characters."),
        ({"district": "Leeds"}, "Enter the postcode district where they live, like LS6."),
        ({"district": ""}, "Enter the postcode district where they live, like LS6."),
        ({"relationship": "landlord"}, "Say how you know them."),
        ({"needs": []}, "Choose at least one kind of help they need."),
        ({"needs": ["personal-care", "brain-surgery"]}, "Choose kinds of help from the list."),
        ({"communication": ["semaphore"]}, "Choose communication needs from the list."),
        ({"language": "klingon"}, "Choose communication needs from the list."),
        ({"authority": []}, "Say whether they agreed or you hold legal authority"),
        ({"authority": "because"}, "Say whether they agreed or you hold legal authority"),
        ({"consent_given_by": ""}, "Say who gave consent"),
        ({"consent_how": "telepathy"}, "Say how they gave consent."),
        ({"authority_date": ""}, "Enter the date they agreed, or the date the power or order was made."),
        ({"authority_date": "not a date"}, "Not a valid date value."),
        ({"authority_date": (date.today() + timedelta(days=1)).isoformat()}, "The date cannot be in the future."),
    ],
)
def test_bad_details_are_refused_clearly_and_nothing_is_stored(app, daughter, overrides, message):
    response = post_form(daughter, "/people/new", **{**DAD, **overrides})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "<title>Error: " in response.get_data(as_text=True)
    with app.app_context():
        assert _count(CaredForPerson) == 0


def test_saving_the_form_unchanged_changes_nothing(app, daughter, dad):
    with app.app_context():
        before = db.session.get(CaredForPerson, dad).updated_at
    assert post_form(daughter, f"/people/{dad}").status_code == 302
    with app.app_context():
        assert db.session.get(CaredForPerson, dad).updated_at == before
    post_form(daughter, f"/people/{dad}", name="Dad")
    with app.app_context():
        person = db.session.get(CaredForPerson, dad)
        assert person.name == "Dad" and sorted(person.communication) == ["bsl", "ur"] and len(person.needs) == 2


def test_an_enquiry_for_someone_tells_the_provider_their_district_and_needs(app, listed, daughter, dad):
    form_page = daughter.get(f"/providers/{listed}/enquire?for={dad}").get_data(as_text=True)
    assert 'value="LS6"' in form_page  # his district, filled in from his details
    sent = _enquire_for_dad(daughter, listed, dad)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        enquiry = db.session.scalar(select(Enquiry))
        assert (enquiry.person_id, enquiry.arranged_by, enquiry.district, enquiry.service_type.slug) == (
            dad,
            "family",
            "LS6",
            "personal-care",
        )
    page = signed_in(app, "kim@example.com").get(sent.headers["Location"]).get_data(as_text=True)
    assert "Dad (J.S.)" in page and "a family member arranging their care" in page
    assert "Personal care, Companionship" in page and "British Sign Language (BSL), Urdu" in page
    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    assert "asks for Dad (J.S.) (a family member arranges their care)" in body and "Where: LS6" in body


def test_someone_elses_person_cannot_be_enquired_for(app, listed, dad, make_user):
    other = signed_in(app, make_user("recipient", email="nosy@example.com"))
    response = post_form(
        other,
        f"/providers/{listed}/enquire",
        person=str(dad),
        district="LS6",
        times=["mon-morning"],
        hours_per_week="3",
        message="Hi",
    )
    assert response.status_code == 422 and "Choose yourself or someone you arrange care for." in response.get_data(
        as_text=True
    )
    response = post_form(
        other,
        f"/providers/{listed}/enquire",
        person="'; drop table",
        district="LS6",
        times=["mon-morning"],
        hours_per_week="3",
        message="Hi",
    )
    assert response.status_code == 422
    with app.app_context():
        assert _count(Enquiry) == 0


def test_only_the_account_and_the_providers_asked_see_the_persons_details(
    app, listed, daughter, dad, make_user, make_provider
):
    enquiry_path = _enquire_for_dad(daughter, listed, dad).headers["Location"].split("registry.test", 1)[-1]
    # The provider asked sees him; the account sees him.
    assert "Dad (J.S.)" in signed_in(app, "kim@example.com").get(enquiry_path).get_data(as_text=True)
    assert "Dad (J.S.)" in daughter.get(f"/people/{dad}").get_data(as_text=True)
    # Another provider: not the enquiry, not the person pages.
    make_provider("pa", name="Other Provider", email="other@example.com")
    other_provider = signed_in(app, "other@example.com")
    assert other_provider.get(enquiry_path).status_code == 404
    assert other_provider.get(f"/people/{dad}").status_code == 403
    assert other_provider.get("/people").status_code == 403
    # Another recipient: as if he did not exist, and cannot change or delete him.
    stranger = signed_in(app, make_user("recipient", email="stranger@example.com"))
    assert stranger.get(enquiry_path).status_code == 404
    assert stranger.get(f"/people/{dad}").status_code == 404
    assert stranger.post(f"/people/{dad}", data={**DAD, "name": "Hacked"}).status_code == 404
    assert stranger.post(f"/people/{dad}/delete").status_code == 404
    assert "Dad (J.S.)" not in stranger.get("/people").get_data(as_text=True)
    # Nobody signed in: sent to sign in, shown nothing.
    anonymous = app.test_client()
    for path in (f"/people/{dad}", "/people", enquiry_path):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
        assert "Dad" not in response.get_data(as_text=True)
    assert anonymous.post(f"/people/{dad}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(CaredForPerson, dad).name == "Dad (J.S.)"


def test_deleting_a_person_keeps_past_enquiries_readable_without_their_details(app, listed, daughter, dad):
    enquiry_path = _enquire_for_dad(daughter, listed, dad).headers["Location"].split("registry.test", 1)[-1]
    response = daughter.post(f"/people/{dad}/delete", follow_redirects=True)
    assert "deleted" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(CaredForPerson) == 0
        assert db.session.scalar(select(Enquiry.person_id)) is None
    for client in (daughter, signed_in(app, "kim@example.com")):
        page = client.get(enquiry_path).get_data(as_text=True)
        assert "Dad would like help getting up" in page and "their details have been removed" in page
        assert "Dad (J.S.)" not in page and "British Sign Language" not in page


def test_a_review_for_someone_says_a_family_member_wrote_it(app, listed, daughter, dad):
    enquiry_path = _enquire_for_dad(daughter, listed, dad).headers["Location"].split("registry.test", 1)[-1]
    signed_in(app, "kim@example.com").post(enquiry_path + "/start")
    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id))
    form = daughter.get(f"/engagements/{engagement_id}/review").get_data(as_text=True)
    assert "You are writing on behalf of Dad (J.S.)" in form
    assert daughter.post(f"/engagements/{engagement_id}/review", data=GOOD).status_code == 302
    profile = app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
    assert "Written by a family member on behalf of the person supported" in profile
    api = app.test_client().get(f"/api/v1/providers/{listed}/reviews").get_json()
    assert api["results"][0]["written_by"] == "family"
    # Deleting him later does not change who wrote it.
    daughter.post(f"/people/{dad}/delete")
    with app.app_context():
        assert db.session.scalar(select(Review.written_by)) == "family"


def test_a_review_by_the_person_themselves_says_nothing_extra(app, listed, make_user):
    from tests.conftest import ENQUIRY_DETAILS

    rosa = signed_in(app, make_user("recipient", email="rosa@example.com"))
    sent = rosa.post(
        f"/providers/{listed}/enquire", data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello"}
    )
    signed_in(app, "kim@example.com").post(sent.headers["Location"] + "/start")
    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id))
    rosa.post(f"/engagements/{engagement_id}/review", data=GOOD)
    assert "on behalf of" not in app.test_client().get(f"/providers/{listed}").get_data(as_text=True)
