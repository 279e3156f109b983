"""The listing rule against a table written out by hand from DESIGN.md's trust model, not from the code's own table.

Each case is a provider of one kind offering one service with the checks named, and whether it must be listed
for that service today. The rule is asked three ways (the stored flags after a recompute, the rule over loaded
checks every public page uses, and the SQL every search and feed query carries), and a listed case is also
looked up on the public profile API, so a rule that lists too much or too little in any of them fails here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.checks import listing
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import ProviderService
from registry.providers.services import get_by_slug
from tests.conftest import CHECK_DETAILS

DBS_ADULTS = {**CHECK_DETAILS["dbs"], "level": "enhanced", "barred_lists": "adults"}
DBS_CHILDREN = {**CHECK_DETAILS["dbs"], "level": "enhanced", "barred_lists": "children"}
DBS_BOTH = {**CHECK_DETAILS["dbs"], "level": "enhanced", "barred_lists": "both"}
DBS_STANDARD_ADULTS = {**CHECK_DETAILS["dbs"], "level": "standard", "barred_lists": "adults"}
DBS_BASIC = {**CHECK_DETAILS["dbs"], "level": "basic", "barred_lists": "none"}
# What a PA needs for care at home with adults: identity, enhanced DBS with the adults' barred list, right to
# work, public liability insurance. An organisation needs identity and the DBS, and for regulated care (personal
# care) a CQC registration instead of the right to work and insurance.
PA_HOME = [("identity", None), ("dbs", DBS_ADULTS), ("right_to_work", None), ("insurance", None)]
ORG_REGULATED = [("identity", None), ("dbs", DBS_ADULTS), ("cqc", None)]
MEALS = [("identity", None), ("insurance", None)]


def _without(checks, kind):
    return [c for c in checks if c[0] != kind]


# (case, provider kind, service, checks as (kind, details or None for the usual ones[, days valid[, status]]), listed)
CASES = [
    ("a PA with every check", "pa", "personal-care", PA_HOME, True),
    ("a PA without identity", "pa", "personal-care", _without(PA_HOME, "identity"), False),
    ("a PA without the right to work", "pa", "companionship", _without(PA_HOME, "right_to_work"), False),
    ("a PA without insurance", "pa", "companionship", _without(PA_HOME, "insurance"), False),
    ("a PA without a DBS", "pa", "companionship", _without(PA_HOME, "dbs"), False),
    ("a PA with both barred lists", "pa", "companionship", [*_without(PA_HOME, "dbs"), ("dbs", DBS_BOTH)], True),
    (
        "a PA checked against the children's list only, for adults",
        "pa",
        "companionship",
        [*_without(PA_HOME, "dbs"), ("dbs", DBS_CHILDREN)],
        False,
    ),
    (
        "a PA with a standard DBS, for adults",
        "pa",
        "companionship",
        [*_without(PA_HOME, "dbs"), ("dbs", DBS_STANDARD_ADULTS)],
        False,
    ),
    ("a PA with a basic DBS, for cleaning", "pa", "cleaning", [*_without(PA_HOME, "dbs"), ("dbs", DBS_BASIC)], True),
    (
        "a PA with the children's list, for children",
        "pa",
        "support-for-children",
        [*_without(PA_HOME, "dbs"), ("dbs", DBS_CHILDREN)],
        True,
    ),
    ("a PA with the adults' list, for children", "pa", "support-for-children", PA_HOME, False),
    ("an organisation registered with the CQC", "organisation", "personal-care", ORG_REGULATED, True),
    ("an organisation not registered", "organisation", "personal-care", _without(ORG_REGULATED, "cqc"), False),
    ("an organisation, unregulated help", "organisation", "companionship", _without(ORG_REGULATED, "cqc"), True),
    ("a PA needs no CQC registration", "pa", "personal-care", [*PA_HOME, ("cqc", None)], True),
    ("meals, hygiene rated 5", "organisation", "meal-delivery", [*MEALS, ("food_hygiene", {"rating": 5})], True),
    ("meals, hygiene rated 3", "organisation", "meal-delivery", [*MEALS, ("food_hygiene", {"rating": 3})], True),
    ("meals, hygiene rated 2", "organisation", "meal-delivery", [*MEALS, ("food_hygiene", {"rating": 2})], False),
    ("meals, rating as text", "organisation", "meal-delivery", [*MEALS, ("food_hygiene", {"rating": "4"})], True),
    ("meals, no hygiene rating", "organisation", "meal-delivery", MEALS, False),
    (
        "identity valid until today",
        "pa",
        "companionship",
        [*_without(PA_HOME, "identity"), ("identity", None, 0)],
        True,
    ),
    (
        "identity lapsed yesterday",
        "pa",
        "companionship",
        [*_without(PA_HOME, "identity"), ("identity", None, -1)],
        False,
    ),
    (
        "the DBS waiting for an officer",
        "pa",
        "companionship",
        [*_without(PA_HOME, "dbs"), ("dbs", DBS_ADULTS, 365, "pending")],
        False,
    ),
    (
        "the DBS revoked",
        "pa",
        "companionship",
        [*_without(PA_HOME, "dbs"), ("dbs", DBS_ADULTS, 365, "revoked")],
        False,
    ),
    (
        "a lapsed DBS beside a current one",
        "pa",
        "companionship",
        [*PA_HOME, ("dbs", DBS_ADULTS, -30)],
        True,
    ),
]


def _give_checks(provider, checks) -> None:
    for spec in checks:
        kind, details, days, status = (*spec, 365, "approved")[:4] if len(spec) == 2 else (*spec, "approved")[:4]
        provider.checks.append(
            Check(
                kind=kind,
                status=status,
                details=dict(details if details is not None else CHECK_DETAILS[kind]),
                decided_at=utcnow(),
                verification_method="in_person",
                valid_until=today() + timedelta(days=days),
            )
        )


def _listed_in_sql(provider, service_type_id) -> bool:
    return (
        db.session.scalar(
            select(ProviderService.provider_id)
            .join(ProviderService.provider)
            .where(
                ProviderService.provider_id == provider.id,
                ProviderService.service_type_id == service_type_id,
                listing.listed_now_clause(today()),
            )
        )
        is not None
    )


def test_the_rule_matches_the_trust_model_table_on_every_path(app, make_provider):
    """One PA and one organisation offering every service in the table; each case replaces their checks."""
    services = sorted({service for _, _, service, _, _ in CASES})
    slugs = {kind: make_provider(kind, name=f"Table {kind}", services=services) for kind in ("pa", "organisation")}
    seen = {}
    with app.app_context():
        for case, kind, service, checks, _ in CASES:
            provider = get_by_slug(slugs[kind])
            provider.checks.clear()  # the previous case's checks go (delete-orphan) at the next flush
            _give_checks(provider, checks)
            listing.recompute_listing(provider, today())
            db.session.flush()
            row = next(r for r in provider.services if r.service_type.slug == service)
            seen[case] = {
                "stored": row.listed,
                "over loaded checks": service in [t.slug for t in listing.listed_services_now(provider, today())],
                "in SQL": _listed_in_sql(provider, row.service_type_id),
            }
        db.session.rollback()
    for case, *_, listed in CASES:
        assert seen[case] == {"stored": listed, "over loaded checks": listed, "in SQL": listed}, case


def test_a_provider_is_listed_on_its_pages_only_while_a_service_is(app, make_provider):
    listed = make_provider("pa", name="Listed", services=["companionship"])
    unlisted = make_provider("pa", name="Unlisted", services=["companionship"])
    with app.app_context():
        for slug, checks in ((listed, PA_HOME), (unlisted, _without(PA_HOME, "insurance"))):
            provider = get_by_slug(slug)
            _give_checks(provider, checks)
            db.session.flush()
            listing.recompute_listing(provider, today())
        db.session.commit()
        assert (get_by_slug(listed).status, get_by_slug(unlisted).status) == ("listed", "submitted")
        assert listing.is_listed_now(get_by_slug(listed), today()) is True
        assert listing.is_listed_now(get_by_slug(unlisted), today()) is False
        # Asked about some providers, the SQL answers for those only.
        listed_id, unlisted_id = get_by_slug(listed).id, get_by_slug(unlisted).id
        assert listing.listed_now_among([listed_id, unlisted_id], today()) == {listed_id}
        assert listing.listed_now_among([unlisted_id], today()) == set()
    client = app.test_client()
    assert client.get(f"/api/v1/providers/{listed}").status_code == 200
    assert client.get(f"/api/v1/providers/{unlisted}").status_code == 404


def test_the_sql_rule_names_the_service_listed_not_just_the_provider(app, make_provider):
    """A PA listed for cleaning (a basic DBS) but not for companionship (it needs an enhanced one)."""
    slug = make_provider("pa", name="Half Listed", services=["cleaning", "companionship"])
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(provider, [*_without(PA_HOME, "dbs"), ("dbs", DBS_BASIC)])
        db.session.flush()
        assert listing.recompute_listing(provider, today()) is True
        assert listing.recompute_listing(provider, today()) is False  # nothing left to change
        db.session.commit()
        assert [t.slug for t in listing.listed_services_now(provider, today())] == ["cleaning"]
        rows = db.session.execute(
            select(ProviderService.service_type_id)
            .join(ProviderService.provider)
            .where(ProviderService.provider_id == provider.id, listing.listed_now_clause(today()))
        ).all()
        assert [row[0] for row in rows] == [t.id for t in listing.listed_services_now(provider, today())]
        assert listing.listed_now_among([], today()) == set()


def test_listed_services_come_in_the_taxonomys_order(app, make_provider):
    slug = make_provider("pa", name="Many Services", services=["cleaning", "companionship", "personal-care"])
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(provider, PA_HOME)
        db.session.flush()
        listing.recompute_listing(provider, today())
        db.session.commit()
        assert [t.slug for t in listing.listed_services_now(provider, today())] == [
            "personal-care",
            "companionship",
            "cleaning",
        ]


def test_the_listing_lasts_until_the_first_requirement_runs_out(app, make_provider):
    """Each requirement holds until its longest-lasting current check; the listing until the soonest of those."""
    slug = make_provider("pa", name="Dates", services=["companionship"])
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(
            provider,
            [
                ("identity", None, 400),
                ("dbs", DBS_ADULTS, 30),
                ("dbs", DBS_BOTH, 200),  # a second DBS: the requirement holds until the later one
                ("right_to_work", None, 300),
                ("insurance", None, 250),
            ],
        )
        db.session.flush()
        service_type = provider.services[0].service_type
        assert listing.listed_until(provider, service_type, today()) == today() + timedelta(days=200)
        assert listing.listed_until(provider, service_type, today() + timedelta(days=201)) is None


@pytest.mark.parametrize(
    "change, status",
    [("draft", "draft"), ("suspended", "suspended"), ("closed", "submitted")],
)
def test_a_draft_a_suspension_or_a_closed_account_lists_nothing(app, make_provider, change, status):
    slug = make_provider("pa", name="Gated", services=["companionship"])
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(provider, PA_HOME)
        if change == "draft":  # a profile its provider never submitted
            provider.status = "draft"
        if change == "suspended":
            provider.suspended_at = utcnow()
        if change == "closed":
            provider.user.active = False
        db.session.flush()
        listing.recompute_listing(provider, today())
        db.session.commit()
        assert [row.listed for row in provider.services] == [False] * len(provider.services)
        assert provider.status == status
        assert listing.listed_services_now(provider, today()) == []
        assert listing.listed_now_among([provider.id], today()) == set()


def test_a_provider_is_told_exactly_why_it_cannot_yet_speak_for_the_registry(app, make_provider):
    """Inviting reviews, messaging people, applying to a council's list: what a provider reads when refused."""
    ready = make_provider("pa", name="Ready", services=["companionship"])
    unconfirmed = make_provider("pa", name="Unconfirmed", services=["companionship"], email_verified=False)
    suspended = make_provider("pa", name="Suspended", services=["companionship"])
    unlisted = make_provider("pa", name="Unlisted", services=["companionship"])
    with app.app_context():
        for slug in (ready, unconfirmed, suspended):
            _give_checks(get_by_slug(slug), PA_HOME)
        _give_checks(get_by_slug(unlisted), _without(PA_HOME, "dbs"))
        get_by_slug(suspended).suspended_at = utcnow()
        get_by_slug(unconfirmed).suspended_at = utcnow()  # the email comes first
        for slug in (ready, unconfirmed, suspended, unlisted):
            db.session.flush()
            listing.recompute_listing(get_by_slug(slug), today())
        db.session.commit()
        reasons = {
            slug: listing.why_provider_cannot_act(get_by_slug(slug), today())
            for slug in (ready, unconfirmed, suspended, unlisted)
        }
    assert reasons == {
        ready: None,
        unconfirmed: "Confirm your email address first: open the link we emailed you when you joined.",
        suspended: "Your account is suspended, so you cannot do this until it is reinstated.",
        unlisted: "You can do this once you are listed: your dashboard shows which checks are still needed.",
    }


