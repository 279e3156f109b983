"""Claims that say exactly what was checked (issue 20, item 4).

What a family reads about a provider's checks, service by service, on the
home page, how-it-works, the search card (page and API), the profile (page
and API): which of the service's requirements each current check meets,
whose a background check is (a personal assistant's own; an organisation's
one person's, never each worker's), what the service does not need, and
nothing its checks do not back.
"""

from __future__ import annotations

import html
import itertools
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from registry.checks.claims import KIND_MEANINGS, ORGANISATION_BACKGROUND_NOTE, claim_for, meaning_of
from registry.checks.kinds import REQUIREMENTS, CheckKind, satisfies
from registry.checks.listing import with_identity
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today
from registry.providers.models import ServiceType
from registry.providers.services import get_by_slug
from registry.providers.vocabulary import ProviderKind
from tests.conftest import CHECK_DETAILS, approve_checks

OVER_CLAIM = "Every provider listed here has had their identity and background checks verified"
MEALS_ONLY = ("identity", "food_hygiene", "insurance")
AGENCY = ("identity", "dbs", "insurance", "cqc")
PA_CHECKS = ("identity", "dbs", "right_to_work", "insurance", "food_hygiene")


def text_of(response) -> str:
    """A page's words as a person reads them: tags dropped, entities and spacing undone."""
    body = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def card_of(client, slug: str, service: str | None = None) -> str:
    """The words of ``slug``'s card on the search page for LS6 (and ``service``); '' when it has none."""
    url = "/search?postcode=LS6+2AA&radius=20" + (f"&service={service}" if service else "")
    body = client.get(url).get_data(as_text=True)
    for article in re.findall(r'<article class="result"[^>]*>.*?</article>', body, re.S):
        if f'href="/providers/{slug}"' in article:
            return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))
    return ""


@pytest.fixture
def meal_service(app, make_provider):
    """An organisation listed for meal delivery only, with no background check at all."""
    slug = make_provider("organisation", name="Spice Route Kitchen", services=["meal-delivery"])
    approve_checks(app, slug, kinds=MEALS_ONLY)
    return slug


@pytest.fixture
def agency(app, make_provider):
    slug = make_provider("organisation", name="Kirkstall Care", services=["personal-care"])
    approve_checks(app, slug, kinds=AGENCY)
    return slug


@pytest.fixture
def assistant(app, make_provider):
    slug = make_provider("pa", name="Ceri Morgan", services=["personal-care", "meal-delivery"])
    approve_checks(app, slug, kinds=PA_CHECKS)
    return slug


# The home page and how-it-works.


def test_the_home_page_no_longer_says_every_provider_had_a_background_check(client):
    page = text_of(client.get("/"))
    assert "Find care you can trust" in page  # the page this is about
    assert OVER_CLAIM not in page
    assert "background checks verified" not in page
    # What is true instead: identity always, each service's own checks, whose a background check is.
    assert "checked every listed provider's identity, and every check each service they are listed for needs" in page
    assert "but no background check, for meal delivery" in page
    assert "An organisation's is one person's check, not a check of each worker it sends" in page


@pytest.mark.parametrize(
    "app_config",
    [{"DBS_STATUS_CHECK_URL": "http://127.0.0.1:9", "DBS_STATUS_CHECK_DAYS": 17, "CQC_API_URL": "http://127.0.0.1:9"}],
)
def test_the_figures_for_how_often_checks_are_redone_come_from_the_settings(client):
    for url in ("/", "/how-it-works"):
        page = text_of(client.get(url))
        assert "A DBS certificate on the Update Service is status-checked every 17 days" in page, url
        assert "a CQC registration is read from the CQC's register every night" in page, url
    page = text_of(client.get("/how-it-works"))
    assert "as long as the registry's automatic status check, every 17 days, says there is no new information" in page
    assert "every 30 days" not in page


def test_with_status_checks_and_the_cqc_sync_off_no_page_says_they_run(client):
    home, explained = text_of(client.get("/")), text_of(client.get("/how-it-works"))
    for page in (home, explained):
        assert "status-checked every" not in page
        assert "every night" not in page
        # The positive control.
        assert "Each check counts only until its date runs out, and must then be shown again." in page
    assert "automatic DBS Update Service status checks are off on this registry" in explained


