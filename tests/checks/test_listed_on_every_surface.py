"""Listed means listed today, on every surface, whatever a stored flag or a scheduled job says.

Each case changes the database directly (as a correction, a lapse at
midnight or an administrator's fix would), with no service, outbox row or
expiry job run, and then looks at every public surface a family or a
council's harvester meets: search (page and API), the profile (page and
API, reviews API), the Open Referral feed, the shortlist, the enquiry form
and the council's coverage. Each starts from a positive control: the
provider is on every surface before the change.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from registry.accounts.models import User
from registry.checks.listing import listed_now_among, listed_services_now
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today, utcnow
from registry.openreferral import ids
from registry.providers.models import Provider, ProviderService
from registry.providers.services import get_by_slug
from tests.checks.test_nations import NATION_DETAILS
from tests.conftest import CHECK_DETAILS, ENQUIRY_DETAILS, approve_checks, signed_in
from tests.html_forms import parse, text

PHONE = "0113 496 0123"


def _yesterday_for(kind: str):
    def change(provider_id: int) -> None:
        db.session.execute(
            update(Check)
            .where(Check.provider_id == provider_id, Check.kind == kind)
            .values(valid_until=today() - timedelta(days=1))
        )

    return change


def _revoked_in_database(provider_id: int) -> None:
    db.session.execute(
        update(Check).where(Check.provider_id == provider_id, Check.kind == "dbs").values(status="revoked")
    )


def _account_closed_in_database(provider_id: int) -> None:
    user_id = select(Provider.user_id).where(Provider.id == provider_id).scalar_subquery()
    db.session.execute(update(User).where(User.id == user_id).values(active=False))


def _suspended_in_database(provider_id: int) -> None:
    db.session.execute(update(Provider).where(Provider.id == provider_id).values(suspended_at=utcnow()))


def _dbs_downgraded_in_database(provider_id: int) -> None:
    # An approved basic DBS does not meet "enhanced with the adults' barred list".
    details = {**CHECK_DETAILS["dbs"], "level": "basic", "barred_lists": "none"}
    db.session.execute(
        update(Check).where(Check.provider_id == provider_id, Check.kind == "dbs").values(details=details)
    )


CHANGES = {
    "identity lapsed yesterday": _yesterday_for("identity"),
    "DBS lapsed yesterday": _yesterday_for("dbs"),
    "DBS revoked": _revoked_in_database,
    "DBS only basic": _dbs_downgraded_in_database,
    "account closed": _account_closed_in_database,
    "suspended": _suspended_in_database,
}


@pytest.fixture
def family_and_provider(app, make_provider, make_user):
    """A listed PA in LS6 offering personal care, on a signed-in recipient's shortlist."""
    slug = make_provider("pa", name="Gwen Price", base_postcode="LS6 2AA", services=["personal-care"], phone=PHONE)
    approve_checks(app, slug)
    recipient = signed_in(app, make_user("recipient", home_postcode="LS6 2AA"))
    assert recipient.post(f"/shortlist/{slug}").status_code == 302
    with app.app_context():
        provider = get_by_slug(slug)
        return slug, provider.id, provider.services[0].service_type_id, recipient


def _surfaces(client, anonymous, slug: str, provider_id: int, service_type_id: int) -> dict[str, bool]:
    """Whether the provider shows on each public surface, as a visitor, a recipient and a harvester see it."""
    search_api = anonymous.get("/api/v1/search", query_string={"postcode": "LS6 2AA", "service": "personal-care"})
    feed = anonymous.get("/openreferral/services", query_string={"per_page": 50}).get_json()
    organizations = anonymous.get("/openreferral/organizations", query_string={"per_page": 50}).get_json()
    service_id = ids.service_id(provider_id, service_type_id)
    profile = client.get(f"/providers/{slug}")
    return {
        "search API": slug in [r["slug"] for r in search_api.get_json()["results"]],
        "search page": f"/providers/{slug}" in anonymous.get("/search", query_string={"postcode": "LS6 2AA"}).text,
        "profile page": profile.status_code == 200 and "Gwen Price" in profile.text,
        "contact details": PHONE in profile.text,
        "profile API": anonymous.get(f"/api/v1/providers/{slug}").status_code == 200,
        "reviews API": anonymous.get(f"/api/v1/providers/{slug}/reviews").status_code == 200,
        "feed services": service_id in [s["id"] for s in feed["contents"]],
        "feed service": anonymous.get(f"/openreferral/services/{service_id}").status_code == 200,
        "feed service at location": anonymous.get(
            f"/openreferral/service_at_locations/{ids.service_at_location_id(provider_id, service_type_id)}"
        ).status_code
        == 200,
        "feed organizations": ids.organization_id(provider_id) in [o["id"] for o in organizations["contents"]],
        "feed organization": anonymous.get(
            f"/openreferral/organizations/{ids.organization_id(provider_id)}"
        ).status_code
        == 200,
        "shortlist": f'href="/providers/{slug}"' in client.get("/shortlist").text,
        "enquiry form": client.get(f"/providers/{slug}/enquire").status_code == 200,
    }


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_change_in_the_database_leaves_every_public_surface_at_once(app, family_and_provider, change):
    slug, provider_id, service_type_id, recipient = family_and_provider
    anonymous = app.test_client()
    before = _surfaces(recipient, anonymous, slug, provider_id, service_type_id)
    assert all(before.values()), before  # the positive control: listed everywhere first

    with app.app_context():
        CHANGES[change](provider_id)  # straight to the database: no service, outbox row or job
        db.session.commit()

    after = _surfaces(recipient, anonymous, slug, provider_id, service_type_id)
    assert not any(after.values()), after
    # What the public sees instead of the profile says only that it is not listed.
    page = anonymous.get(f"/providers/{slug}")
    assert page.status_code == 404 and "This provider is not currently listed." in page.text
    assert PHONE not in page.text and "Checked by a safeguarding officer" not in page.text
    assert anonymous.get(f"/api/v1/providers/{slug}").get_json()["error"]["code"] == "provider_not_listed"


