"""The HTTP bench's distinct searches: none repeats, and the app answers every one (issue 25)."""

from __future__ import annotations

import pytest

from bench.http_load import QuerySpace, feed_paths, query_space
from bench.search_bench import SERVICES
from registry.extensions import db
from registry.providers.models import ServiceType
from searchindex.geo import outcode_centroids


@pytest.fixture(scope="module")
def space():
    return QuerySpace(tuple(sorted(outcode_centroids())))


def test_a_hundred_thousand_draws_are_a_hundred_thousand_queries(space):
    # From where each of the bench's four runs starts, so its ranges are covered too.
    span = space.size // 4
    draws = [k for start in range(0, 4 * span, span) for k in range(start, start + 25_000)]
    assert len({space.query(k) for k in draws}) == 100_000


def test_each_run_has_room_for_the_longest_run(space):
    # 120 s (the cap) at 5,000 req/s in each of the four runs, even with providers in only 100 districts.
    few = sorted(outcode_centroids())[:100]
    assert QuerySpace(tuple(few)).size // 4 < 120 * 5_000
    assert query_space(few, 120).size // 4 >= 120 * 5_000
    # With enough districts for the run, the bench searches only where providers are based.
    assert query_space(few, 1).outcodes == tuple(few)
    with pytest.raises(ValueError):
        space.query(space.size)


@pytest.fixture
def bench_services(app):
    """The bench's services, as it adds them to the taxonomy before loading its providers."""
    with app.app_context():
        known = set(db.session.scalars(db.select(ServiceType.slug)))
        for slug, name in SERVICES:
            if slug not in known:
                db.session.add(ServiceType(slug=slug, name=name, description=name, position=100))
        db.session.commit()


def test_every_search_the_bench_sends_is_answered(client, space, bench_services):
    step = space.size // 150
    for k in range(0, space.size, step):
        for path in ("/api/v1/search", "/search"):
            response = client.get(f"{path}?{space.query(k)}")
            assert response.status_code == 200, (path, space.query(k))
    # The same query with a radius the form refuses is a 400, so the 200s above are the queries' own.
    assert client.get(f"/api/v1/search?{space.query(0)}".replace("radius=", "radius=-")).status_code == 400


def test_every_feed_query_the_bench_sends_is_answered(client):
    paths = feed_paths("/openreferral/services", sorted(outcode_centroids()))
    for path in paths[:: len(paths) // 40]:
        assert client.get(path).status_code == 200, path
    assert client.get(paths[0].replace("proximity=", "proximity=-")).status_code == 400
