"""Random providers and queries: the index must agree with a brute-force reading of the rules."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest
from whoosh.analysis import StemmingAnalyzer

from searchindex import ProviderDocument, SearchIndex, SearchQuery
from searchindex.geo import distance_miles, outcode_centroids

SEED = 4242
SERVICES = ["home-care", "personal-care", "meals", "companionship", "nursing", "respite", "shopping"]
LANGUAGES = ["en", "bsl", "makaton", "pl", "ur"]
BADGES = ["enhanced-dbs", "dbs-update-service", "insurance", "cqc-registered", "food-hygiene-5"]
WORDS = ["friendly", "cooking", "gardening", "dementia", "nurse", "retired", "walks", "music", "halal", "patient"]
ANALYZER = StemmingAnalyzer()


def words(text: str) -> set[str]:
    return {t.text for t in ANALYZER(text)}


def random_documents(rng: random.Random, districts: list[str], n: int) -> list[ProviderDocument]:
    centroids = outcode_centroids()
    docs = []
    for i in range(1, n + 1):
        outcode = rng.choice(districts)
        lat, lon = centroids[outcode]
        services = tuple(rng.sample(SERVICES, rng.choice([0, 1, 1, 2, 3])))  # some listed for nothing
        rate = rng.choice([None, 1500, 1800, 2000, 2500, 3000])
        reviews = rng.choice([0, 1, 3, 10])
        docs.append(
            ProviderDocument(
                id=i,
                slug=f"p{i}",
                name=f"{rng.choice(['Ada', 'Bea', 'Cy'])} {rng.choice(WORDS)}",
                kind=rng.choice(["pa", "organisation"]),
                about=" ".join(rng.sample(WORDS, 3)),
                outcode=outcode,
                latitude=lat,
                longitude=lon,
                travel_radius_miles=rng.choice([2.0, 5.0, 10.0, 25.0, 50.0]),
                listed_services=services,
                service_names=tuple(s.replace("-", " ") for s in services),
                rate_min_pence=rate,
                rate_max_pence=None if rate is None else rate + 500,
                rating_score=None if reviews == 0 else rng.choice([5.0, 6.5, 7.2, 8.0, 9.1]),
                review_count=reviews,
                languages=tuple(rng.sample(LANGUAGES, rng.randint(0, 2))),
                availability=rng.getrandbits(28),
                gender=rng.choice(["female", "male", "non-binary", None]),
                badges=tuple(rng.sample(BADGES, rng.randint(0, 3))),
            )
        )
    return docs


def random_query(rng: random.Random, districts: list[str]) -> SearchQuery:
    lat, lon = outcode_centroids()[rng.choice(districts)]
    if rng.random() < 0.3:  # not every recipient sits on a centroid
        lat += rng.uniform(-0.05, 0.05)
        lon += rng.uniform(-0.05, 0.05)
    q = dict(latitude=lat, longitude=lon, radius_miles=rng.choice([1.0, 5.0, 10.0, 20.0, 50.0]))
    q["services"] = tuple(rng.sample(SERVICES, rng.choice([0, 1, 1, 2])))
    if rng.random() < 0.3:
        q["text"] = " ".join(rng.sample(WORDS, rng.choice([1, 2])))
    if rng.random() < 0.2:
        q["kinds"] = (rng.choice(["pa", "organisation"]),)
    if rng.random() < 0.2:
        q["languages"] = tuple(rng.sample(LANGUAGES, 1))
    if rng.random() < 0.2:
        q["max_rate_pence"] = rng.choice([1500, 2000, 2600])
    if rng.random() < 0.2:
        q["min_rating"] = rng.choice([6.0, 8.0])
    if rng.random() < 0.2:
        q["day"] = rng.randrange(7)
    if rng.random() < 0.2:
        q["part"] = rng.randrange(4)
    if rng.random() < 0.15:
        q["gender"] = rng.choice(["female", "male", "non-binary"])
    if rng.random() < 0.2:
        q["badges"] = tuple(rng.sample(BADGES, rng.choice([1, 2])))
    q["sort"] = rng.choice(["best", "distance", "rating", "price"])
    q["per_page"] = 1000
    return SearchQuery(**q)


def expected(docs: list[ProviderDocument], q: SearchQuery) -> dict[int, float]:
    """Brute force: id -> distance for every document the rules say matches."""
    out = {}
    terms = words(q.text)
    for d in docs:
        if not d.listed_services:
            continue
        dist = distance_miles(q.latitude, q.longitude, d.latitude, d.longitude)
        if dist > min(d.travel_radius_miles, q.radius_miles):
            continue
        if not set(q.services) <= set(d.listed_services):
            continue
        if q.kinds and d.kind not in q.kinds:
            continue
        if not set(q.languages) <= set(d.languages) or not set(q.badges) <= set(d.badges):
            continue
        if q.max_rate_pence is not None and (d.rate_min_pence is None or d.rate_min_pence > q.max_rate_pence):
            continue
        if q.min_rating is not None and (d.rating_score is None or d.rating_score < q.min_rating):
            continue
        if q.day is not None and q.part is not None:
            bits = [q.day * 4 + q.part]
        elif q.day is not None:
            bits = [q.day * 4 + p for p in range(4)]
        elif q.part is not None:
            bits = [day * 4 + q.part for day in range(7)]
        else:
            bits = None
        if bits is not None and not any(d.availability >> b & 1 for b in bits):
            continue
        if q.gender is not None and d.gender != q.gender:
            continue
        if terms and not terms <= words(" ".join([d.name, d.about, *d.service_names])):
            continue
        out[d.id] = dist
    return out


def best_match(d: ProviderDocument, miles: float, radius: float, relevance: float) -> float:
    """The README's best match: 0.25 verification, 0.25 rating, 0.25 proximity, 0.10 relevance, 0.15 reliability."""
    rating = 0.0 if d.rating_score is None else d.rating_score / 10 * d.review_count / (d.review_count + 5)
    return (
        0.25 * min(len(d.badges), 3) / 3
        + 0.25 * rating
        + 0.25 * max(0.0, 1 - miles / radius)
        + 0.10 * relevance
        + 0.15 * (0.9 if d.reliability is None else d.reliability)  # 0.9: the neutral value without a figure
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    rng = random.Random(SEED)
    # Two dense areas plus a scatter, so radii cut through real clusters.
    everything = sorted(outcode_centroids())
    districts = [o for o in everything if o.startswith(("LS", "BD", "M", "SK"))] + rng.sample(everything, 60)
    docs = random_documents(rng, districts, 400)
    # Visit reliability from its own generator, so the documents above stay as they were drawn before it existed.
    more = random.Random(SEED + 7)
    docs = [dataclasses.replace(doc, reliability=more.choice([None, None, 0.55, 0.8, 0.9, 0.97, 1.0])) for doc in docs]
    index = SearchIndex(tmp_path_factory.mktemp("oracle") / "index")
    index.rebuild(docs)
    yield docs, districts, index
    index.close()


def test_random_queries_match_brute_force(world):
    docs, districts, index = world
    by_id = {d.id: d for d in docs}
    rng = random.Random(SEED + 1)
    non_empty = 0
    for case in range(400):
        q = random_query(rng, districts)
        want = expected(docs, q)
        result = index.search(q)
        got = {hit.id: hit.distance_miles for hit in result.hits}
        assert set(got) == set(want), f"case {case}: {q}"
        assert result.total == len(want)
        for pid, dist in got.items():
            assert dist == pytest.approx(want[pid], abs=1e-9)
        facet_services = Counter(s for pid in want for s in by_id[pid].listed_services)
        assert result.facets["services"] == dict(facet_services)
        assert result.facets["kinds"] == dict(Counter(by_id[pid].kind for pid in want))
        order = [hit.id for hit in result.hits]
        if q.sort == "distance":
            assert order == sorted(want, key=lambda pid: (want[pid], pid))
        elif q.sort == "rating":
            key = lambda pid: (by_id[pid].rating_score is None, -(by_id[pid].rating_score or 0), want[pid], pid)  # noqa: E731
            assert order == sorted(want, key=key)
        elif q.sort == "price":
            key = lambda pid: (by_id[pid].rate_min_pence is None, by_id[pid].rate_min_pence or 0, want[pid], pid)  # noqa: E731
            assert order == sorted(want, key=key)
        else:
            scores = [hit.score for hit in result.hits]
            assert scores == sorted(scores, reverse=True)
            # The documented formula, worked out here (text relevance taken from the hit: BM25 is tested apart).
            relevance = {hit.id: hit.relevance for hit in result.hits}
            best = {pid: best_match(by_id[pid], want[pid], q.radius_miles, relevance[pid]) for pid in want}
            for hit in result.hits:
                assert hit.score == pytest.approx(best[hit.id], abs=1e-9)
            assert order == sorted(want, key=lambda pid: (-round(best[pid], 9), want[pid], pid))
        if case % 4 == 0 and want:
            # Paging through 7 at a time gives the same order, page by page.
            paged = []
            for page in range(1, -(-len(want) // 7) + 1):
                part = index.search(dataclasses.replace(q, per_page=7, page=page))
                assert (part.total, part.pages) == (len(want), -(-len(want) // 7))
                paged += [hit.id for hit in part.hits]
            assert paged == order
        non_empty += bool(want)
    # The cases must exercise matches, not just agree on empty sets.
    assert non_empty > 150


def test_radius_is_the_smaller_of_the_two(world):
    docs, _, index = world
    doc = next(d for d in docs if d.listed_services and d.travel_radius_miles == 5.0)
    # A point about 4 miles due north of the provider: inside its 5 miles.
    q = SearchQuery(latitude=doc.latitude + 4 / 69.05, longitude=doc.longitude, radius_miles=50, per_page=1000)
    assert doc.id in {h.id for h in index.search(q).hits}
    nearer = dataclasses.replace(q, radius_miles=3)  # the recipient only wants 3 miles
    assert doc.id not in {h.id for h in index.search(nearer).hits}
    # 6 miles away: outside the provider's 5 even though the recipient asks for 50.
    far = SearchQuery(latitude=doc.latitude + 6 / 69.05, longitude=doc.longitude, radius_miles=50, per_page=1000)
    assert doc.id not in {h.id for h in index.search(far).hits}


def test_linked_facets_count_each_facet_without_its_own_filter(world):
    """With ``linked_facets`` the results are the same, and each facet counts what its link finds: the services
    facet over the search without the services filter, the kinds facet without the kinds filter (brute force)."""
    docs, districts, index = world
    by_id = {d.id: d for d in docs}
    rng = random.Random(SEED + 3)
    apart = 0
    for case in range(300):
        q = dataclasses.replace(random_query(rng, districts), linked_facets=True)
        if case % 3 == 0:  # an unknown service or kind: no results, yet the other facet still counts
            q = (
                dataclasses.replace(q, services=("no-such-service",))
                if case % 2
                else dataclasses.replace(q, kinds=("x",))
            )
        linked, plain = index.search(q), index.search(dataclasses.replace(q, linked_facets=False))
        assert [h.id for h in linked.hits] == [h.id for h in plain.hits], f"case {case}: {q}"
        assert linked.total == plain.total
        without_services = expected(docs, dataclasses.replace(q, services=()))
        without_kinds = expected(docs, dataclasses.replace(q, kinds=()))
        services = Counter(s for pid in without_services for s in by_id[pid].listed_services)
        assert linked.facets["services"] == dict(services), f"case {case}: {q}"
        assert linked.facets["kinds"] == dict(Counter(by_id[pid].kind for pid in without_kinds)), f"case {case}: {q}"
        apart += linked.facets != plain.facets
    assert apart > 50  # the filters were in use often enough for the two counts to differ
