"""Safeguarding loose ends (issue 14 item 4), through the real forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry import audit
from registry.checks.models import Check
from registry.extensions import db
from registry.mail import outbox_messages
from registry.providers.services import get_by_slug
from registry.safeguarding.models import Concern, Suspension
from registry.safeguarding.services import CLOSING_OUTCOMES
from tests.checks.conftest import add_check
from tests.conftest import approve_checks
from tests.factories import CheckFactory, ConcernFactory, ProviderFactory, ReviewFactory
from tests.html_forms import as_post_data, form_fields, parse, text
from tests.reviews.conftest import GOOD, signed_in


def _mail_to(app, email):
    return [m for m in outbox_messages(app) if m["To"] == email]


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _actions(app, slug=None):
    with app.app_context():
        provider_id = get_by_slug(slug).id if slug else None
        return [e.action for e in audit.events_for(provider_id=provider_id)]


def _listed_for(app, service: str) -> list[str]:
    response = app.test_client().get("/api/v1/search", query_string={"postcode": "LS6", "service": service})
    return [r["name"] for r in response.get_json()["results"]]


def _post_form(client, url, action, **changes):
    """Post the form on ``url`` whose action is ``action`` as a browser would, with ``changes`` typed in."""
    data = as_post_data(form_fields(client.get(url).get_data(as_text=True), action))
    data.update({k: [v] for k, v in changes.items()})
    return client.post(action or url, data=data)


# -- what waits for officers ---------------------------------------------------


def _add_work(app, n: int) -> None:
    """n pending checks, n open concerns and n held reviews (each with the concern the app opens for it, which
    the officer counts with the review), as rows (set-up, not the flow)."""
    with app.app_context():
        for i in range(n):
            provider = ProviderFactory(display_name=f"Waiting {n}-{i}")
            CheckFactory(provider=provider, pending=True)
            ConcernFactory(provider=provider, body="Left the door open.")
            ReviewFactory(held=True, engagement__enquiry__provider=provider, title="Worried")
        db.session.commit()


def _workload(page: str) -> str:
    """What the officers' "Waiting for you" bar says, as read."""
    bars = parse(page).xpath('//nav[@aria-label="Waiting for you"]')
    return text(bars[0]) if bars else ""


def test_officers_see_what_waits_for_them_on_every_page_without_a_query_per_item(app, make_user, count_queries):
    officer = signed_in(app, make_user("officer"))
    recipient = signed_in(app, make_user("recipient"))
    _add_work(app, 2)
    for url in ("/help", "/search", "/account/", "/officer/audit"):
        assert (
            _workload(officer.get(url).get_data(as_text=True))
            == "Waiting for you: 2 checks, 2 concerns, 2 held reviews, 0 suspension appeals"
        ), url
    assert _workload(recipient.get("/help").get_data(as_text=True)) == ""
    with count_queries() as few:
        officer.get("/help")
    _add_work(app, 9)
    with count_queries() as many:
        page = officer.get("/help").get_data(as_text=True)
    assert _workload(page) == "Waiting for you: 11 checks, 11 concerns, 11 held reviews, 0 suspension appeals"
    assert len(many) == len(few)


def test_officers_are_emailed_when_a_concern_or_a_held_review_arrives(app, listed, engaged, make_user):
    active = make_user("officer", email="olu@example.com", name="Olu")
    make_user("officer", email="gone@example.com", active=False)
    worried = signed_in(app, make_user("recipient", email="worried@example.com"))
    worried.post(
        f"/providers/{listed}/concern",
        data={"severity": "worried", "text": "The carer left my neighbour alone at night."},
    )
    [told] = _mail_to(app, active)
    assert told["Subject"] == "New safeguarding concern about Kim Lewis"
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    assert f"http://registry.test/officer/concerns/{concern_id}" in _body(told)  # PUBLIC_URL in testing
    assert "alone at night" not in _body(told)  # a pointer, not the private details
    assert _mail_to(app, "gone@example.com") == []
    recipient, _, engagement_id = engaged
    recipient.post(f"/engagements/{engagement_id}/review", data={**GOOD, "is_concern": "y"})
    assert [m["Subject"] for m in _mail_to(app, active)][-1] == "A review of Kim Lewis is held for you"
    # The officer's list names each concern in its link and quotes the start of what it says.
    listing = signed_in(app, active).get("/officer/concerns").text
    assert f'href="/officer/concerns/{concern_id}">Concern about Kim Lewis</a>' in listing
    assert ">Held review about Kim Lewis</a>" in listing and "The carer left my neighbour alone at night." in listing
    assert ">Open</a>" not in listing


# -- closing a concern ------------------------------------------------------------


