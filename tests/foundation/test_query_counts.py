"""Pages people open often run a bounded number of queries, whatever the rows on them.

Each test fills a list with 3 rows, then with 30, and asserts the page's
query count is the same both times (an N+1 shows up as a count that grows),
and under a small ceiling. Each time it also checks the rows it added are on
the page it counted (a page that failed to list them would run few queries too).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.composed.provider import REVIEWS_PER_PAGE as PROFILE_REVIEWS
from registry.extensions import db
from registry.models import utcnow
from registry.paging import PER_PAGE
from tests.conftest import approve_checks, signed_in

SIZES = (3, 30)


def queries_for(client, count_queries, url, markers: list[str], per_page: int | None = None) -> int:
    """The queries ``url`` runs; the page must show every one of ``markers`` (the rows added so far), or the
    first ``per_page`` of them when the list is paged."""
    client.get(url)  # warm: per-process caches, first-request work
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    shown = [marker for marker in markers if marker in body]
    assert len(shown) == min(len(markers), per_page or len(markers)), (url, len(shown), len(markers))
    return len(statements)


def _names(prefix: str, start: int, n: int) -> list[str]:
    """Distinct names, none a part of another (fixed width)."""
    return [f"{prefix} {i:03d}" for i in range(start, start + n)]


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


def add_enquiries(app, world, n, make_provider, start=0):
    from registry.providers.models import ServiceType
    from registry.reviews.models import Enquiry

    names = _names("Other", start, n)
    slugs = [make_provider(name=name) for name in names]
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
    return names


def add_pending_checks(app, n, make_provider, start=0):
    from registry.checks.models import Check

    names = _names("Waiting", start, n)
    slugs = [make_provider(name=name) for name in names]
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
    return names


def add_concerns(app, n, make_provider, start=0):
    from registry.safeguarding.models import Concern

    names = _names("Worry", start, n)
    slugs = [make_provider(name=name) for name in names]
    with app.app_context():
        for provider_id in _ids(app, slugs):
            db.session.add(Concern(provider_id=provider_id, body="Left the door open."))
        db.session.commit()
    return names


def add_audit_events(app, world, n, start=0):
    from registry import audit
    from registry.accounts.models import User

    names = _names("viewing", start, n)
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == world["officer"]))
        for name in names:
            audit.record(
                "document.viewed", officer, actor_id=officer.id, provider_id=world["provider_id"], details={"n": name}
            )
        db.session.commit()
    return names


def add_reviews(app, world, n, make_user, start=0):
    from registry.providers.models import Provider
    from registry.reviews.models import Engagement, Review
    from registry.reviews.scoring import recompute_rating

    authors = [_user_id(app, make_user("recipient")) for _ in range(n)]
    with app.app_context():
        for i, author in enumerate(authors, start):
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
                    title=f"Kind and on time {i:03d}",
                    body="Always arrives on time and listens.",
                )
            )
        db.session.flush()
        recompute_rating(db.session.get(Provider, world["provider_id"]))
        db.session.commit()
    return [f"Kind and on time {i:03d}" for i in range(start, start + n)]


def _bounded(counts: list[int], ceiling: int) -> None:
    assert counts[0] == counts[1], f"queries grew with the rows: {counts}"
    assert counts[1] <= ceiling, counts


def _grow(add, url, client, count_queries, per_page=None) -> list[int]:
    """The page's query count with SIZES[0] rows, then SIZES[1]; each time the rows added are on the page."""
    counts, markers = [], []
    for n in SIZES:
        markers += add(n - len(markers), len(markers))
        assert len(markers) == n
        counts.append(queries_for(client, count_queries, url, markers, per_page))
    return counts


def test_the_officer_queue(app, world, count_queries, make_provider):
    client = signed_in(app, world["officer"])
    counts = _grow(
        lambda n, start: add_pending_checks(app, n, make_provider, start),
        "/officer/queue",
        client,
        count_queries,
        PER_PAGE,
    )
    _bounded(counts, 6)


def test_the_concern_queue(app, world, count_queries, make_provider):
    client = signed_in(app, world["officer"])
    counts = _grow(
        lambda n, start: add_concerns(app, n, make_provider, start),
        "/officer/concerns",
        client,
        count_queries,
        PER_PAGE,
    )
    _bounded(counts, 10)  # three paged lists (concerns, reported reviews, reviews held as possibly the provider's own)


def test_the_audit_log(app, world, count_queries):
    client = signed_in(app, world["officer"])
    counts = _grow(lambda n, start: add_audit_events(app, world, n, start), "/officer/audit", client, count_queries)
    _bounded(counts, 6)


def test_the_recipients_enquiries(app, world, count_queries, make_provider):
    client = signed_in(app, world["recipient"])
    counts = _grow(
        lambda n, start: add_enquiries(app, world, n, make_provider, start),
        "/enquiries",
        client,
        count_queries,
        PER_PAGE,
    )
    _bounded(counts, 6)


def test_the_public_profile(app, world, count_queries, make_user):
    client = app.test_client()
    counts = _grow(
        lambda n, start: add_reviews(app, world, n, make_user, start),
        f"/providers/{world['slug']}",
        client,
        count_queries,
        PROFILE_REVIEWS,
    )
    # Provider with its account, services and languages; checks; the services' requirements (the listing
    # rule is asked at read time); rating; reviews; council lists; the CQC location the nightly sync read;
    # visits kept and reply time (one grouped query each, whatever the history).
    _bounded(counts, 9)


def test_the_provider_dashboard(app, world, count_queries):
    from registry.checks.models import Check

    def add_old_checks(n, start):
        """Old decisions pile up on a long-registered provider."""
        names = _names("Superseded because", start, n)
        with app.app_context():
            for name in names:
                db.session.add(
                    Check(
                        provider_id=world["provider_id"],
                        kind="first_aid",
                        status="rejected",
                        decision_reason=name,
                        details={},
                    )
                )
            db.session.commit()
        return names

    client = signed_in(app, "asha@example.com")
    counts = _grow(add_old_checks, "/dashboard", client, count_queries)
    _bounded(counts, 12)