def _states(app, slug, checks, lapsing_days=30):
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(provider, checks)
        db.session.flush()
        service_type = provider.services[0].service_type
        states = listing.requirement_states(provider, service_type, today(), lapsing_days)
        by_code = {s.code: (s.name, s.kind, s.state) for s in states}
        kinds_of_checks = {s.code: (s.check.kind, s.check.status) if s.check else None for s in states}
        db.session.rollback()
    return by_code, kinds_of_checks


def test_the_dashboard_says_where_each_requirement_stands(app, make_provider):
    slug = make_provider("pa", name="Dashboard", services=["companionship"])
    by_code, checks = _states(
        app,
        slug,
        [
            ("identity", None, 31),  # one day more than the reminder window: approved
            ("dbs", DBS_BASIC, 365),  # approved, but not the enhanced check this service needs
            ("right_to_work", None, 365, "pending"),
            ("insurance", None, 30),  # inside the window, with a renewal waiting for an officer
            ("insurance", None, 365, "pending"),
        ],
    )
    assert by_code == {
        "identity": ("Proof of identity", "identity", "approved"),
        "dbs_enhanced_adults": ("Enhanced DBS with the adults' barred list", "dbs", "missing"),
        "right_to_work": ("Right to work in the UK", "right_to_work", "pending"),
        "public_liability_insurance": ("Public liability insurance", "insurance", "renewal_pending"),
    }
    assert checks["dbs_enhanced_adults"] == ("dbs", "approved") and checks["identity"] == ("identity", "approved")
    assert checks["public_liability_insurance"] == ("insurance", "approved")  # the current one, until its end


