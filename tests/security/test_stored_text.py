"""Item 5: no request can be made to fail by stored text."""

import pytest
from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.forms import multi_line, single_line
from registry.mail import outbox_messages
from registry.reviews.models import Review
from tests.reviews.conftest import GOOD, engaged, listed, signed_in  # noqa: F401 (fixtures)


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Kind\r\nBcc: all@example.com", "Kind  Bcc: all@example.com"),
        ("  Rosa\x00 Hughes\t", "Rosa Hughes"),
        ("Ann\u2028Lee", "Ann Lee"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("Zoë 😀 O’Neil", "Zoë 😀 O’Neil"),
    ],
)
def test_single_line_fields_lose_line_breaks_and_control_characters(raw, clean):
    assert single_line(raw) == clean


def test_free_text_keeps_its_paragraphs_but_not_other_control_characters():
    assert multi_line("First\r\n\r\nSecond\x00\x1b[31m\tend ") == "First\n\nSecond[31m\tend"


def test_a_nul_in_a_name_is_dropped_not_a_500(app, client):
    response = client.post(
        "/account/sign-up",
        data={
            "account_type": "recipient",
            "name": "Rosa\x00 Hughes",
            "email": "rosa@example.com",
            "password": "correct-horse-battery",
            "confirm": "correct-horse-battery",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.name)) == "Rosa Hughes"


def test_a_review_title_with_a_line_break_is_stored_on_one_line(app, engaged):  # noqa: F811
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "title": "Kind\r\nBcc: all@example.com"})
    with app.app_context():
        assert db.session.scalar(select(Review.title)) == "Kind  Bcc: all@example.com"
    subject = outbox_messages(app)[-1]["Subject"]
    assert "\n" not in subject and subject.startswith("New review: Kind")


def test_an_officer_can_remove_a_review_whose_stored_title_has_a_line_break(app, listed, engaged, make_user):  # noqa: F811
    recipient, provider, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data=GOOD)
    with app.app_context():
        # Stored before titles were filtered, or written by another route.
        review = db.session.scalar(select(Review))
        review.title = "Kind\r\nand reliable"
        review_id = review.id
        db.session.commit()
    provider.post(f"/reviews/{review_id}/report", data={"text": "This person was never our client."})
    officer = signed_in(app, make_user("officer"))
    response = officer.post("/officer/review-reports/1/remove", data={"text": "Confirmed with the provider's records."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Review, review_id).status == "removed"
    assert all("\n" not in m["Subject"] for m in outbox_messages(app))
