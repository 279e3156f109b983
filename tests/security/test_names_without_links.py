"""A name with a web address in it is refused at sign-up, so the registry never mails someone's link."""

import pytest
from sqlalchemy import func, select

from registry.accounts.models import User
from registry.extensions import db
from registry.mail import OutgoingEmail


def _sign_up(client, name):
    return client.post(
        "/account/sign-up",
        data={
            "account_type": "recipient",
            "name": name,
            "email": "target@example.com",
            "password": "correct-horse-battery",
            "confirm": "correct-horse-battery",
        },
    )


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "name",
    [
        "Claim your prize at https://evil.example/win",
        "Visit www.cheap-pills now",
        "Free money: cheap-pills.com",
        "bit.ly/win-now",
        "Prize evil.co.uk",
        "Prize EVIL。COM",  # an ideographic full stop reads as a dot in an address bar
    ],
)
def test_a_sign_up_name_with_a_web_address_is_refused_and_nothing_is_mailed(app, client, name):
    response = _sign_up(client, name)
    assert response.status_code == 422
    assert "Enter a name without a web address or link in it." in response.get_data(as_text=True)
    assert _count(app, User) == 0 and _count(app, OutgoingEmail) == 0


@pytest.mark.parametrize("name", ["J.R.R. Tolkien", "St. John Ambulance Care", "Smith & Co. Ltd", "Dr. Ama Mensah"])
def test_names_with_full_stops_that_are_not_addresses_are_welcome(app, client, name):
    assert _sign_up(client, name).status_code == 302
    assert _count(app, User) == 1


def test_the_account_page_refuses_a_web_address_in_the_name_too(app, make_user):
    from tests.conftest import signed_in

    email = make_user("recipient", name="Ada Lovelace")
    client = signed_in(app, email)
    response = client.post("/account/", data={"name": "Ada www.evil.example"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == email)) == "Ada Lovelace"
