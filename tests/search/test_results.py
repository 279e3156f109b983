"""Pages, facets, sort orders and filters as the results page shows them."""

from __future__ import annotations

import pytest

from tests.search.conftest import ids, make_doc, query_at

# LS1 centre; LS2 0.4 mi, LS6 1.7 mi, BD1 8.3 mi away.


@pytest.fixture
def shop(index):
    index.rebuild(
        [
            make_doc(
                1,
                "LS6",
                kind="organisation",
                gender=None,
                rating_score=9.5,
                review_count=40,
                rate_min_pence=2500,
                badges=("enhanced-dbs", "insurance", "cqc-registered"),
                listed_services=("home-care", "personal-care"),
            ),
            make_doc(2, "LS2", rating_score=None, review_count=0, rate_min_pence=1500, listed_services=("home-care",)),
            make_doc(
                3,
                "LS1",
                rating_score=7.0,
                review_count=2,
                rate_min_pence=None,
                listed_services=("meals",),
                kind="organisation",
                gender=None,
            ),
            make_doc(
                4, "BD1", rating_score=9.0, review_count=1, rate_min_pence=1500, listed_services=("home-care", "meals")
            ),
            make_doc(5, "M1", listed_services=("home-care",)),  # Manchester: out of range
        ]
    )
    return index


def test_each_sort_order(shop):
    assert ids(shop.search(query_at(sort="distance"))) == [3, 2, 1, 4]
    assert ids(shop.search(query_at(sort="rating"))) == [1, 4, 3, 2]  # unrated last
    # Price by minimum rate; 2 and 4 tie at £15, the nearer first; unpriced last.
    assert ids(shop.search(query_at(sort="price"))) == [2, 4, 1, 3]


def test_best_match_prefers_verified_well_reviewed_providers(shop):
    best = shop.search(query_at())  # "best" is the default
    assert ids(best)[0] == 1  # three badges and 9.5 from 40 reviews beats being 1.7 miles closer
    scores = [h.score for h in best.hits]
    assert scores == sorted(scores, reverse=True)
    # One glowing review does not beat nothing by much: 4 (9.0 from 1 review, 8 miles)
    # ranks below 2 (unrated, next door).
    assert ids(best).index(2) < ids(best).index(4)


def test_facets_count_the_whole_result_set(shop):
    result = shop.search(query_at(per_page=1))
    assert result.total == 4 and len(result.hits) == 1 and result.pages == 4
    assert result.facets == {
        "services": {"home-care": 3, "personal-care": 1, "meals": 2},
        "kinds": {"organisation": 2, "pa": 2},
    }
    narrowed = shop.search(query_at(services=("home-care",)))
    assert narrowed.facets == {
        "services": {"home-care": 3, "personal-care": 1, "meals": 1},
        "kinds": {"organisation": 1, "pa": 2},
    }


def test_pages_and_a_page_past_the_end(shop):
    pages = [ids(shop.search(query_at(sort="distance", per_page=3, page=n))) for n in (1, 2)]
    assert pages == [[3, 2, 1], [4]]
    past = shop.search(query_at(sort="distance", per_page=3, page=9))
    assert (past.hits, past.total, past.pages, past.page) == ([], 4, 2, 9)


def test_services_narrow_like_shop_filters(shop):
    assert sorted(ids(shop.search(query_at(services=("home-care",))))) == [1, 2, 4]
    assert sorted(ids(shop.search(query_at(services=("home-care", "meals"))))) == [4]
    assert ids(shop.search(query_at(services=("no-such-service",)))) == []


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"kinds": ("organisation",)}, [1, 3]),
        ({"kinds": ("organisation", "pa")}, [1, 2, 3, 4]),
        ({"max_rate_pence": 1500}, [2, 4]),  # unknown price doesn't pass a price limit
        ({"min_rating": 9.0}, [1, 4]),  # nor an unknown rating a rating floor
        ({"gender": "female"}, [2, 4]),
        ({"badges": ("insurance", "enhanced-dbs")}, [1]),
        ({"badges": ("insurance", "food-hygiene-5")}, []),
        ({"languages": ("en",)}, [1, 2, 3, 4]),
        ({"languages": ("en", "pl")}, []),
        ({"radius_miles": 1.0}, [2, 3]),
    ],
)
def test_filters(shop, filters, expected):
    assert sorted(ids(shop.search(query_at(**filters)))) == expected


def test_availability_day_part_and_both(index):
    monday_morning = 1 << 0
    tuesday_evening = 1 << (1 * 4 + 2)
    sunday_overnight = 1 << (6 * 4 + 3)
    index.rebuild(
        [
            make_doc(1, availability=monday_morning),
            make_doc(2, availability=tuesday_evening | sunday_overnight),
            make_doc(3, availability=0),
        ]
    )
    assert sorted(ids(index.search(query_at(day=0, part=0)))) == [1]
    assert sorted(ids(index.search(query_at(day=1)))) == [2]  # any part of Tuesday
    assert sorted(ids(index.search(query_at(part=3)))) == [2]  # overnight, any day
    assert sorted(ids(index.search(query_at(part=0)))) == [1]
    assert ids(index.search(query_at(day=0, part=1))) == []


def test_open_vocabularies_beyond_64_values(index):
    services = [f"service-{n}" for n in range(150)]
    languages = [f"lang-{n}" for n in range(80)]
    index.rebuild(
        [
            make_doc(n + 1, listed_services=(services[n], services[(n + 1) % 150]), languages=(languages[n % 80],))
            for n in range(150)
        ]
    )
    assert sorted(ids(index.search(query_at(services=("service-149",), per_page=500)))) == [149, 150]
    assert ids(index.search(query_at(services=("service-120", "service-121"), per_page=500))) == [121]
    assert ids(index.search(query_at(languages=("lang-79",), per_page=500))) == [80]
    assert sorted(ids(index.search(query_at(languages=("lang-5",), per_page=500)))) == [6, 86]


def test_travel_radius_zero_covers_only_its_own_district(index):
    index.rebuild([make_doc(1, "LS2", travel_radius_miles=0.0)])
    assert ids(index.search(query_at("LS2"))) == [1]
    assert ids(index.search(query_at("LS1"))) == []
