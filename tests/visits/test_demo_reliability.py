"""The demo shows reliability from the records on some profiles and not on others, and in search."""

from __future__ import annotations

from sqlalchemy import select

from registry import demo
from registry.extensions import db
from registry.providers.models import Provider
from registry.providers.vocabulary import ProfileStatus
from registry.reviews.responsiveness import reply_times
from registry.visits.reliability import visit_reliability
from tests.visits.test_reliability_surfaces import items_in


def test_the_demo_has_figures_on_some_profiles_and_none_yet_on_others(app, client):
    with app.app_context():
        lines = demo.seed(demo.plan(cities=1, spread=0))
        db.session.commit()
        listed = list(db.session.scalars(select(Provider).where(Provider.status == ProfileStatus.LISTED)))
        visits = visit_reliability([p.id for p in listed])
        replies = reply_times([p.id for p in listed])
        slugs = {p.id: p.slug for p in listed}
    assert "visits recorded" in lines[0]
    shown = {pid: v for pid, v in visits.items() if v.shown}
    percents = {v.percent for v in shown.values()}
    assert len(shown) >= 3 and len(visits) - len(shown) >= 3  # some with a figure, some without
    assert len(percents) >= 3 and min(percents) < 90 <= max(percents)  # providers differ, some below the neutral
    # Below the minimum: some have a little history (too few confirmed visits), not only none at all.
    assert any(0 < v.confirmed < v.minimum for v in visits.values())
    assert sum(r.shown for r in replies.values()) >= 3 and sum(not r.shown for r in replies.values()) >= 3

    with_figure, without = next(iter(shown)), next(pid for pid, v in visits.items() if not v.shown)
    assert items_in(client.get(f"/providers/{slugs[with_figure]}").get_data(as_text=True), "reliability")[0].startswith(
        "Kept "
    )
    assert (
        "no figure yet" in items_in(client.get(f"/providers/{slugs[without]}").get_data(as_text=True), "reliability")[0]
    )
    # Search shows the same figures on the cards, from the index.
    centre = demo.CITIES[0][1]
    results = client.get("/api/v1/search", query_string={"postcode": centre, "radius": 20}).get_json()["results"]
    by_slug = {r["slug"]: r for r in results}
    on_cards = [r for r in results if r["visits"]]
    assert on_cards and all(r["visits"]["percent"] == shown[_id(slugs, r["slug"])].percent for r in on_cards)
    assert any(r["visits"] is None for r in by_slug.values())


def _id(slugs: dict[int, str], slug: str) -> int:
    return next(pid for pid, s in slugs.items() if s == slug)