@pytest.mark.parametrize("app_config", [{"DBS_RECHECK_DAYS": 730, "CHECK_VALIDITY_DAYS": {"food_hygiene": 400}}])
def test_how_it_works_explains_every_kind_with_this_registry_s_validity(client):
    page = text_of(client.get("/how-it-works"))
    for kind in CheckKind:
        assert meaning_of(kind).means in page, kind
    assert "A certificate counts for 2 years from its issue date" in page
    assert "Counts for 400 days from the officer's approval" in page
    assert "Counts until the policy's end date" in page
    assert "one person's check (for example its registered manager's), not a check of each worker it sends" in page


def test_every_kind_of_check_says_what_it_is_about():
    # A kind added without saying what it is about is still read cautiously (see meaning_of), but should be told.
    assert set(CheckKind) <= set(KIND_MEANINGS)


# The profile, the search card and the API, per service.


def test_a_meal_delivery_provider_says_no_background_check_is_needed(app, client, meal_service):
    profile = text_of(client.get(f"/providers/{meal_service}"))
    assert "What was checked for each service" in profile
    assert "Food hygiene rating of 3 or more: rating 5." in profile
    assert "No background check or registration with a care regulator is needed for meal delivery." in profile
    assert "DBS" not in profile
    card = card_of(client, meal_service, "meal-delivery")
    assert (
        "Meal delivery: proof of identity, food hygiene rating of 3 or more (rating 5) and public liability insurance "
        "checked; no background check or registration with a care regulator is needed for meal delivery." in card
    )
    assert "DBS" not in card
    assert ORGANISATION_BACKGROUND_NOTE not in card and ORGANISATION_BACKGROUND_NOTE not in profile
    claims = client.get(f"/api/v1/providers/{meal_service}").get_json()["service_claims"]
    assert [(c["service"], c["not_needed"]) for c in claims] == [
        ("meal-delivery", ["background check", "registration with a care regulator"])
    ]
    assert [m["requirement"] for m in claims[0]["checked"]] == [
        "identity",
        "food_hygiene",
        "public_liability_insurance",
    ]
    results = client.get("/api/v1/search?postcode=LS6+2AA&service=meal-delivery").get_json()["results"]
    assert [r["service_claims"] for r in results] == [[{"service": "meal-delivery", "text": claims[0]["short"]}]]


def test_an_agency_s_dbs_check_reads_as_its_own_not_each_worker_s(app, client, agency):
    profile = text_of(client.get(f"/providers/{agency}"))
    assert (
        "Enhanced DBS with the adults' barred list (the organisation's own check: one person's, "
        "not a check of each worker who visits)." in profile
    )
    assert (
        "Ask Kirkstall Care how it checks the staff it sends, and whether the worker who will visit you has their "
        "own enhanced DBS with the adults' barred list, and ask to see it." in profile
    )
    assert "Kirkstall Care's own" not in profile
    # Beside the badges too, whatever service a family searched for.
    assert ORGANISATION_BACKGROUND_NOTE in profile
    card = card_of(client, agency, "personal-care")
    assert "enhanced DBS with the adults' barred list (the organisation's own, not each worker's)" in card
    assert "Enhanced DBS" in card and ORGANISATION_BACKGROUND_NOTE in card
    assert "no background check" not in card
    detail = client.get(f"/api/v1/providers/{agency}").get_json()
    (claim,) = detail["service_claims"]
    dbs = next(m for m in claim["checked"] if m["requirement"] == "dbs_enhanced_adults")
    assert dbs["whose"] == "the organisation's own check: one person's, not a check of each worker who visits"
    assert claim["ask"].startswith("Ask Kirkstall Care how it checks the staff it sends")
    assert claim["not_needed"] == []


def test_a_personal_assistant_s_dbs_check_reads_as_their_own(app, client, assistant):
    profile = text_of(client.get(f"/providers/{assistant}"))
    assert "Enhanced DBS with the adults' barred list (Ceri Morgan's own)." in profile
    assert "organisation's own" not in profile
    assert "A question to ask" not in profile
    card = card_of(client, assistant, "personal-care")
    assert (
        "Personal care: proof of identity, enhanced DBS with the adults' barred list (Ceri Morgan's own), right to work "
        "in the UK and public liability insurance checked." in card
    )
    assert "organisation" not in card and "Enhanced DBS" in card  # the badge, without the organisation's note
    # A PA is never told "no registration with a care regulator" (that is asked of organisations only).
    assert "No background check is needed for meal delivery." in profile
    assert "care regulator" not in profile


