"""Enquiries tell providers enough (where, from when, which days and times, how many hours),
and "we can help" (accept) is separate from "we have started supporting them" (the right to review)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import func, select

from registry.extensions import db
from registry.mail import outbox_messages
from registry.reviews.models import Engagement, Enquiry, Review
from tests.conftest import make_app
from tests.html_forms import as_post_data, form_fields
from tests.reviews.conftest import GOOD, signed_in


def _enquire_through_the_form(client, slug, **typed):
    """Fill the enquiry page's form as a person would: untouched fields go as the page gives them."""
    page = client.get(f"/providers/{slug}/enquire").get_data(as_text=True)
    data = as_post_data([(name, value) for name, value in form_fields(page, action="") if name not in typed])
    data.update({name: value if isinstance(value, list) else [value] for name, value in typed.items()})
    return client.post(f"/providers/{slug}/enquire", data=data)


def test_the_provider_sees_where_from_when_which_days_and_how_many_hours(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    start = date.today() + timedelta(days=30)
    sent = _enquire_through_the_form(
        recipient,
        listed,
        service="companionship",
        district="ls6 2aa",
        start_date=start.isoformat(),
        times=["mon-morning", "mon-evening", "fri-afternoon"],
        hours_per_week="8",
        when_needed="Not in August",
        message="Could you visit my dad?",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = signed_in(app, "kim@example.com").get(sent.headers["Location"]).get_data(as_text=True)
    assert "LS6 (postcode district)" in page and "LS6 2AA" not in page  # only the district, never the full postcode
    assert f"{start.day} {start:%B %Y}" in page
    assert "Monday morning and evening; Friday afternoon" in page
    assert "<dt>Hours a week</dt><dd>8</dd>" in page and "Not in August" in page
    email = outbox_messages(app)[-1]
    body = email.get_body(("plain",)).get_content()
    assert email["To"] == "kim@example.com"
    assert "Where: LS6" in body and "Monday morning and evening; Friday afternoon" in body and "Hours a week: 8" in body
    dashboard = signed_in(app, "kim@example.com").get("/dashboard").get_data(as_text=True)
    assert "Rosa: Companionship</a> (LS6, 8 hours a week)" in dashboard


def test_the_form_starts_with_the_accounts_own_district(app, listed, make_user):
    email = make_user("recipient", email="rosa@example.com")
    with app.app_context():
        from registry.accounts.models import User

        db.session.scalar(select(User).where(User.email == email)).home_postcode = "M1 1AE"
        db.session.commit()
    page = signed_in(app, email).get(f"/providers/{listed}/enquire").get_data(as_text=True)
    assert dict(form_fields(page, action=""))["district"] == "M1"


def test_accepting_is_not_starting_only_a_start_allows_a_review(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="rosa@example.com", name="Rosa"))
    assert "Carry on that conversation" not in recipient.get(f"/providers/{listed}/enquire").text
    sent = _enquire_through_the_form(
        recipient, listed, district="LS6", times=["tue-afternoon"], hours_per_week="4", message="Hello"
    )
    enquiry_url = sent.headers["Location"]
    provider = signed_in(app, "kim@example.com")
    assert "Accept: we can help" in provider.get(enquiry_url).get_data(as_text=True)

    provider.post(enquiry_url + "/accept")
    page = recipient.get(enquiry_url).get_data(as_text=True)
    assert "can help: agree the details here" in page and "/engagements/" not in page
    assert "Kim Lewis accepted your enquiry" == outbox_messages(app)[-1]["Subject"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0
    # Still one conversation: a second enquiry to the same provider is refused while they talk.
    again = _enquire_through_the_form(
        recipient, listed, district="LS6", times=["wed-morning"], hours_per_week="2", message="And Wednesdays?"
    )
    assert again.status_code == 422 and "already have an open enquiry" in again.get_data(as_text=True)
    # ... and both the refusal and the form itself link to the conversation that is going on.
    assert f'href="{enquiry_url.removeprefix("http://localhost")}">Carry on that conversation' in again.text
    assert ">Carry on that conversation</a>" in recipient.get(f"/providers/{listed}/enquire").text

    provider.post(enquiry_url + "/start")
    assert "Kim Lewis has started supporting you" == outbox_messages(app)[-1]["Subject"]
    page = recipient.get(enquiry_url).get_data(as_text=True)
    assert "has started supporting you" in page and ">review their care</a>" in page
    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id))
        assert db.session.scalar(select(Enquiry.status)) == "started"
    assert recipient.post(f"/engagements/{engagement_id}/review", data=GOOD).status_code == 302
    # Saying so twice changes nothing.
    assert "already said that support has started" in provider.post(
        enquiry_url + "/start", follow_redirects=True
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Engagement)) == 1