def test_the_dashboard_says_lapsing_rejected_lapsed_or_missing(app, make_provider):
    slug = make_provider("pa", name="Dashboard Two", services=["companionship"])
    by_code, checks = _states(
        app,
        slug,
        [
            ("identity", None, 365, "pending"),  # older than the approval: not a renewal of it
            ("identity", None, 30),  # the last day of the reminder window: lapsing, nothing new sent since
            ("right_to_work", None, 365, "pending"),  # a waiting check of another kind is no renewal of it
            ("dbs", DBS_ADULTS, -1, "lapsed"),
            ("insurance", None, 365, "rejected"),
            ("insurance", None, 365, "superseded"),  # replaced before a decision: the rejection still stands
        ],
    )
    assert {code: state for code, (_, _, state) in by_code.items()} == {
        "identity": "lapsing",
        "dbs_enhanced_adults": "lapsed",
        "right_to_work": "pending",
        "public_liability_insurance": "rejected",
    }
    assert checks["public_liability_insurance"] == ("insurance", "rejected")
    by_code, checks = _states(app, make_provider("pa", name="Nothing Yet", services=["companionship"]), [])
    assert {code: state for code, (_, _, state) in by_code.items()} == dict.fromkeys(
        ("identity", "dbs_enhanced_adults", "right_to_work", "public_liability_insurance"), "missing"
    )
    assert set(checks.values()) == {None}


