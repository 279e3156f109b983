import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.providers.models import Provider
from registry.searching.outbox import enqueue_reindex


def set_listing(app, slug: str, services: list[str] | None = None, status: str = "listed") -> None:
    """Mark a provider listed for ``services`` (all it offers by default), as the checks rules would."""
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.slug == slug))
        for row in provider.services:
            row.listed = status == "listed" and (services is None or row.service_type.slug in services)
        provider.status = status
        enqueue_reindex(provider.id)
        db.session.commit()


@pytest.fixture
def listed_provider(app, make_provider):
    """Create a provider and list it; returns the slug."""

    def _make(services=("personal-care", "companionship"), **profile):
        slug = make_provider(services=list(services), **profile)
        set_listing(app, slug)
        return slug

    return _make