PERSONAL = "Personal care: proof of identity, enhanced DBS with the adults' barred list (Ceri Morgan's own)"
MEALS = "Meal delivery: proof of identity, food hygiene rating of 3 or more (rating 5)"


def test_the_words_change_when_a_check_lapses_with_no_job_run(app, client, make_provider, clock):
    slug = make_provider("pa", name="Ceri Morgan", services=["personal-care", "meal-delivery"])
    approve_checks(app, slug, kinds=("identity", "right_to_work", "insurance", "food_hygiene"))
    approve_checks(app, slug, kinds=("dbs",), days_valid=3)
    card = card_of(client, slug)
    assert PERSONAL in card and MEALS in card and "Enhanced DBS" in card  # positive control
    assert "Enhanced DBS with the adults' barred list (Ceri Morgan's own)." in text_of(client.get(f"/providers/{slug}"))
    clock.advance(days=4)  # the DBS approval ran out at midnight; no expiry job, no outbox row, no index write
    card = card_of(client, slug)
    assert MEALS in card and "no background check is needed for meal delivery" in card
    assert "Personal care" not in card and "DBS" not in card
    assert card_of(client, slug, "personal-care") == ""
    profile = text_of(client.get(f"/providers/{slug}"))
    assert "No background check is needed for meal delivery." in profile
    assert "Enhanced DBS with the adults' barred list (Ceri Morgan's own)." not in profile
    claims = client.get(f"/api/v1/providers/{slug}").get_json()["service_claims"]
    assert [c["service"] for c in claims] == ["meal-delivery"]


def test_a_check_corrected_in_the_database_takes_its_service_s_words_off_the_card(app, client, assistant):
    assert PERSONAL in card_of(client, assistant) and MEALS in card_of(client, assistant)  # positive control
    with app.app_context():  # a correction made in the database: the index does not hear of it
        provider_id = get_by_slug(assistant).id
        db.session.execute(
            update(Check)
            .where(Check.provider_id == provider_id, Check.kind == "dbs")
            .values(valid_until=today() - timedelta(days=1))
        )
        db.session.commit()
    card = card_of(client, assistant)
    assert MEALS in card
    assert PERSONAL not in card and "Personal care" not in card  # the database's confirmation of each hit drops it
    results = client.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]
    assert [(r["services"], [c["service"] for c in r["service_claims"]]) for r in results] == [
        (["meal-delivery"], ["meal-delivery"])
    ]
    profile = text_of(client.get(f"/providers/{assistant}"))
    assert "No background check is needed for meal delivery." in profile
    assert "(Ceri Morgan's own)." in profile and "Enhanced DBS with the adults' barred list (Ceri" not in profile


def test_a_suspended_provider_s_claims_are_gone_everywhere(app, client, assistant, make_user):
    from tests.searching.conftest import suspend

    assert "Ceri Morgan's own" in card_of(client, assistant)
    suspend(app, assistant)
    assert card_of(client, assistant) == ""
    assert client.get(f"/api/v1/providers/{assistant}").status_code == 404
    assert "Ceri Morgan's own" not in text_of(client.get(f"/providers/{assistant}"))


# Nothing claims more than the checks do: every service type, both kinds of provider, many sets of checks.


def _check(kind: str, valid_until: date, **details) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, details={**CHECK_DETAILS.get(kind, {}), **details}, valid_until=valid_until)


def _check_sets(day: date) -> list[list[SimpleNamespace]]:
    """Sets of current checks a provider might hold: every subset of the kinds services ask for, plus weaker
    and different versions (a basic DBS, children's barred list only, a food hygiene rating of 2)."""
    later = day + timedelta(days=30)
    kinds = ["identity", "dbs", "right_to_work", "insurance", "cqc", "food_hygiene", "qualification"]
    sets = [
        [_check(k, later) for k in chosen] for n in range(len(kinds) + 1) for chosen in itertools.combinations(kinds, n)
    ]
    every = [_check(k, later) for k in kinds]
    weaker = [
        _check("dbs", later, level="basic", barred_lists="none"),
        _check("dbs", later, barred_lists="children"),
        _check("food_hygiene", later, rating=2),
    ]
    sets += [[c for c in every if c.kind != w.kind] + [w] for w in weaker]
    return sets