def test_a_profile_edit_lists_or_delists_at_once_as_its_new_requirements_say(app, make_provider):
    """Moving to Scotland asks for PVG, so an English DBS stops counting; moving back lists again, with no job run."""
    from registry.providers import services as providers
    from tests.conftest import complete_profile_data

    slug = make_provider("pa", name="Moving PA", services=["companionship"], base_postcode="LS6 2AA")
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(provider, PA_HOME)
        db.session.flush()
        listing.recompute_listing(provider, today())
        db.session.commit()
        assert get_by_slug(slug).status == "listed"  # positive control

        providers.update_profile(provider, complete_profile_data(base_postcode="G1 1AA", services=["companionship"]))
        db.session.commit()
        assert (get_by_slug(slug).status, listing.is_listed_now(get_by_slug(slug), today())) == ("submitted", False)
        assert listing.listed_now_among([provider.id], today()) == set()

        providers.update_profile(provider, complete_profile_data(base_postcode="LS6 2AA", services=["companionship"]))
        db.session.commit()
        assert get_by_slug(slug).status == "listed"
        assert listing.listed_now_among([provider.id], today()) == {provider.id}


def test_a_check_s_warning_names_exactly_the_services_only_it_keeps_listed(app, make_provider):
    """What a reminder, lapse or revocation tells a provider will leave search: services no other current check holds."""
    slug = make_provider("pa", name="Resting", services=["cleaning", "companionship", "personal-care"])
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(
            provider,
            [
                ("identity", None),
                ("dbs", DBS_BASIC),  # meets cleaning's basic DBS only
                ("dbs", DBS_ADULTS),  # meets every service's DBS requirement
                ("right_to_work", None),
                ("insurance", None),
                ("insurance", None, 30, "lapsed"),  # a second policy that no longer counts
            ],
        )
        db.session.flush()
        by_kind = {}
        for check in provider.checks:
            by_kind.setdefault((check.kind, (check.details or {}).get("level"), check.status), check)

        def resting(kind, level=None, status="approved"):
            return [t.slug for t in listing.services_resting_on(by_kind[(kind, level, status)], today())]

        everything = ["personal-care", "companionship", "cleaning"]  # the taxonomy's order
        assert resting("insurance") == everything  # the lapsed policy holds nothing up
        assert resting("identity") == everything
        assert resting("dbs", "enhanced") == ["personal-care", "companionship"]  # cleaning still has the basic one
        assert resting("dbs", "basic") == []  # the enhanced one meets cleaning too
        assert resting("insurance", None, "lapsed") == []  # an insurance policy meets it, but a current one holds it

        # The check's own state does not matter: the answer is the same after it stops counting.
        by_kind[("dbs", "enhanced", "approved")].status = "lapsed"
        assert resting("dbs", "enhanced") == ["personal-care", "companionship"]
        db.session.rollback()


