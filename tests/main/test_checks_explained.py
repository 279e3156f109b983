"""The "What our checks mean" page (issue 26): every kind of check in plain words, and every badge links to it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from registry.checks.kinds import KIND_NAMES, CheckKind
from registry.main.checks_explained import PLAIN_WORDS
from tests.conftest import approve_checks
from tests.html_page import ids_of, parse

PAGE = "/what-our-checks-mean"


def test_the_plain_words_follow_the_one_list_of_kinds():
    # Not a second list of kinds: exactly one entry per CheckKind, so a new kind fails here until it is explained.
    assert set(PLAIN_WORDS) == set(CheckKind)


@pytest.mark.parametrize("app_config", [{"DBS_RECHECK_DAYS": 730, "CHECK_VALIDITY_DAYS": {"right_to_work": 400}}])
def test_each_kind_has_its_section_saying_what_it_shows_and_not_who_gives_it_and_how_long_it_lasts(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert page.find("h1").text == "What our checks mean"
    for kind in CheckKind:
        section = page.find("section", id=f"kind-{kind}")
        assert section is not None, kind
        assert section.find("h2").text == KIND_NAMES[kind]
        facts = dict(zip((dt.text for dt in section.find_all("dt")), (dd.text for dd in section.find_all("dd"))))
        for question in (
            "What it shows",
            "What it does not show",
            "Who gives it",
            "Where it is used",
            "How long it lasts",
        ):
            assert facts.get(question), (kind, question)
        assert facts["What it shows"] == PLAIN_WORDS[kind].shows
    dbs = page.find("section", id="kind-dbs")
    assert "A certificate counts for 2 years from its issue date" in dbs.text  # this registry's setting
    assert "England and Wales." in dbs.text and "Scotland" not in dbs.find("dl").text
    assert "Counts for 400 days" in page.find("section", id="kind-right_to_work").text
    assert "Everywhere in the UK." in page.find("section", id="kind-identity").text
    for part in ("enhanced-dbs", "barred-lists", "dbs-update-service"):
        assert part in ids_of(dbs), part
    assert "Outstanding, Good, Requires improvement or Inadequate" in page.find("section", id="kind-cqc").text
    # The contents list reaches every section.
    contents = [a.attrs["href"] for a in page.find("ul", id="kinds").find_all("a")]
    assert contents == [f"#kind-{kind}" for kind in CheckKind]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def test_the_words_are_plain_short_sentences():
    # A reading age of about nine: short sentences. Measured: see the README's figure; a long one fails here.
    words = [
        text
        for plain in PLAIN_WORDS.values()
        for text in (plain.what, plain.shows, plain.does_not_show, plain.given_by, *(p.text for p in plain.parts))
    ]
    sentences = [s for text in words for s in _sentences(text)]
    lengths = [len(s.split()) for s in sentences]
    assert max(lengths) <= 25, max(zip(lengths, sentences))
    assert sum(lengths) / len(lengths) <= 13


@pytest.fixture
def listed(app, make_provider):
    slug = make_provider("pa", name="Nia Morgan", base_postcode="LS6 2AA")
    approve_checks(app, slug, verification_method="update_service")
    return slug


def _targets(client, links) -> None:
    """Each link goes to the page, to an anchor the page has."""
    ids = ids_of(parse(client.get(PAGE).get_data(as_text=True)))
    for href in links:
        parts = urlsplit(href)
        assert parts.path == PAGE and parts.fragment in ids, href


def test_every_badge_on_a_result_card_links_to_its_own_explanation(client, listed):
    page = parse(client.get("/search?postcode=LS6+1AA").get_data(as_text=True))
    card = page.find("article", cls="result")
    badges = card.find_all("a", cls="badge")
    assert len(badges) >= 5  # enhanced DBS, Update Service, insured, CQC, food hygiene 5, first aid
    hrefs = {a.text.split(":")[0]: a.attrs["href"] for a in badges}
    assert hrefs["Enhanced DBS"] == f"{PAGE}#enhanced-dbs"
    assert hrefs["DBS Update Service"] == f"{PAGE}#dbs-update-service"
    assert hrefs["Insured"] == f"{PAGE}#kind-insurance"
    assert all(a.text.endswith(": what this means") for a in badges)
    _targets(client, [a.attrs["href"] for a in badges])


def test_every_badge_on_a_profile_links_to_its_kind(client, listed):
    page = parse(client.get(f"/providers/{listed}").get_data(as_text=True))
    badges = page.find("section", cls="trust").find("ul")
    items = [li for li in badges.children if getattr(li, "tag", None) == "li"]
    assert len(items) == 8  # identity, DBS, right to work, insurance, qualification, CQC, food hygiene, first aid
    links = {}
    for item in items:
        (link,) = [a for a in item.find_all("a") if urlsplit(a.attrs["href"]).path == PAGE]  # one each
        assert link.text.startswith("What this means: ")
        links[link.text.removeprefix("What this means: ")] = link.attrs["href"]
    assert links["DBS check"] == f"{PAGE}#kind-dbs" and links["Proof of identity"] == f"{PAGE}#kind-identity"
    _targets(client, links.values())


def test_help_and_how_it_works_link_to_it(client):
    for url in ("/help", "/how-it-works"):
        page = parse(client.get(url).get_data(as_text=True))
        assert any(a.attrs.get("href") == PAGE and a.text == "What our checks mean" for a in page.find_all("a")), url
    how = parse(client.get("/how-it-works").get_data(as_text=True))
    rows = how.find("table", cls="kinds").find_all("th", scope="row")
    assert [th.find("a").attrs["href"] for th in rows] == [f"{PAGE}#kind-{kind}" for kind in CheckKind]