def test_closing_a_concern_tells_the_person_who_raised_it_in_words_that_reveal_nothing_private(app, listed, make_user):
    worried = signed_in(app, make_user("recipient", email="worried@example.com", name="Wendy"))
    worried.post(
        f"/providers/{listed}/concern", data={"severity": "worried", "text": "I saw money taken from a purse."}
    )
    officer = signed_in(app, make_user("officer"))
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    url = f"/officer/concerns/{concern_id}"
    private = "The police arrested the carer's brother for theft."
    refused = _post_form(officer, url, "", status="closed", outcome=private)
    assert refused.status_code == 422 and "Choose what to tell the person who raised the concern." in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Concern, concern_id).status == "open"
    before = len(outbox_messages(app))
    _post_form(officer, url, "", status="closed", outcome=private, closed_outcome="referred")
    [closed] = [m for m in outbox_messages(app)[before:] if m["To"] == "worried@example.com"]
    body = _body(closed)
    assert closed["Subject"] == "Your concern has been closed"
    assert CLOSING_OUTCOMES["referred"] in body and "arrested" not in body and "brother" not in body
    assert "concern.closed" in _actions(app, listed)


def test_saving_a_concern_unchanged_changes_nothing_and_records_nothing(app, listed, make_user):
    worried = signed_in(app, make_user("recipient", email="worried@example.com", name="Wendy"))
    worried.post(
        f"/providers/{listed}/concern", data={"severity": "worried", "text": "I saw money taken from a purse."}
    )
    officer = signed_in(app, make_user("officer"))
    with app.app_context():
        concern_id = db.session.scalar(select(Concern.id))
    url = f"/officer/concerns/{concern_id}"
    before = _actions(app, listed)
    saved = _post_form(officer, url, "")
    assert saved.status_code == 302
    assert "Nothing was changed." in officer.get(saved.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Concern, concern_id).status == "open"
    assert _actions(app, listed) == before
    # A note alone keeps the status and is on the record.
    _post_form(officer, url, "", outcome="Called the family; visiting on Monday.")
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert (concern.status, concern.outcome) == ("open", "Called the family; visiting on Monday.")
    assert _actions(app, listed)[0] == "concern.noted"


# -- suspension appeals --------------------------------------------------------------


def test_a_provider_appeals_once_and_only_a_different_officer_decides(app, make_provider, make_user):
    slug = make_provider("pa", name="Sam Taylor", email="sam@example.com")
    approve_checks(app, slug)
    first = signed_in(app, make_user("officer", email="first@example.com", name="First"))
    second = signed_in(app, make_user("officer", email="second@example.com", name="Second"))
    _post_form(
        first,
        f"/officer/providers/{slug}",
        f"/officer/providers/{slug}/suspend",
        reason="Concern raised by a family member.",
    )
    suspended_mail = _mail_to(app, "sam@example.com")[-1]
    assert app.config["PUBLIC_URL"] + "/dashboard/suspension" in _body(suspended_mail)

    provider = signed_in(app, "sam@example.com")
    assert "/dashboard/suspension" in provider.get("/dashboard").get_data(as_text=True)
    page = provider.get("/dashboard/suspension").get_data(as_text=True)
    assert "Concern raised by a family member." in page
    assert _post_form(provider, "/dashboard/suspension", "", reasons="").status_code == 422
    _post_form(
        provider, "/dashboard/suspension", "", reasons="The family member has withdrawn it; the council found nothing."
    )
    assert "suspension.appealed" in _actions(app, slug)
    again = provider.post("/dashboard/suspension", data={"reasons": "Please look again."})
    assert again.status_code == 422 and "already appealed" in again.get_data(as_text=True)
    assert "1 suspension appeal" in second.get("/help").get_data(as_text=True)

    # The officer who suspended cannot decide; the page says so and a forged post is refused.
    assert "a different officer must decide" in first.get(f"/officer/providers/{slug}").get_data(as_text=True)
    refused = first.post(f"/officer/providers/{slug}/appeal", data={"decision": "allow", "reason": "I was wrong."})
    assert refused.status_code == 422 and "a different officer must decide the appeal" in refused.get_data(as_text=True)
    assert _listed_for(app, "companionship") == []

    _post_form(
        second,
        f"/officer/providers/{slug}",
        f"/officer/providers/{slug}/appeal",
        decision="uphold",
        reason="The council's enquiry is still open.",
    )
    outcome = _mail_to(app, "sam@example.com")[-1]
    assert outcome["Subject"] == "The outcome of your suspension appeal" and "stays suspended" in _body(outcome)
    assert "The council's enquiry is still open." in _body(outcome)
    assert "suspension.appeal_upheld" in _actions(app, slug) and _listed_for(app, "companionship") == []
    assert "used your one appeal" in provider.get("/dashboard/suspension").get_data(as_text=True)


