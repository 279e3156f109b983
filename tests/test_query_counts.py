"""Pages people open often run a bounded number of queries, whatever the rows on them.

Each test fills a list with 3 rows, then with 30, and asserts the page's
query count is the same both times (an N+1 shows up as a count that grows),
and under a small ceiling.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import utcnow
from tests.conftest import approve_checks, signed_in

SIZES = (3, 30)


def queries_for(client, count_queries, url) -> int:
    client.get(url)  # warm: per-process caches, first-request work
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(statements)


def _ids(app, slugs):
    from registry.providers.services import get_by_slug

    with app.app_context():
        return [get_by_slug(s).id for s in slugs]


@pytest.fixture
def world(app, make_provider, make_user):
    """A provider, a recipient and an officer; rows are added per test."""
    slug = make_provider(name="Asha Care", email="asha@example.com")
    approve_checks(app, slug)
    recipient = make_user("recipient", email="rita@example.com", name="Rita")
    officer = make_user("officer", email="olu@example.com", name="Olu")
    return {"slug": slug, "provider_id": _ids(app, [slug])[0], "recipient": recipient, "officer": officer}


def _user_id(app, email):
    from registry.accounts.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def add_enquiries(app, world, n, make_provider):
    from registry.providers.models import ServiceType
    from registry.reviews.models import Enquiry

    slugs = [make_provider(name=f"Other {len(world)}-{i}") for i in range(n)]
    recipient_id = _user_id(app, world["recipient"])
    with app.app_context():
        service_id = db.session.scalar(select(ServiceType.id).where(ServiceType.slug == "personal-care"))
        for provider_id in _ids(app, slugs):
            db.session.add(
                Enquiry(
                    recipient_id=recipient_id,
                    provider_id=provider_id,
                    service_type_id=service_id,
                    when_needed="Mornings",
                )
            )
        db.session.commit()


def add_pending_checks(app, n, make_provider):
    from registry.checks.models import Check

    slugs = [make_provider(name=f"Waiting {i}") for i in range(n)]
    with app.app_context():
        for provider_id in _ids(app, slugs):
            db.session.add(
                Check(
                    provider_id=provider_id,
                    kind="identity",
                    details={"document_type": "passport"},
                    submitted_at=utcnow(),
                )
            )
        db.session.commit()


def add_concerns(app, n, make_provider):
    from registry.safeguarding.models import Concern

    slugs = [make_provider(name=f"Worry {i}") for i in range(n)]
    with app.app_context():
        for provider_id in _ids(app, slugs):
            db.session.add(Concern(provider_id=provider_id, body="Left the door open."))
        db.session.commit()


def add_audit_events(app, world, n):
    from registry import audit
    from registry.accounts.models import User

    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == world["officer"]))
        for _ in range(n):
            audit.record("document.viewed", officer, actor_id=officer.id, provider_id=world["provider_id"])
        db.session.commit()


def add_reviews(app, world, n, make_user):
    from registry.providers.models import Provider
    from registry.reviews.models import Engagement, Review
    from registry.reviews.scoring import recompute_rating

    authors = [_user_id(app, make_user("recipient")) for _ in range(n)]
    with app.app_context():
        for i, author in enumerate(authors):
            engagement = Engagement(recipient_id=author, provider_id=world["provider_id"])
            db.session.add(engagement)
            db.session.flush()
            db.session.add(
                Review(
                    engagement_id=engagement.id,
                    provider_id=world["provider_id"],
                    author_id=author,
                    reliability=5,
                    quality=5,
                    kindness=5,
                    communication=4,
                    value=4,
                    title=f"Kind and on time {i}",
                    body="Always arrives on time and listens.",
                )
            )
        db.session.flush()
        recompute_rating(db.session.get(Provider, world["provider_id"]))
        db.session.commit()


def _bounded(counts: list[int], ceiling: int) -> None:
    assert counts[0] == counts[1], f"queries grew with the rows: {counts}"
    assert counts[1] <= ceiling, counts


def test_the_officer_queue(app, world, count_queries, make_provider):
    client = signed_in(app, world["officer"])
    counts = []
    for n in SIZES:
        add_pending_checks(app, n - (counts and SIZES[0] or 0), make_provider)
        counts.append(queries_for(client, count_queries, "/officer/queue"))
    _bounded(counts, 6)


def test_the_concern_queue(app, world, count_queries, make_provider):
    client = signed_in(app, world["officer"])
    counts = []
    for n in SIZES:
        add_concerns(app, n - (counts and SIZES[0] or 0), make_provider)
        counts.append(queries_for(client, count_queries, "/officer/concerns"))
    _bounded(counts, 10)  # three paged lists (concerns, reported reviews, reviews held as possibly the provider's own)


def test_the_audit_log(app, world, count_queries):
    client = signed_in(app, world["officer"])
    counts = []
    for n in SIZES:
        add_audit_events(app, world, n - (counts and SIZES[0] or 0))
        counts.append(queries_for(client, count_queries, "/officer/audit"))
    _bounded(counts, 6)


def test_the_recipients_enquiries(app, world, count_queries, make_provider):
    client = signed_in(app, world["recipient"])
    counts = []
    for n in SIZES:
        add_enquiries(app, world, n - (counts and SIZES[0] or 0), make_provider)
        counts.append(queries_for(client, count_queries, "/enquiries"))
    _bounded(counts, 6)


def test_the_public_profile(app, world, count_queries, make_user):
    client = app.test_client()
    counts = []
    for n in SIZES:
        add_reviews(app, world, n - (counts and SIZES[0] or 0), make_user)
        counts.append(queries_for(client, count_queries, f"/providers/{world['slug']}"))
    # Provider with its account, services and languages; checks; the services' requirements (the listing
    # rule is asked at read time); rating; reviews; council lists; the CQC location the nightly sync read.
    _bounded(counts, 7)


def test_the_provider_dashboard(app, world, count_queries):
    from registry.checks.models import Check

    client = signed_in(app, "asha@example.com")
    counts = []
    for n in SIZES:
        with app.app_context():  # old decisions pile up on a long-registered provider
            for _ in range(n - (counts and SIZES[0] or 0)):
                db.session.add(
                    Check(provider_id=world["provider_id"], kind="first_aid", status="superseded", details={})
                )
            db.session.commit()
        counts.append(queries_for(client, count_queries, "/dashboard"))
    _bounded(counts, 12)