def test_every_claim_names_only_checks_the_provider_holds(app):
    day = today()
    with app.app_context():
        service_types = db.session.scalars(select(ServiceType).order_by(ServiceType.position)).all()
        claims_made = 0
        for service, provider_kind in itertools.product(service_types, ProviderKind):
            codes = with_identity(service.requirements_for(provider_kind))
            for held in _check_sets(day):
                claim = claim_for("Pat Jones", provider_kind, service.slug, service.name, codes, held, nation="england")
                meets_all = all(any(satisfies(code, c.kind, c.details, "england") for c in held) for code in codes)
                assert (claim is not None) == meets_all, (service.slug, provider_kind, [c.kind for c in held])
                if claim is None:
                    continue
                claims_made += 1
                _assert_backed(claim, codes, held, provider_kind, service)
    assert claims_made > 200  # the sweep reached listed services of every kind, not only refusals


def _assert_backed(claim, codes, held, provider_kind, service) -> None:
    where = (service.slug, provider_kind, sorted(c.kind for c in held))
    # Each requirement named is one of the service's, met by a check the provider holds, in the service's order.
    assert [m.code for m in claim.met] == list(codes), where
    for met in claim.met:
        assert met.check in held and satisfies(met.code, met.check.kind, met.check.details, "england"), where
    # Words name a kind of check only when one of that kind is among those the claim relies on.
    relied_on = {m.check.kind for m in claim.met}
    words = " ".join([claim.short, claim.text]).lower()
    for kind, marker in (("dbs", "dbs"), ("cqc", "cqc"), ("food_hygiene", "food hygiene"), ("qualification", "qualif")):
        if kind not in relied_on:
            assert marker not in words, (where, kind, words)
    # "No background check is needed" only where the service asks for none.
    needs_background = any(meaning_of(REQUIREMENTS[c].criterion("england").kind).background is not False for c in codes)
    assert ("no background check" in words) == (not needs_background), where
    if needs_background:
        for met in claim.met:
            if met.background:
                # Whose: a PA's own; an organisation's own and never each worker's.
                if provider_kind == ProviderKind.PA:
                    assert met.whose == "Pat Jones's own", where
                else:
                    assert "not a check of each worker" in met.whose, where
        assert (claim.ask is not None) == (provider_kind == ProviderKind.ORGANISATION), where
    assert "every worker" not in words and "all staff" not in words, where


def test_a_kind_the_claims_do_not_know_is_never_read_as_no_background_check(monkeypatch):
    """A requirement whose kind has no meaning yet (say another nation's scheme) keeps "no background check" off."""
    from registry.checks import kinds

    scheme = kinds.Requirement(
        "some_new_scheme",
        "Membership of a new scheme",
        ((kinds.EVERY_NATION, kinds.Criterion("new_scheme", "Membership of a new scheme")),),
    )
    monkeypatch.setitem(kinds.REQUIREMENTS, "some_new_scheme", scheme)
    held = [_check("identity", date.max), SimpleNamespace(kind="new_scheme", details={}, valid_until=date.max)]
    pa = claim_for("Pat Jones", "pa", "x", "Companionship", ["identity", "some_new_scheme"], held, nation="england")
    assert "no background check" not in pa.short.lower()
    assert pa.met[1].whose == "Pat Jones's own"
    organisation = claim_for(
        "Kind Hands", "organisation", "x", "Companionship", ["identity", "some_new_scheme"], held, nation="england"
    )
    assert "not a check of each worker" in organisation.met[1].whose
    assert "no background check" not in organisation.text.lower() and organisation.ask is not None
    # The positive control: without it the same service says a background check is not needed.
    assert (
        "no background check"
        in claim_for("Pat Jones", "pa", "x", "Companionship", ["identity"], held, nation="england").short
    )
