"""The search API against an oracle computed straight from the database and the rules."""

import random
from datetime import timedelta

from sqlalchemy import select

from registry.checks.listing import recompute_listing
from registry.checks.models import Check
from registry.extensions import db
from registry.models import today, utcnow
from registry.pages.sign_up import sign_up
from registry.providers import services as providers
from registry.providers.models import Provider
from registry.providers.vocabulary import DAYS, PARTS, availability_bit, availability_mask
from search.geo import distance_miles, locate
from tests.conftest import CHECK_DETAILS, PASSWORD, complete_profile_data

# Districts in and around Leeds and Bradford, so radii overlap a lot.
DISTRICTS = [
    "LS1",
    "LS2",
    "LS6",
    "LS8",
    "LS11",
    "LS12",
    "LS17",
    "LS25",
    "BD1",
    "BD3",
    "BD18",
    "WF1",
    "WF3",
    "HX1",
    "HG1",
    "YO1",
]
SERVICES = ["personal-care", "companionship", "meal-preparation", "cleaning", "dementia-support"]
LANGS = ["en", "bsl", "pl", "ur"]


def _seed(app, rng, count=120):
    with app.app_context():
        for n in range(count):
            kind = rng.choice(["pa", "organisation"])
            user = sign_up(f"p{n}@example.com", PASSWORD, f"Provider {n}", kind)
            offered = rng.sample(SERVICES, rng.randint(1, 3))
            low = rng.choice([1500, 1800, 2100, 2500])
            providers.update_profile(
                user.provider,
                complete_profile_data(
                    display_name=f"Provider {n}",
                    base_postcode=rng.choice(DISTRICTS),
                    travel_radius_miles=rng.choice([2, 5, 10, 20]),
                    services=offered,
                    rate_min_pence=low,
                    rate_max_pence=low + 300,
                    languages=rng.sample(LANGS, rng.randint(1, 2)),
                    availability=availability_mask([f"{d}-{p}" for d in DAYS for p in PARTS if rng.random() < 0.3]),
                    gender=rng.choice(["female", "male", None]),
                ),
            )
            providers.submit_profile(user.provider)
            state = rng.random()
            # Most have every check approved; some lack the DBS check (listed
            # only for services that don't need it), some have none; some are suspended.
            kinds = (
                list(CHECK_DETAILS) if state < 0.55 else [k for k in CHECK_DETAILS if k != "dbs"] if state < 0.7 else []
            )
            for kind in kinds:
                user.provider.checks.append(
                    Check(
                        kind=kind,
                        status="approved",
                        details=dict(CHECK_DETAILS[kind]),
                        decided_at=utcnow(),
                        verification_method="in_person",
                        valid_until=today() + timedelta(days=rng.randint(1, 400)),
                    )
                )
            if state > 0.9:
                user.provider.suspended_at = utcnow()
            db.session.flush()
            recompute_listing(user.provider, today())
        db.session.commit()


def _oracle(app, params):
    place = locate(params["postcode"])
    radius = float(params.get("radius", 10))
    with app.app_context():
        expected = []
        for p in db.session.scalars(select(Provider)):
            listed = {row.service_type.slug for row in p.services if row.listed}
            if p.status != "listed" or not listed:
                continue
            if params.get("service") and params["service"] not in listed:
                continue
            if params.get("kind") and p.kind != params["kind"]:
                continue
            if params.get("language") and params["language"] not in p.languages:
                continue
            if params.get("max_rate") and p.rate_min_pence > int(params["max_rate"]) * 100:
                continue
            if params.get("gender") and p.gender != params["gender"]:
                continue
            if params.get("day"):
                day = DAYS.index(params["day"])
                if not any(p.availability & availability_bit(day, part) for part in range(len(PARTS))):
                    continue
            here = locate(p.outcode)
            miles = distance_miles(place.latitude, place.longitude, here.latitude, here.longitude)
            if miles <= min(radius, p.travel_radius_miles):
                expected.append((round(miles, 6), p.id, p.slug))
    expected.sort()
    return [slug for _, _, slug in expected]


def test_random_queries_return_exactly_what_the_rules_allow_in_distance_order(app, client):
    rng = random.Random(4242)
    _seed(app, rng)
    for _ in range(150):
        params = {
            "postcode": rng.choice(DISTRICTS + ["LS6 2AA", "BD1 1AA"]),
            "radius": rng.choice([3, 5, 10, 25, 50]),
            "sort": "distance",
        }
        if rng.random() < 0.6:
            params["service"] = rng.choice(SERVICES)
        if rng.random() < 0.3:
            params["kind"] = rng.choice(["pa", "organisation"])
        if rng.random() < 0.3:
            params["language"] = rng.choice(LANGS)
        if rng.random() < 0.3:
            params["max_rate"] = rng.choice([16, 20, 24])
        if rng.random() < 0.2:
            params["gender"] = rng.choice(["female", "male"])
        if rng.random() < 0.2:
            params["day"] = rng.choice(DAYS)
        expected = _oracle(app, params)
        got, page = [], 1
        while True:
            body = client.get("/api/v1/search", query_string={**params, "page": page}).get_json()
            got += [r["slug"] for r in body["results"]]
            assert body["total"] == len(expected), params
            if page >= body["pages"]:
                break
            page += 1
        assert got == expected, params