def test_an_allowed_appeal_reinstates_the_provider(app, make_provider, make_user):
    slug = make_provider("pa", name="Sam Taylor", email="sam@example.com")
    approve_checks(app, slug)
    first = signed_in(app, make_user("officer"))
    second = signed_in(app, make_user("officer"))
    first.post(f"/officer/providers/{slug}/suspend", data={"reason": "Under investigation."})
    signed_in(app, "sam@example.com").post("/dashboard/suspension", data={"reasons": "Nothing happened."})
    second.post(
        f"/officer/providers/{slug}/appeal", data={"decision": "allow", "reason": "The allegation was withdrawn."}
    )
    assert _listed_for(app, "companionship") == ["Sam Taylor"]
    assert {"suspension.appeal_allowed", "provider.reinstated"} <= set(_actions(app, slug))
    assert "appeal is allowed" in _body(_mail_to(app, "sam@example.com")[-1])
    with app.app_context():
        assert db.session.scalar(select(Suspension.ended_at)) is not None
        assert audit.verify().ok


# -- revoking an approval ---------------------------------------------------------------


def test_an_officer_revokes_one_approval_without_suspending(app, make_provider, make_user):
    slug = make_provider("pa", name="Mo Patel", email="mo@example.com", services=["companionship", "meal-delivery"])
    approve_checks(app, slug)
    assert _listed_for(app, "companionship") == ["Mo Patel"] and _listed_for(app, "meal-delivery") == ["Mo Patel"]
    with app.app_context():
        dbs_id = db.session.scalar(select(Check.id).where(Check.kind == "dbs"))
    officer = signed_in(app, make_user("officer"))
    url, action = f"/officer/checks/{dbs_id}", f"/officer/checks/{dbs_id}/revoke"
    empty = _post_form(officer, url, action, reason="")
    assert empty.status_code == 422 and "Give a reason the provider will see." in empty.get_data(as_text=True)
    _post_form(officer, url, action, reason="The Update Service now shows new information.")
    # Delisted at once from what needs the DBS check, search included; the rest stays listed.
    assert _listed_for(app, "companionship") == [] and _listed_for(app, "meal-delivery") == ["Mo Patel"]
    with app.app_context():
        provider = get_by_slug(slug)
        assert provider.suspended_at is None and db.session.get(Check, dbs_id).status == "revoked"
    assert "check.revoked" in _actions(app, slug)
    told = _mail_to(app, "mo@example.com")[-1]
    assert "revoked" in told["Subject"] and "The Update Service now shows new information." in _body(told)
    assert "approval revoked" in signed_in(app, "mo@example.com").get("/dashboard").get_data(as_text=True)


# -- the latest valid-until date ------------------------------------------------------


def test_an_approval_cannot_outlast_what_its_kind_allows(app, make_provider, make_user):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    provider = signed_in(app, "pat@example.com")
    add_check(provider)  # DBS issued 1 February 2026
    with app.app_context():
        check_id = db.session.scalar(select(Check.id))
    latest = date(2026, 2, 1) + timedelta(days=app.config["DBS_RECHECK_DAYS"])
    officer = signed_in(app, make_user("officer"))
    assert officer.get(f"/checks/{check_id}/document").status_code == 200  # opened before deciding
    url, action = f"/officer/checks/{check_id}", f"/officer/checks/{check_id}/approve"
    assert form_fields(officer.get(url).get_data(as_text=True), action).count(("valid_until", latest.isoformat())) == 1
    too_late = _post_form(
        officer, url, action, method="in_person", valid_until=(latest + timedelta(days=1)).isoformat()
    )
    page = too_late.get_data(as_text=True)
    assert too_late.status_code == 422 and "must be re-checked by" in page and 'id="valid_until-error"' in page
    with app.app_context():
        assert db.session.get(Check, check_id).status == "pending"
    _post_form(officer, url, action, method="in_person", valid_until=latest.isoformat())
    with app.app_context():
        assert db.session.get(Check, check_id).valid_until == latest


def test_the_service_refuses_a_valid_until_later_than_the_kind_allows(app, make_provider, make_user):
    from registry.accounts.services import find_user_by_email
    from registry.checks import services

    slug = make_provider("pa", name="Pat Ahmed")
    officer = make_user("officer")
    with app.app_context():
        check = Check(provider=get_by_slug(slug), kind="identity", details={"document_type": "passport"})
        db.session.add(check)
        db.session.flush()
        today = date(2026, 11, 23)
        latest = today + timedelta(days=app.config["CHECK_VALIDITY_DAYS"]["identity"])
        with pytest.raises(services.CheckError, match="at the latest"):
            services.approve(check, find_user_by_email(officer), "in_person", latest + timedelta(days=1), today=today)
        db.session.rollback()
