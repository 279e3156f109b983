"""Fixtures for families: a listed PA, a daughter arranging care for her father."""

from datetime import date

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.families.models import CaredForPerson
from tests.conftest import approve_checks
from tests.html_forms import as_post_data, form_fields
from tests.reviews.conftest import signed_in

DAD = {
    "name": "Dad (J.S.)",
    "district": "LS6 2AA",
    "relationship": "family",
    "needs": ["personal-care", "companionship"],
    "communication": ["bsl"],
    "language": "ur",
    "authority": "consent",
    "consent_given_by": "Dad himself",
    "consent_how": "in-person",
    "authority_date": "2026-10-01",
}


def post_form(client, path, action="", **typed):
    """Post the page's form as a browser would, with ``typed`` replacing what the page filled in."""
    page = client.get(path).get_data(as_text=True)
    data = as_post_data([(name, value) for name, value in form_fields(page, action=action) if name not in typed])
    data.update({name: value if isinstance(value, list) else [value] for name, value in typed.items()})
    return client.post(action or path, data=data)  # a form without an action posts to the page it is on


@pytest.fixture
def listed(app, make_provider):
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    return slug


@pytest.fixture
def daughter(app, make_user):
    return signed_in(app, make_user("recipient", email="sara@example.com", name="Sara"))


@pytest.fixture
def dad(app, daughter):
    """Sara's father on her account, added through the form: his id."""
    response = post_form(daughter, "/people/new", **DAD)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(select(CaredForPerson.id))


def today_iso() -> str:
    return date.today().isoformat()
