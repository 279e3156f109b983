"""Councils publish approved lists; providers apply; recipients filter; the listing rule still wins."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.audit.models import AuditEvent
from registry.councils import services
from registry.councils.models import Framework, FrameworkEntry
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from tests.conftest import PASSWORD, approve_checks
from tests.html_forms import parse, text

LEEDS = ["LS1", "LS2", "LS3", "LS4", "LS5", "LS6", "LS7", "LS10", "LS11"]  # in reading order, as coverage lists them


@pytest.fixture
def leeds(app):
    """Leeds City Council with one commissioner; returns the commissioner's email."""
    with app.app_context():
        council = services.create_council("Leeds City Council", "council", LEEDS)
        user = accounts.create_user("commissioner@leeds.example", PASSWORD, "Cam Commissioner", "recipient")
        services.make_commissioner(user, council)
        db.session.commit()
    return "commissioner@leeds.example"


def _listed(app, make_provider, name, **profile):
    slug = make_provider(name=name, **profile)
    approve_checks(app, slug)
    return slug


def _actions(app):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_commissioner_publishes_a_list_a_provider_applies_and_sees_the_outcome(app, client, auth, leeds, make_provider):
    slug = _listed(app, make_provider, "Ceri Morgan")
    auth.sign_in(leeds)
    start = today().isoformat()
    end = (today() + timedelta(days=365)).isoformat()
    created = client.post(
        "/council/frameworks", data={"name": "Leeds home care 2026", "starts_on": start, "ends_on": end}
    )
    assert created.status_code == 302
    framework_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    auth.sign_out()

    provider_email = get_email(app, slug)
    auth.sign_in(provider_email)
    page = client.get("/dashboard/approved-lists")
    assert "Leeds home care 2026" in page.get_data(as_text=True)
    with app.app_context():
        personal_care = get_by_slug(slug).services[0].service_type_id
    applied = client.post(
        f"/dashboard/approved-lists/{framework_id}",
        data={f"f{framework_id}-service": personal_care, f"f{framework_id}-rate": "19.50"},
    )
    assert applied.status_code == 302
    assert "Waiting for a decision" in client.get("/dashboard/approved-lists").get_data(as_text=True)
    auth.sign_out()

    auth.sign_in(leeds)
    with app.app_context():
        entry_id = db.session.scalar(select(FrameworkEntry.id))
    decided = client.post(f"/council/entries/{entry_id}", data={"decision": "approve", "rate": "18.75"})
    assert decided.status_code == 302
    auth.sign_out()

    auth.sign_in(provider_email)
    outcome = client.get("/dashboard/approved-lists").get_data(as_text=True)
    assert "Approved" in outcome and "£18.75" in outcome
    assert _actions(app)[-3:] == ["framework.created", "framework.applied", "framework.approved"]


def get_email(app, slug):
    with app.app_context():
        return get_by_slug(slug).user.email


def test_bad_dates_come_back_next_to_the_field_and_save_nothing(app, client, auth, leeds):
    auth.sign_in(leeds)
    before = _actions(app)
    response = client.post(
        "/council/frameworks", data={"name": "Backwards", "starts_on": "2026-06-01", "ends_on": "2026-01-01"}
    )
    assert response.status_code == 422
    assert "The end date must be after the start date." in response.get_data(as_text=True)
    title = text(parse(response.get_data(as_text=True)).xpath("//title")[0])
    assert title.startswith("Error: ") and "Error: Error" not in title
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Framework)) == 0
    assert _actions(app) == before


def test_declining_needs_a_reason_and_only_the_councils_own_commissioners_decide(
    app, client, auth, leeds, make_provider
):
    slug = _listed(app, make_provider, "Ceri Morgan")
    with app.app_context():
        council = services.council_for_postcode("LS6 2AA")
        commissioner = accounts.find_user_by_email(leeds)
        framework = services.create_framework(council, commissioner, "List", today(), today() + timedelta(days=30))
        provider = get_by_slug(slug)
        entry = services.apply(framework, provider, provider.services[0].service_type, 2000, today())
        other = services.create_council("Bradford Council", "council", ["BD1"])
        outsider = accounts.create_user("c@bradford.example", PASSWORD, "Other", "recipient")
        services.make_commissioner(outsider, other)
        with pytest.raises(services.CouncilError):
            services.decide(entry, outsider, approve=True)
        db.session.commit()
        entry_id = entry.id
    auth.sign_in(leeds)
    response = client.post(f"/council/entries/{entry_id}", data={"decision": "decline", "reason": ""})
    assert response.status_code == 422 and "Give a reason the provider will see." in response.get_data(as_text=True)
    title = text(parse(response.get_data(as_text=True)).xpath("//title")[0])
    assert title.startswith("Error: ") and "Error: Error" not in title
    with app.app_context():
        assert db.session.get(FrameworkEntry, entry_id).status == "applied"


def _on_list(app, leeds, slug, rate=1900):
    with app.app_context():
        council = services.council_for_postcode("LS6 2AA")
        framework = services.create_framework(
            council,
            accounts.find_user_by_email(leeds),
            "List",
            today() - timedelta(days=1),
            today() + timedelta(days=30),
        )
        provider = get_by_slug(slug)
        services.add_provider(
            framework, accounts.find_user_by_email(leeds), provider, provider.services[0].service_type, rate
        )
        db.session.commit()


