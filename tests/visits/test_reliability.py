"""Reliability from the records: the visit figure and the reply time, against hand-worked examples."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from registry.accounts.models import User
from registry.extensions import db
from registry.models import today
from registry.providers.models import Provider
from registry.reviews.responsiveness import ReplyTime, median_reply, reply_times, within
from registry.visits.models import COULD_NOT_COME_REASONS, VisitRecord
from registry.visits.reliability import VisitReliability, visit_counts, visit_reliability
from registry.visits.services import Visit
from tests.visits.conftest import give_enquiry, give_reply, give_visit_history


@pytest.fixture
def pair(app, make_provider, make_user):
    """(provider id, provider's user id, recipient id) for a provider and someone it supports."""
    slug = make_provider("pa", name="Kim Lewis")
    email = make_user("recipient", name="Rosa")
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == slug))
        recipient = db.session.scalar(select(User).where(User.email == email))
        return provider.id, provider.user_id, recipient.id


def _figure(app, provider_id: int, records: list[dict], day: date, minimum: int = 20) -> VisitReliability:
    with app.app_context():
        give_visit_history(provider_id, _recipient(), records)
        db.session.commit()
        return visit_reliability([provider_id], day, minimum=minimum)[provider_id]


def _recipient() -> int:
    return db.session.scalar(select(User.id).where(User.email.like("recipient%")))


def test_the_hand_worked_example(app, pair):
    provider_id, _, _ = pair
    day = date(2026, 12, 7)
    d = day - timedelta(days=3)
    records = (
        [{"day": d, "provider": "came", "person": "kept"}] * 18
        + [{"day": d, "person": "kept"}] * 2  # the person confirmed; the provider never recorded it: still kept
        + [{"day": d, "provider": "came", "person": "late"}] * 3  # late counts as kept
        + [{"day": d, "person": "missed"}] * 2
        + [{"day": d, "provider": "came", "person": "missed"}]  # disputed: not kept
        + [{"day": d, "provider": "could-not-come", "reason": "ill"}]  # not kept, answered or not
        + [{"day": d, "provider": "could-not-come", "reason": "cancelled-by-person"}]  # left out
        + [{"day": d, "provider": "could-not-come", "reason": "cancelled-by-person", "person": "missed"}]  # counted
        + [{"day": d, "provider": "came"}] * 4  # nobody on the person's side answered: never counted
        + [{"day": day - timedelta(days=366), "provider": "came", "person": "kept"}]  # older than 12 months
        + [{"day": day - timedelta(days=365), "provider": "came", "person": "kept"}]  # the window's first day
        + [{"day": day + timedelta(days=2), "provider": "could-not-come", "reason": "ill"}]  # not yet due
    )
    figure = _figure(app, provider_id, records, day)
    # Confirmed: 18 + 2 + 3 + 2 + 1 + 1 + 1 + 1 (the first day) = 29; kept: 18 + 2 + 3 + 1 = 24, 3 of them late.
    assert (figure.confirmed, figure.kept, figure.late) == (29, 24, 3)
    assert figure.percent == 82  # 82.76 %, rounded down
    assert figure.text == "Kept 82 % of 29 confirmed visits in the last 12 months"
    assert figure.late_text == "3 of the kept visits were late"
    assert figure.share == pytest.approx(24 / 29)


def test_the_figure_rounds_down_and_hides_below_the_minimum(app, pair):
    provider_id, _, _ = pair
    day = date(2026, 12, 7)
    records = [{"day": day, "person": "kept"}] * 199 + [{"day": day, "person": "missed"}]
    figure = _figure(app, provider_id, records, day, minimum=20)
    assert figure.percent == 99 and figure.text.startswith("Kept 99 % of 200 ")  # 99.5 % never reads 100 %
    with app.app_context():
        assert visit_reliability([provider_id], day, minimum=201)[provider_id].text == ""
        assert visit_reliability([provider_id], day, minimum=201)[provider_id].share is None
        assert visit_reliability([provider_id], day, minimum=200)[provider_id].shown


def test_a_provider_without_visits_gets_an_empty_figure_and_every_asked_id_an_entry(app, pair, make_provider):
    provider_id, _, _ = pair
    with app.app_context():
        other = db.session.scalar(select(Provider.id).where(Provider.slug == make_provider("pa")))
        figures = visit_reliability([provider_id, other], today(), minimum=1)
    assert set(figures) == {provider_id, other}
    assert figures[other] == VisitReliability(minimum=1) and not figures[other].shown and figures[other].text == ""


def test_one_providers_visits_never_count_for_another(app, pair, make_provider):
    provider_id, _, _ = pair
    day = date(2026, 12, 7)
    with app.app_context():
        other = db.session.scalar(select(Provider.id).where(Provider.slug == make_provider("pa")))
        give_visit_history(provider_id, _recipient(), [{"day": day, "person": "kept"}] * 3)
        give_visit_history(other, _recipient(), [{"day": day, "person": "missed"}] * 2)
        db.session.commit()
        figures = visit_reliability([provider_id, other], day, minimum=1)
    assert (figures[provider_id].kept, figures[provider_id].confirmed) == (3, 3)
    assert (figures[other].kept, figures[other].confirmed) == (0, 2)


PROVIDER_SAYS = [None, "came", *(f"could-not-come:{reason}" for reason in COULD_NOT_COME_REASONS)]
PERSON_SAYS = [None, "kept", "late", "missed"]