def test_closing_a_listed_provider_s_account_takes_it_off_every_surface_at_once(app, make_provider):
    """The account closed the way staff and the provider close it: no recompute by hand, no job run."""
    from registry.accounts.services import deactivate_account

    slug = make_provider("pa", name="Closing", services=["companionship"])
    with app.app_context():
        provider = get_by_slug(slug)
        _give_checks(provider, PA_HOME)
        db.session.flush()
        listing.recompute_listing(provider, today())
        db.session.commit()
        assert listing.listed_now_among([provider.id], today()) == {provider.id}  # positive control

        deactivate_account(provider.user, actor=None, how="cli")
        db.session.commit()
        provider = get_by_slug(slug)
        assert (provider.status, [row.listed for row in provider.services]) == ("submitted", [False])
        assert listing.listed_now_among([provider.id], today()) == set()
    assert app.test_client().get(f"/api/v1/providers/{slug}").status_code == 404


def test_the_sql_rule_asks_each_nation_for_its_own_scheme(app, make_provider):
    """The same checks in Leeds and Glasgow: the SQL every search and feed query carries lists only the English PA
    until the Scottish one holds PVG membership (an English DBS is not a Scottish background check)."""
    leeds = make_provider("pa", name="Leeds PA", services=["companionship"], base_postcode="LS6 2AA")
    glasgow = make_provider("pa", name="Glasgow PA", services=["companionship"], base_postcode="G1 1AA")
    with app.app_context():
        ids = {}
        for slug in (leeds, glasgow):
            provider = get_by_slug(slug)
            _give_checks(provider, PA_HOME)
            db.session.flush()
            listing.recompute_listing(provider, today())
            ids[slug] = provider.id
        db.session.commit()
        assert listing.listed_now_among(list(ids.values()), today()) == {ids[leeds]}
        assert get_by_slug(glasgow).status != "listed"  # the stored flags agree
        # Flags a step behind (written before the move to Glasgow, say): the SQL still asks for the nation's scheme.
        provider = get_by_slug(glasgow)
        provider.status = "listed"
        for row in provider.services:
            row.listed = True
        db.session.commit()
        assert listing.listed_now_among(list(ids.values()), today()) == {ids[leeds]}

        provider = get_by_slug(glasgow)
        _give_checks(provider, [("pvg", {"workforce": "adults", "scheme_record_date": "2026-01-05"})])
        db.session.flush()
        listing.recompute_listing(provider, today())
        db.session.commit()
        assert listing.listed_now_among(list(ids.values()), today()) == {ids[leeds], ids[glasgow]}
