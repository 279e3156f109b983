"""The demo speaks the places' languages (issue 26, item 4): Welsh in Cardiff, Punjabi and Urdu in Leeds, and some
providers give their information in Easy Read, all found through the search filters.

Seeds only the Leeds and Cardiff cores (the rest adds nothing here), then asks the real search API."""

from __future__ import annotations

from registry import demo
from registry.extensions import db


def _found(client, postcode: str, language: str | None = None) -> int:
    query = {"postcode": postcode, "radius": 10, **({"language": language} if language else {})}
    response = client.get("/api/v1/search", query_string=query)
    assert response.status_code == 200
    return response.get_json()["total"]


def test_cardiff_has_welsh_speakers_and_leeds_urdu_punjabi_and_easy_read(app, client):
    plans = [p for p in demo.plan(spread=0) if p.city in ("Leeds", "Cardiff")]
    with app.app_context():
        demo.seed(plans)
        db.session.commit()

    everyone_cardiff, everyone_leeds = _found(client, "CF10 1AA"), _found(client, "LS6 2AA")
    welsh = _found(client, "CF10 1AA", "cy")
    assert 5 <= welsh < everyone_cardiff  # a good share, not everyone: the filter filters
    for code in ("ur", "pa", "easy-read"):
        assert 1 <= _found(client, "LS6 2AA", code) < everyone_leeds, code


def test_the_languages_are_drawn_the_same_every_time_and_stay_local():
    first, again = demo.plan(spread=40), demo.plan(spread=40)
    assert [(p.name, p.languages) for p in first] == [(p.name, p.languages) for p in again]
    cardiff = [p for p in first if p.city == "Cardiff"]
    london = [p for p in first if p.city == "London"]
    share = sum("cy" in p.languages for p in cardiff) / len(cardiff)
    assert share >= 0.25
    # Welsh is a Cardiff thing here, not a London one (only the occasional speaker from the general pool).
    assert sum("cy" in p.languages for p in london) / len(london) < 0.1
