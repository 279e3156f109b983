import pytest

from registry.checks.listing import recompute_listing
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.services import get_by_slug
from tests.conftest import approve_checks


def suspend(app, slug: str) -> None:
    with app.app_context():
        provider = get_by_slug(slug)
        provider.suspended_at, provider.suspension_reason = utcnow(), "test"
        recompute_listing(provider, today())
        db.session.commit()


def lapse_all_checks(app, slug: str) -> None:
    with app.app_context():
        provider = get_by_slug(slug)
        for check in provider.checks:
            check.status = "lapsed"
        recompute_listing(provider, today())
        db.session.commit()


@pytest.fixture
def listed_provider(app, make_provider):
    """Create a provider with every check approved, so it is listed for all it offers."""

    def _make(services=("personal-care", "companionship"), **profile):
        slug = make_provider(services=list(services), **profile)
        approve_checks(app, slug)
        return slug

    return _make