def test_an_enquiry_posted_to_a_provider_that_lapsed_since_the_form_was_shown_is_refused(app, family_and_provider):
    from registry.reviews.models import Enquiry

    slug, provider_id, _, recipient = family_and_provider
    assert recipient.get(f"/providers/{slug}/enquire").status_code == 200
    with app.app_context():
        _yesterday_for("dbs")(provider_id)
        db.session.commit()
    response = recipient.post(
        f"/providers/{slug}/enquire", data={"service": "personal-care", **ENQUIRY_DETAILS, "message": "Can you help?"}
    )
    assert response.status_code == 404 and "This provider is not currently listed." in response.text
    with app.app_context():
        assert db.session.scalar(select(Enquiry.id)) is None


def test_a_provider_listed_again_in_the_database_is_not_shown_before_an_officer_decides(app, family_and_provider):
    """The stored listing is an upper bound: a check restored by hand does not list anyone the rule has not."""
    slug, provider_id, service_type_id, recipient = family_and_provider
    with app.app_context():
        db.session.execute(
            update(ProviderService).where(ProviderService.provider_id == provider_id).values(listed=False)
        )
        db.session.commit()
    assert not any(_surfaces(recipient, app.test_client(), slug, provider_id, service_type_id).values())


# -- the two forms of the rule agree ----------------------------------------------------------------------------------

KINDS = ("identity", "dbs", "right_to_work", "insurance", "food_hygiene", "cqc")
# Each nation's own schemes and regulators, held by providers anywhere (an English DBS in Glasgow included).
NATION_KINDS = ("pvg", "accessni", "care_inspectorate", "ciw", "rqia")
SERVICES = ("personal-care", "companionship", "meal-delivery", "help-at-home")
# England, Wales (CH5 across the border from Chester), Scotland, England again (TD15), Northern Ireland, none (Jersey).
POSTCODES = ("LS6 2AA", "CF10 1AA", "CH5 1AA", "G1 1AA", "TD15 1AA", "BT1 1AA", "JE2 3AB")


def _random_checks(rng: random.Random) -> list[Check]:
    checks = []
    for kind in KINDS + NATION_KINDS:
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            details = dict(CHECK_DETAILS.get(kind) or NATION_DETAILS[kind])
            if kind in ("dbs", "accessni"):
                details["level"] = rng.choice(("basic", "standard", "enhanced", "enhanced", "enhanced"))
                details["barred_lists"] = rng.choice(("none", "adults", "children", "both", "both"))
            if kind == "pvg":
                details["workforce"] = rng.choice(("adults", "children", "both"))
            if kind == "food_hygiene":
                details["rating"] = rng.choice((1, 2, 3, 4, 5, "4"))
            checks.append(
                Check(
                    kind=kind,
                    status=rng.choice(("approved",) * 7 + ("pending", "revoked", "lapsed")),
                    details=details,
                    decided_at=utcnow(),
                    valid_until=today() + timedelta(days=rng.choice((-30, -1, 0, 1, 200, 200, 200))),
                )
            )
    return checks