def test_search_filter_keeps_only_providers_on_the_recipients_council_list_with_the_agreed_rate(
    app, client, leeds, make_provider
):
    on = _listed(app, make_provider, "On List")
    off = _listed(app, make_provider, "Off List")
    _on_list(app, leeds, on, rate=1900)
    everyone = client.get("/api/v1/search", query_string={"postcode": "LS6 2AA", "service": "personal-care"}).get_json()
    assert {r["slug"] for r in everyone["results"]} == {on, off}
    assert "council_approvals" not in everyone["results"][0]

    body = client.get(
        "/api/v1/search", query_string={"postcode": "LS6 2AA", "service": "personal-care", "council_list": "1"}
    ).get_json()
    assert [r["slug"] for r in body["results"]] == [on] and body[
        "total"
    ] == 1  # counted in the index, not trimmed from a page
    [approval] = body["results"][0]["council_approvals"]
    assert approval["agreed_rate_pounds"] == "19.00" and body["results"][0]["hourly_rate"]["min_pounds"] is not None
    assert approval["badge"].startswith("On Leeds City Council's approved list for personal care since")

    page = client.get(
        "/search", query_string={"postcode": "LS6 2AA", "service": "personal-care", "council_list": "1"}
    ).get_data(as_text=True)
    assert "On List" in page and "Off List" not in page and "Agreed rate £19 an hour" in page
    assert 'name="council_list" value="1" checked' in page
    # Outside any council's area the page says so instead of showing nothing silently.
    elsewhere = client.get("/search", query_string={"postcode": "M1 1AE", "council_list": "1"}).get_data(as_text=True)
    assert "No council has published an approved list for M1 1AE yet" in elsewhere


def test_the_profile_shows_which_councils_approved_the_provider_and_not_once_suspended(
    app, client, leeds, make_provider, make_user
):
    from registry.safeguarding import services as safeguarding

    on = _listed(app, make_provider, "On List")
    off = _listed(app, make_provider, "Off List")
    _on_list(app, leeds, on, rate=1900)
    profile = html.unescape(client.get(f"/providers/{on}").get_data(as_text=True))
    assert "Councils' approved lists" in profile
    assert "On Leeds City Council's approved list for personal care since" in profile
    assert "agreed rate of £19 an hour" in profile
    assert "approved lists" not in client.get(f"/providers/{off}").get_data(as_text=True)

    officer = make_user("officer")
    with app.app_context():
        safeguarding.suspend(get_by_slug(on), accounts.find_user_by_email(officer), "Concern under investigation.")
        db.session.commit()
    # The listing rule wins: a suspended provider's page says so and shows no list.
    suspended = client.get(f"/providers/{on}").get_data(as_text=True)
    assert "This provider is not currently listed." in suspended and "approved lists" not in suspended


def test_a_suspended_or_lapsed_provider_on_a_list_is_never_shown(app, leeds, make_provider, make_user):
    from registry.safeguarding import services as safeguarding

    suspended = _listed(app, make_provider, "Suspended One")
    lapsed = make_provider(name="Lapsed One")
    approve_checks(app, lapsed, days_valid=1)
    _on_list(app, leeds, suspended)
    _on_list(app, leeds, lapsed)
    officer = make_user("officer")
    with app.app_context():
        safeguarding.suspend(
            get_by_slug(suspended), accounts.find_user_by_email(officer), "Concern under investigation."
        )
        db.session.commit()
        ids = [get_by_slug(suspended).id, get_by_slug(lapsed).id]
        assert services.approvals(ids, today())[ids[1]]  # the lapsing one is still current today
        assert ids[0] not in services.approvals(ids, today())
        assert services.approvals(ids, today() + timedelta(days=2)) == {}  # its check has lapsed by then


def test_coverage_shows_providers_gaps_and_rates_and_exports_csv(app, client, auth, leeds, make_provider):
    _listed(
        app,
        make_provider,
        "Near",
        base_postcode="LS6 2AA",
        travel_radius_miles=3,
        rate_min_pence=1500,
        rate_max_pence=1700,
    )
    _listed(
        app,
        make_provider,
        "Nearby",
        base_postcode="LS6 2AA",
        travel_radius_miles=3,
        rate_min_pence=2500,
        rate_max_pence=2900,
    )
    auth.sign_in(leeds)
    page = client.get("/council/coverage").get_data(as_text=True)
    assert "£15.00 to £29.00" in page and "Gaps" in page
    csv_response = client.get("/council/coverage.csv")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).splitlines()
    assert lines[0] == "district,service,listed_providers,lowest_rate_pounds,highest_rate_pounds"
    assert "LS6,Personal care,2,15.00,29.00" in lines
    assert list(dict.fromkeys(line.split(",")[0] for line in lines[1:])) == LEEDS
    assert "LS6,Nursing,0,," in lines  # a gap


def test_only_commissioners_open_council_pages(client, auth, make_user):
    assert client.get("/council").status_code == 302
    auth.sign_in(make_user("recipient"))
    assert client.get("/council").status_code == 403