def test_the_query_and_the_visit_status_apply_one_rule_to_every_combination(app, pair):
    """Every combination of what the two sides can say, counted by SQL and by Visit.status: the same answer."""
    provider_id, _, recipient_id = pair
    day = today()
    combos = list(itertools.product(PROVIDER_SAYS, PERSON_SAYS))
    with app.app_context():
        for provider_says, person_says in combos:
            said, _, reason = (provider_says or "").partition(":")
            give_visit_history(
                provider_id,
                recipient_id,
                [{"day": day, "provider": said or None, "reason": reason or None, "person": person_says}],
            )
        db.session.commit()
        expected_confirmed = expected_kept = 0
        for record in db.session.scalars(select(VisitRecord)):
            visit = Visit(
                record.engagement_id, record.visit_date, record.planned_start, record.planned_end, None, record
            )
            confirmed, kept = visit_counts(visit)
            expected_confirmed += confirmed
            expected_kept += kept
        figure = visit_reliability([provider_id], day, minimum=1)[provider_id]
    assert (figure.confirmed, figure.kept) == (expected_confirmed, expected_kept)
    # By hand: 8 provider statements (none, came, could not come for each of 6 reasons) x 4 answers = 32 visits.
    # Confirmed: the 3 answers x 8 = 24, plus the 5 unanswered "could not come" whose reason is not "the person
    # cancelled". Kept: kept or late (2) from a provider that did not say it could not come (none or came: 2).
    assert expected_confirmed == 24 + 5
    assert expected_kept == 2 * 2


def test_the_rule_per_combination_matches_the_statuses_people_see(app, pair):
    provider_id, _, recipient_id = pair
    cases = {
        ("came", "kept"): (True, True),
        (None, "late"): (True, True),
        ("came", "missed"): (True, False),  # disputed
        ("could-not-come:ill", "kept"): (True, False),  # disputed: not kept
        ("could-not-come:ill", None): (True, False),
        ("could-not-come:cancelled-by-person", None): (False, False),
        ("could-not-come:cancelled-by-person", "missed"): (True, False),
        ("came", None): (False, False),
        (None, None): (False, False),
    }
    for (provider_says, person_says), expected in cases.items():
        said, _, reason = (provider_says or "").partition(":")
        record = VisitRecord(
            visit_date=date(2026, 1, 5),
            planned_start=time(9),
            planned_end=time(10),
            provider_says=said or None,
            reason=reason or None,
            recipient_says=person_says,
        )
        with app.app_context():
            assert visit_counts(Visit(1, record.visit_date, time(9), time(10), None, record)) == expected, provider_says


# -- reply times -------------------------------------------------------------------------------------------------


def test_reply_time_hand_worked(app, pair):
    provider_id, provider_user, recipient_id = pair
    now = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
    with app.app_context():
        for hours in (1, 3, 5, 30):
            sent = now - timedelta(days=10 + hours)
            enquiry = give_enquiry(provider_id, sent, status="declined")
            give_reply(
                enquiry, enquiry.recipient_id, sent + timedelta(minutes=5)
            )  # the person's own follow-up is no reply
            give_reply(enquiry, provider_user, sent + timedelta(hours=hours))
            give_reply(enquiry, provider_user, sent + timedelta(hours=hours + 1))  # only the first reply counts
        give_enquiry(provider_id, now - timedelta(days=2))  # still waiting: not replied
        give_enquiry(provider_id, now - timedelta(days=3), status="declined")  # a button alone: left out
        old = give_enquiry(provider_id, now - timedelta(days=366), status="accepted")  # too old
        give_reply(old, provider_user, now - timedelta(days=365, hours=23))
        db.session.commit()
        figure = reply_times([provider_id], now, minimum=5)[provider_id]
    # Counted: 1, 3, 5 and 30 hours and one not replied; the middle of five is the third: 5 hours.
    assert (figure.enquiries, figure.replied) == (5, 4)
    assert figure.median_seconds == 5 * 3600
    assert figure.text == "Usually replies to enquiries within 5 hours"
    with app.app_context():
        assert reply_times([provider_id], now, minimum=6)[provider_id].text == ""


def test_fewer_than_half_replied_is_said_as_such(app, pair):
    provider_id, provider_user, recipient_id = pair
    now = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
    with app.app_context():
        replied = give_enquiry(provider_id, now - timedelta(days=20), status="accepted")
        give_reply(replied, provider_user, now - timedelta(days=19))
        for days in (5, 6):
            give_enquiry(provider_id, now - timedelta(days=days))
        db.session.commit()
        figure = reply_times([provider_id], now, minimum=3)[provider_id]
    assert figure.median_seconds is None
    assert figure.text == "Has replied to fewer than half of its 3 enquiries in the last 12 months"


@pytest.mark.parametrize(
    "times, expected",
    [
        ([3600.0, 7200.0, None, None], 7200.0),  # half were replied to within 2 hours
        ([None, 10.0], 10.0),
        ([None], None),
        ([], None),
        ([5.0, 1.0, 3.0], 3.0),
    ],
)
def test_the_median_is_the_time_within_which_at_least_half_were_replied_to(times, expected):
    assert median_reply(times) == expected


@pytest.mark.parametrize(
    "seconds, words",
    [
        (60, "within an hour"),
        (3600, "within an hour"),
        (3601, "within 2 hours"),
        (4 * 3600, "within 4 hours"),
        (48 * 3600, "within 48 hours"),
        (49 * 3600, "within 3 days"),
    ],
)
def test_reply_times_read_rounded_up(seconds, words):
    assert within(seconds) == words
    assert ReplyTime(enquiries=5, replied=5, median_seconds=seconds, minimum=5).text.endswith(words)