def test_the_rule_over_loaded_checks_and_the_rule_in_sql_agree(app, make_provider):
    """An oracle for each other: 140 providers in every nation with random checks, kinds, states and dates,
    asked both ways."""
    from registry.checks.listing import listed_now_clause, recompute_listing

    rng = random.Random(2026)
    slugs = [
        make_provider(
            rng.choice(("pa", "organisation")),
            name=f"Random {n}",
            services=rng.sample(SERVICES, rng.choice((1, 2, 3))),
            base_postcode=POSTCODES[n % len(POSTCODES)],
        )
        for n in range(140)
    ]
    with app.app_context():
        providers = [get_by_slug(slug) for slug in slugs]
        for provider in providers:
            provider.checks.extend(_random_checks(rng))
            db.session.flush()
            # As the last decision stored it: from a day when every check was still current.
            recompute_listing(provider, today() - timedelta(days=31))
            if rng.random() < 0.1:
                provider.suspended_at = utcnow()
            if rng.random() < 0.1:
                provider.user.active = False
        db.session.commit()
        day = today()
        in_python = {(p.id, t.id) for p in providers for t in listed_services_now(p, day)}
        in_sql = set(
            db.session.execute(
                select(ProviderService.provider_id, ProviderService.service_type_id)
                .join(Provider, Provider.id == ProviderService.provider_id)
                .where(listed_now_clause(day))
            ).all()
        )
        assert in_python == in_sql
        # Not vacuous: some listed today, some listed when stored but not today.
        stored = set(
            db.session.execute(
                select(ProviderService.provider_id, ProviderService.service_type_id).where(ProviderService.listed)
            ).all()
        )
        assert in_python and stored - in_python
        # And in every nation: listed somewhere in each, so each nation's branch of the rule was asked.
        nation_of_id = {p.id: p.nation for p in providers}
        assert {nation_of_id[provider_id] for provider_id, _ in in_python} >= {
            "england",
            "wales",
            "scotland",
            "northern_ireland",
            None,
        }
        assert listed_now_among([p.id for p in providers], day) == {provider_id for provider_id, _ in in_python}


def test_closing_a_provider_account_takes_it_off_every_surface_and_out_of_the_index(app, runner, family_and_provider):
    from registry.searching.models import SearchOutboxEntry

    slug, provider_id, service_type_id, recipient = family_and_provider
    with app.app_context():
        email = get_by_slug(slug).user.email
        last_row = db.session.scalar(select(SearchOutboxEntry.id).order_by(SearchOutboxEntry.id.desc()).limit(1))
    result = runner.invoke(args=["users", "deactivate", email])
    assert result.exit_code == 0, result.output
    assert not any(_surfaces(recipient, app.test_client(), slug, provider_id, service_type_id).values())
    with app.app_context():
        provider = get_by_slug(slug)
        # The stored listing follows in the same transaction, so the search index is told (an outbox row) too.
        assert provider.status != "listed" and not any(row.listed for row in provider.services)
        assert db.session.scalar(
            select(SearchOutboxEntry.id).where(
                SearchOutboxEntry.provider_id == provider_id, SearchOutboxEntry.id > last_row
            )
        )


@pytest.fixture
def local_day_not_utc_day():
    """Run the app in a time zone whose date differs from UTC's now (as 00:30 BST does from 23:30 UTC)."""
    import os
    import time
    from datetime import date, datetime, timezone

    before = os.environ.get("TZ")
    # UTC+14 is a day ahead from 10:00 UTC; UTC-12 a day behind until 12:00 UTC.
    os.environ["TZ"] = "Etc/GMT-14" if datetime.now(timezone.utc).hour >= 10 else "Etc/GMT+12"
    time.tzset()
    try:
        assert date.today() != datetime.now(timezone.utc).date()  # the setup proves itself
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.parametrize("last_day, listed", [(0, True), (-1, False)], ids=["valid until today", "ended yesterday"])
def test_every_surface_reads_the_utc_day_whatever_the_server_time_zone(
    app, family_and_provider, local_day_not_utc_day, last_day, listed
):
    from datetime import datetime, timezone

    slug, provider_id, service_type_id, recipient = family_and_provider
    utc_day = datetime.now(timezone.utc).date()  # worked out here, not by the clock under test
    with app.app_context():
        db.session.execute(
            update(Check)
            .where(Check.provider_id == provider_id, Check.kind == "dbs")
            .values(valid_until=utc_day + timedelta(days=last_day))
        )
        db.session.commit()
    seen = _surfaces(recipient, app.test_client(), slug, provider_id, service_type_id)
    assert all(seen.values()) if listed else not any(seen.values()), seen


def _services_named(page: str) -> list[str]:
    """The services a profile page lists under its "Services" heading."""
    return [text(li) for li in parse(page).xpath('//section[h2="Services"]//li')]


def test_the_profile_names_only_the_services_listed_today(app, make_provider):
    slug = make_provider("pa", name="Mair Jones", services=["companionship", "meal-delivery"])
    # Meal delivery needs no background check; companionship needs an enhanced DBS, which she has not got.
    approve_checks(app, slug, kinds=("identity", "right_to_work", "insurance", "food_hygiene"))
    page = app.test_client().get(f"/providers/{slug}").text
    assert _services_named(page) == ["Meal delivery"]
    approve_checks(app, slug, kinds=("dbs",))  # the positive control: with it, both are listed
    assert _services_named(app.test_client().get(f"/providers/{slug}").text) == ["Companionship", "Meal delivery"]
