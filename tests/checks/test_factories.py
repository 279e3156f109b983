"""The factories prove themselves: each provider trait gives the listing state it names, by the app's own rule.

``listed`` is asked of ``registry.checks.listing`` twice, as the app asks it: the stored result
(``recompute_listing``, read back from the database) and the rule asked again at read time
(``is_listed_now`` and the SQL clause every search and feed uses).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.checks.kinds import CheckKind, CheckStatus
from registry.checks.listing import is_listed_now, listed_now_among, recompute_listing, requirement_states
from registry.extensions import db
from registry.models import today
from registry.providers.models import Provider
from registry.providers.vocabulary import ProfileStatus
from registry.reviews.models import ReviewStatus
from registry.safeguarding.models import Concern
from tests.factories import (
    CaredForPersonFactory,
    CheckFactory,
    ConcernFactory,
    EngagementFactory,
    OfficerFactory,
    ProviderFactory,
    ReviewFactory,
    SuspensionFactory,
    UserFactory,
    needed_kinds,
)


def reloaded(provider_id: int) -> Provider:
    """The provider as a new request would read it: committed, then loaded afresh."""
    db.session.commit()
    db.session.expunge_all()
    return db.session.get(Provider, provider_id)


def listing(provider: Provider) -> tuple[bool, bool, bool]:
    """(listed now by the rule, listed by the SQL clause, unchanged by recomputing the stored result)."""
    now = today()
    return (
        is_listed_now(provider, now),
        provider.id in listed_now_among([provider.id], now),
        not recompute_listing(provider, now),
    )


# (trait, nation's postcode, kind of provider) -> listed?
STATES = [
    ("listed", True),
    ("lapsing", True),
    ("lapsed", False),
    ("suspended", False),
    ("closed", False),
    ("pending_check", False),
]


@pytest.mark.parametrize("trait, listed", STATES)
@pytest.mark.parametrize("kind", ["pa", "organisation"])
def test_each_trait_gives_the_listing_state_it_names(ctx, trait, listed, kind):
    made = ProviderFactory(**{trait: True}, kind=kind, services=["personal-care", "companionship", "nursing"])
    provider = reloaded(made.id)

    assert listing(provider) == (listed, listed, True)
    assert provider.status == {
        "listed": ProfileStatus.LISTED,
        "lapsing": ProfileStatus.LISTED,
        "suspended": ProfileStatus.SUSPENDED,
    }.get(trait, ProfileStatus.SUBMITTED)
    assert all(row.listed is listed for row in provider.services)


@pytest.mark.parametrize(
    "postcode, background_check, regulator",
    [
        ("LS6 2AA", CheckKind.DBS, CheckKind.CQC),
        ("CF10 1AA", CheckKind.DBS, CheckKind.CIW),
        ("EH1 1AA", CheckKind.PVG, CheckKind.CARE_INSPECTORATE),
        ("BT1 1AA", CheckKind.ACCESSNI, CheckKind.RQIA),
    ],
)
def test_listed_means_the_checks_of_the_providers_own_nation(ctx, postcode, background_check, regulator):
    made = ProviderFactory(listed=True, organisation=True, base_postcode=postcode, services=["personal-care"])
    provider = reloaded(made.id)

    assert listing(provider) == (True, True, True)
    kinds = {check.kind for check in provider.checks}
    assert {CheckKind.IDENTITY, background_check, regulator} <= kinds
    assert not kinds & ({CheckKind.DBS, CheckKind.PVG, CheckKind.ACCESSNI} - {background_check})


def test_lapsing_is_what_the_dashboard_calls_lapsing(app, ctx):
    provider = reloaded(ProviderFactory(lapsing=True, services=["companionship"]).id)
    row = provider.services[0]

    states = requirement_states(provider, row.service_type, today(), app.config["CHECK_REMINDER_DAYS"])

    assert {state.code: state.state for state in states} == {
        "identity": "lapsing",
        "dbs_enhanced_adults": "approved",
        "right_to_work": "approved",
        "public_liability_insurance": "approved",
    }


def test_a_draft_and_a_pending_check_are_not_listed(ctx):
    draft = reloaded(ProviderFactory(draft=True).id)
    assert draft.status == ProfileStatus.DRAFT and listing(draft) == (False, False, True)
    assert draft.services == [] and draft.languages == [] and draft.base_postcode is None

    waiting = reloaded(ProviderFactory(pending_check=True).id)
    assert waiting.checks and all(check.status == CheckStatus.PENDING for check in waiting.checks)


def test_a_single_check_relists_its_provider(ctx):
    provider = ProviderFactory(services=["companionship"])
    for kind in needed_kinds(provider):
        if kind != CheckKind.IDENTITY:
            CheckFactory(provider=provider, kind=kind)
    assert not is_listed_now(provider, today())

    CheckFactory(provider=provider, kind=CheckKind.IDENTITY)

    assert listing(reloaded(provider.id)) == (True, True, True)


def test_a_suspension_comes_from_an_officer_and_delists(ctx):
    officer = OfficerFactory()
    suspension = SuspensionFactory(suspended_by=officer)

    assert suspension.suspended_by_id == officer.id and suspension.ended_at is None
    assert listing(reloaded(suspension.provider_id)) == (False, False, True)


def test_review_traits(ctx):
    published = ReviewFactory()
    assert published.status == ReviewStatus.PUBLISHED
    assert published.author_id == published.engagement.recipient_id

    held = ReviewFactory(held=True)
    # The app opens a concern for every held review.
    assert db.session.scalar(select(Concern.review_id).where(Concern.review_id == held.id)) == held.id

    flagged = ReviewFactory(flagged=True)
    assert flagged.status == ReviewStatus.FLAGGED and flagged.flag_reasons


def test_the_other_factories_make_rows_the_app_reads(ctx):
    engagement = EngagementFactory()
    assert engagement.enquiry.status == "started" and engagement.enquiry.messages
    assert is_listed_now(engagement.provider, today())

    person = CaredForPersonFactory()
    assert [t.slug for t in person.needs] == ["personal-care", "companionship"]

    concern = ConcernFactory()
    assert concern.status == "open" and concern.raised_by.role == "recipient"

    for role in ("recipient", "provider", "officer", "admin", "commissioner"):
        assert UserFactory(role=role).role == role
