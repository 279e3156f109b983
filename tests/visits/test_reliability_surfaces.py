"""The figures on the public profile, in /api/v1/providers/<slug>, and their rules on how-it-works."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import Provider
from searchindex import index as search_index
from tests.conftest import approve_checks
from tests.visits.conftest import give_enquiry, give_reply, give_visit_history


class _Section(HTMLParser):
    """The text of each list item inside the element with a given id."""

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id, self.depth, self.items, self._li = element_id, 0, [], False

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in ("br", "img", "input")
            if tag == "li":
                self._li = True
                self.items.append("")
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if tag == "li":
                self._li = False

    def handle_data(self, data):
        if self.depth and self._li:
            self.items[-1] += data


def items_in(html: str, element_id: str) -> list[str]:
    parser = _Section(element_id)
    parser.feed(html)
    return [" ".join(item.split()) for item in parser.items]


@pytest.fixture
def provider(app, make_provider, make_user):
    """(slug, provider id, provider's user id, a recipient's id): a listed PA."""
    slug = make_provider("pa", name="Kim Lewis")
    approve_checks(app, slug)
    email = make_user("recipient", name="Rosa")
    with app.app_context():
        row = db.session.scalar(select(Provider).where(Provider.slug == slug))
        return slug, row.id, row.user_id, db.session.scalar(select(User.id).where(User.email == email))


def _give_records(app, provider) -> None:
    """19 kept (2 of them late) and 1 missed visit; 5 enquiries replied to after 1, 2, 3, 6 and 9 hours."""
    _, provider_id, provider_user, recipient_id = provider
    day = today() - timedelta(days=20)
    with app.app_context():
        give_visit_history(
            provider_id,
            recipient_id,
            [{"day": day, "provider": "came", "person": "kept"}] * 17
            + [{"day": day, "provider": "came", "person": "late"}] * 2
            + [{"day": day, "person": "missed"}],
        )
        for n, hours in enumerate((1, 2, 3, 6, 9)):
            sent = utcnow() - timedelta(days=30 + n)
            give_reply(give_enquiry(provider_id, sent, status="declined"), provider_user, sent + timedelta(hours=hours))
        db.session.commit()


def test_the_profile_shows_both_figures_and_links_to_the_rules(app, client, provider):
    _give_records(app, provider)
    page = client.get(f"/providers/{provider[0]}").get_data(as_text=True)
    assert items_in(page, "reliability") == [
        "Kept 95 % of 20 confirmed visits in the last 12 months (2 of the kept visits were late).",
        "Usually replies to enquiries within 3 hours.",
    ]
    assert re.search(r'href="/how-it-works#reliability"', page)


def test_below_the_minimum_the_profile_says_there_is_no_figure_yet(app, client, provider):
    _, provider_id, _, recipient_id = provider
    with app.app_context():
        give_visit_history(provider_id, recipient_id, [{"day": today(), "person": "kept"}] * 19)
        db.session.commit()
    page = client.get(f"/providers/{provider[0]}").get_data(as_text=True)
    assert items_in(page, "reliability") == [
        "Fewer than 20 visits confirmed by the people supported in the last 12 months: no figure yet.",
        "Fewer than 5 enquiries in the last 12 months: no reply time yet.",
    ]


def test_the_provider_api_gives_the_same_figures(app, client, provider):
    assert client.get(f"/api/v1/providers/{provider[0]}").get_json()["reliability"] == {"visits": None, "replies": None}
    _give_records(app, provider)
    body = client.get(f"/api/v1/providers/{provider[0]}").get_json()
    assert body["reliability"] == {
        "visits": {
            "kept": 19,
            "late": 2,
            "confirmed": 20,
            "percent": 95,
            "text": "Kept 95 % of 20 confirmed visits in the last 12 months",
        },
        "replies": {
            "enquiries": 5,
            "replied": 5,
            "median_minutes": 180,
            "text": "Usually replies to enquiries within 3 hours",
        },
    }


def test_the_visit_records_themselves_stay_private(app, client, provider):
    """Only the aggregate is public: no visit's date, note or answer reaches the profile or the API."""
    _, provider_id, _, recipient_id = provider
    with app.app_context():
        give_visit_history(provider_id, recipient_id, [{"day": today() - timedelta(days=3), "person": "missed"}] * 20)
        db.session.commit()
    day = (today() - timedelta(days=3)).isoformat()
    assert day not in client.get(f"/api/v1/providers/{provider[0]}").get_data(as_text=True)
    assert "Rosa" not in client.get(f"/providers/{provider[0]}").get_data(as_text=True)


def test_how_it_works_states_the_rules_the_code_uses(app, client):
    page = client.get("/how-it-works").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert f"at least {app.config['RELIABILITY_MIN_VISITS']} counted visits" in text
    assert f"at least {app.config['REPLY_TIME_MIN_ENQUIRIES']} counted enquiries" in text
    # The weights table says what searchindex/index.py computes.
    weights = dict(re.findall(r"<th scope=\"row\">([^<]+)</th><td>([0-9.]+)</td>", page))
    assert {name: float(w) for name, w in weights.items()} == {
        "Checks": search_index.W_VERIFICATION,
        "Reviews": search_index.W_RATING,
        "Distance": search_index.W_PROXIMITY,
        "Words searched for": search_index.W_TEXT,
        "Visits kept": search_index.W_RELIABILITY,
    }
    assert sum(float(w) for w in weights.values()) == pytest.approx(1.0)
    assert f"{search_index.NEUTRAL_RELIABILITY} for a provider without a figure yet" in text
