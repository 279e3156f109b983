"""The search documents built in bulk from rows are the ones the models describe, provider by provider."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.checks.badges import search_badge_codes
from registry.checks.claims import service_claims
from registry.checks.listing import listed_until, recompute_listing
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import Provider
from registry.providers.services import get_by_slug
from registry.providers.vocabulary import LANGUAGES, ProfileStatus
from registry.reviews.models import ProviderRating
from registry.searching.documents import provider_documents
from registry.searching.services import rebuild, search_index
from searchindex import ProviderDocument
from searchindex.geo import outcode_centroids
from tests.conftest import CHECK_DETAILS, approve_checks


def document_from_models(provider: Provider) -> ProviderDocument | None:
    """The document as the models and their rules describe it (how the index was built before bulk reads)."""
    day = today()
    rating = db.session.get(ProviderRating, provider.id)
    listed = sorted((row.service_type for row in provider.services if row.listed), key=lambda t: (t.position, t.id))
    if provider.status != ProfileStatus.LISTED or not listed or not provider.outcode:
        return None
    ends = {t.slug: listed_until(provider, t, day) for t in listed}
    listed = [t for t in listed if ends[t.slug] is not None]
    if not listed:
        return None
    badges = search_badge_codes(provider, day)
    latitude, longitude = outcode_centroids()[provider.outcode]
    return ProviderDocument(
        id=provider.id,
        slug=provider.slug,
        name=provider.display_name,
        kind=provider.kind,
        about=provider.about,
        outcode=provider.outcode,
        latitude=latitude,
        longitude=longitude,
        travel_radius_miles=float(provider.travel_radius_miles or 0),
        listed_services=tuple(t.slug for t in listed),
        service_names=tuple(t.name for t in listed),
        language_names=tuple(LANGUAGES.get(code, code) for code in provider.languages),
        rate_min_pence=provider.rate_min_pence,
        rate_max_pence=provider.rate_max_pence,
        rating_score=rating.score if rating else None,
        review_count=rating.review_count if rating else 0,
        languages=tuple(provider.languages),
        availability=provider.availability,
        gender=provider.gender if provider.is_pa else None,
        badges=tuple(badges),
        listed_until=tuple(ends[t.slug] for t in listed),
        badges_until=tuple(badges.values()),
        # What was checked per listed service, from the models (the bulk rows must say the same words).
        service_claims=tuple(claim.short for claim in service_claims(provider, day, listed)),
    )


def add_check(slug: str, kind: str, days: int, status: str = "approved", method: str = "in_person", **details) -> None:
    provider = get_by_slug(slug)
    provider.checks.append(
        Check(
            kind=kind,
            status=status,
            details={**CHECK_DETAILS[kind], **details},
            decided_at=utcnow(),
            verification_method=method,
            valid_until=today() + timedelta(days=days),
        )
    )
    db.session.flush()
    recompute_listing(provider, today())
    db.session.commit()


def varied_providers(app, make_provider) -> list[str]:
    """Providers in every state a document depends on."""
    slugs = {}
    slugs["all"] = make_provider(
        services=["personal-care", "companionship", "meal-preparation"], languages=["en", "ur", "bsl"], gender="female"
    )
    approve_checks(app, slugs["all"])
    slugs["organisation"] = make_provider(
        kind="organisation",
        services=["personal-care", "help-at-home"],
        base_postcode="M1 1AE",
        rate_min_pence=2600,
        rate_max_pence=None,
    )
    approve_checks(app, slugs["organisation"], verification_method="update_service")
    slugs["uneven"] = make_provider(
        services=["personal-care", "cleaning", "support-for-children"], travel_radius_miles=3
    )
    approve_checks(app, slugs["uneven"], kinds=("identity", "right_to_work", "insurance"), days_valid=400)
    slugs["pending"] = make_provider()
    slugs["draft"] = make_provider(complete=False)
    slugs["suspended"] = make_provider()
    approve_checks(app, slugs["suspended"])
    slugs["lapsing"] = make_provider(services=["companionship"], languages=["pl"])
    approve_checks(app, slugs["lapsing"])
    slugs["rated"] = make_provider(services=["companionship", "personal-care"])
    approve_checks(app, slugs["rated"])
    with app.app_context():
        # Two DBS checks: the basic one lasts longer, the newer enhanced one (children only) gives the badge.
        add_check(slugs["uneven"], "dbs", 90, level="basic", barred_lists="none")
        add_check(slugs["uneven"], "dbs", 20, level="enhanced", barred_lists="children")
        add_check(slugs["uneven"], "food_hygiene", 50, rating=3)
        add_check(slugs["uneven"], "first_aid", 10, status="rejected")
        add_check(slugs["all"], "dbs", 10, method="update_service")
        provider = get_by_slug(slugs["suspended"])
        provider.suspended_at, provider.suspension_reason = utcnow(), "test"
        recompute_listing(provider, today())
        # Lapsed since the last expiry run: still marked listed, but no longer current.
        provider = get_by_slug(slugs["lapsing"])
        for check in provider.checks:
            check.valid_until = today() - timedelta(days=1)
        db.session.add(
            ProviderRating(provider_id=get_by_slug(slugs["rated"]).id, score=8.4, review_count=12, dimensions={})
        )
        db.session.commit()
    return list(slugs.values())


def test_documents_read_in_bulk_match_the_models_for_every_kind_of_provider(app, make_provider):
    slugs = varied_providers(app, make_provider)
    with app.app_context():
        ids = [get_by_slug(slug).id for slug in slugs]
        expected = {pid: document_from_models(db.session.get(Provider, pid)) for pid in ids}
        db.session.rollback()
        assert dict(provider_documents(db.session, ids)) == expected
        # The rebuild reads every listed provider: the same documents, none for the others.
        everyone = {pid: doc for pid, doc in provider_documents(db.session) if doc is not None}
        assert everyone == {pid: doc for pid, doc in expected.items() if doc is not None}
    # The cases above really differ: some are searchable, some are not, and one lost a service to a lapse.
    searchable = {pid for pid, doc in expected.items() if doc is not None}
    assert 3 <= len(searchable) < len(ids)
    uneven = expected[ids[2]]
    assert uneven.listed_services == ("cleaning", "support-for-children")
    assert uneven.listed_until == (today() + timedelta(days=90), today() + timedelta(days=20))
    assert dict(zip(uneven.badges, uneven.badges_until))["enhanced-dbs"] == today() + timedelta(days=20)


@pytest.mark.parametrize("procs", [1, 2])  # 2: each half of the providers read and indexed by its own process
def test_a_rebuild_indexes_every_listed_provider_and_reports_progress(app, make_provider, procs):
    slugs = varied_providers(app, make_provider)
    seen = []
    with app.app_context():
        count = rebuild(db.session, search_index(), procs=procs, progress=seen.append)
        listed = db.session.query(Provider).filter_by(status=ProfileStatus.LISTED).count()
        searchable = {get_by_slug(s).id for s in slugs if document_from_models(get_by_slug(s))}
        assert search_index().ids() == searchable
    assert count == len(searchable) < listed  # one listed provider's checks lapsed: read, not indexed
    assert sum(seen) == count