def test_a_provider_can_start_straight_away_or_decline_after_accepting(app, listed, make_user):
    recipient = signed_in(app, make_user("recipient", email="rosa@example.com"))
    provider = signed_in(app, "kim@example.com")
    first = _enquire_through_the_form(
        recipient, listed, district="LS6", times=["tue-afternoon"], hours_per_week="4", message="Hello"
    ).headers["Location"]
    provider.post(first + "/accept")
    provider.post(first + "/decline")
    second = _enquire_through_the_form(
        recipient, listed, district="LS6", times=["tue-afternoon"], hours_per_week="4", message="Again"
    ).headers["Location"]
    provider.post(second + "/start")
    with app.app_context():
        assert sorted(db.session.scalars(select(Enquiry.status))) == ["declined", "started"]
        assert db.session.scalar(select(Engagement.enquiry_id)) == int(second.rsplit("/", 1)[1])


def _row(table: sa.Table, **values) -> dict:
    """Values for every required column the test does not care about."""
    filler = {
        sa.String: "x",
        sa.Text: "x",
        sa.Integer: 1,
        sa.Boolean: False,
        sa.DateTime: datetime(2026, 1, 5),
        sa.Date: date(2026, 1, 5),
        sa.Float: 1.0,
    }
    row = {}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        row[column.name] = (
            next(v for t, v in filler.items() if isinstance(column.type, t))
            if not isinstance(column.type, sa.JSON)
            else {}
        )
    return {**row, **values}


def test_migration_keeps_reviewed_acceptances_reviewable_and_asks_for_a_start_on_the_others(tmp_path):
    url = "sqlite:///" + str(tmp_path / "before.sqlite3")
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade(revision="0011")
        meta = sa.MetaData()
        meta.reflect(db.engine)
        t = meta.tables
        with db.engine.begin() as conn:
            for user_id, role in ((1, "recipient"), (2, "provider"), (3, "provider")):
                conn.execute(
                    t["users"].insert(), _row(t["users"], id=user_id, email=f"u{user_id}@example.com", role=role)
                )
            for provider_id in (1, 2):
                conn.execute(
                    t["providers"].insert(),
                    _row(t["providers"], id=provider_id, user_id=provider_id + 1, slug=f"p{provider_id}", kind="pa"),
                )
            service_id = conn.scalar(select(t["service_types"].c.id).limit(1))
            for enquiry_id, provider_id in ((1, 1), (2, 2)):
                conn.execute(
                    t["enquiries"].insert(),
                    _row(
                        t["enquiries"],
                        id=enquiry_id,
                        recipient_id=1,
                        provider_id=provider_id,
                        service_type_id=service_id,
                        status="accepted",
                        when_needed="Mondays",
                    ),
                )
                conn.execute(
                    t["engagements"].insert(),
                    _row(
                        t["engagements"], id=enquiry_id, recipient_id=1, provider_id=provider_id, enquiry_id=enquiry_id
                    ),
                )
            conn.execute(
                t["reviews"].insert(),
                _row(t["reviews"], engagement_id=1, provider_id=1, author_id=1, status="published"),
            )
        upgrade()
        statuses = dict(db.session.execute(select(Enquiry.id, Enquiry.status)).all())
        assert statuses == {1: "started", 2: "accepted"}
        assert list(db.session.scalars(select(Engagement.enquiry_id))) == [1]
        assert db.session.scalar(select(Review.engagement_id)) == 1
        assert db.session.get(Enquiry, 2).when_needed == "Mondays"
        db.session.remove()
        db.engine.dispose()
