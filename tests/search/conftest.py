"""Fixtures for the search library: documents over real districts, an index in tmp_path."""

from __future__ import annotations

import dataclasses

import pytest

from searchindex import ProviderDocument, SearchIndex, SearchQuery
from searchindex.geo import locate

SERVICE_NAMES = {
    "home-care": "Home care",
    "personal-care": "Personal care",
    "meals": "Hot meals",
    "companionship": "Companionship",
    "nursing": "Nursing",
}


def make_doc(id: int, outcode: str = "LS1", **changes) -> ProviderDocument:
    """A listed provider in ``outcode``; keyword arguments override any field."""
    place = locate(outcode)
    services = changes.pop("listed_services", ("home-care",))
    values = dict(
        id=id,
        slug=f"provider-{id}",
        name=f"Provider {id}",
        kind="pa",
        about="Experienced and friendly.",
        outcode=place.outcode,
        latitude=place.latitude,
        longitude=place.longitude,
        travel_radius_miles=10.0,
        listed_services=tuple(services),
        service_names=tuple(SERVICE_NAMES.get(s, s.replace("-", " ").title()) for s in services),
        rate_min_pence=1800,
        rate_max_pence=2200,
        rating_score=8.0,
        review_count=4,
        languages=("en",),
        availability=0,
        gender="female",
        badges=(),
    )
    values.update(changes)
    return ProviderDocument(**values)


def query_at(outcode: str = "LS1", **changes) -> SearchQuery:
    place = locate(outcode)
    return SearchQuery(latitude=place.latitude, longitude=place.longitude, **changes)


def replace(doc: ProviderDocument, **changes) -> ProviderDocument:
    return dataclasses.replace(doc, **changes)


def ids(result) -> list[int]:
    return [hit.id for hit in result.hits]


@pytest.fixture
def index(tmp_path):
    ix = SearchIndex(tmp_path / "index", lock_timeout=0.5)
    yield ix
    ix.close()
