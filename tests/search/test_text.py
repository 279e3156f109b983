"""Free text is user input: words match name, about and service names; syntax means nothing."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import fields
from whoosh.analysis import StemmingAnalyzer

from searchindex.schema import AnalysedText
from searchindex.text import read_postings, read_postings_slowly
from tests.search.conftest import ids, make_doc, query_at


@pytest.fixture
def texts(index):
    index.rebuild(
        [
            make_doc(1, name="Sunrise Home Helpers", about="We cook hot meals and walk dogs."),
            make_doc(2, name="Grace Okafor", about="Retired nurse; dementia experience.", listed_services=("nursing",)),
            make_doc(3, name="Kitchen Table Café", about="Lunch delivered daily.", listed_services=("meals",)),
        ]
    )
    return index


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sunrise", [1]),  # name
        ("dementia", [2]),  # about
        ("hot meals", [1, 3]),  # 1 says it in its about text, 3 is listed for "Hot meals"
        ("Nursing", [2]),  # service name, any case
        ("cooking", [1]),  # stemmed: cook / cooking
        ("nurse dementia", [2]),  # every word must match
        ("nurse lunch", []),
    ],
)
def test_words_match_name_about_and_service_names(texts, text, expected):
    assert sorted(ids(texts.search(query_at(text=text)))) == expected


@pytest.mark.parametrize(
    "text",
    [
        "AND",
        "dementia AND",
        "name:dementia",
        "*",
        "(",
        "nurse)",
        '"retired nurse',
        "'",
        'dementia"',
        "OR NOT ~2 ^3 [a TO z] {x}",
        "\\",
        "x" * 5000,
        "dementia " * 700,
        "naïve café 護理",
    ],
)
def test_query_syntax_and_junk_never_raise(texts, text):
    result = texts.search(query_at(text=text))
    assert result.total == len(result.hits)


def test_syntax_characters_are_ignored_not_obeyed(texts):
    assert ids(texts.search(query_at(text="name:dementia"))) == [2]  # not a field query on "name"
    assert ids(texts.search(query_at(text='"retired nurse'))) == [2]
    assert ids(texts.search(query_at(text="dementia AND"))) == [2]  # "and" is a stop word
    # Nothing searchable in the text: the text filter is dropped, everyone nearby shows.
    assert sorted(ids(texts.search(query_at(text="* ( )")))) == [1, 2, 3]
    assert ids(texts.search(query_at(text="dementia " * 700))) == [2]


def test_better_text_match_ranks_first_with_everything_else_equal(index):
    index.rebuild(
        [
            make_doc(1, name="Helpers", about="Some dementia knowledge among many other things we offer in the area."),
            make_doc(2, name="Dementia Friends", about="Dementia support."),
        ]
    )
    hits = index.search(query_at(text="dementia")).hits
    assert [h.id for h in hits] == [2, 1]
    assert hits[0].relevance == 1.0 and 0 < hits[1].relevance < 1


def test_text_respects_the_other_filters(texts):
    assert ids(texts.search(query_at(text="meals", services=("meals",)))) == [3]
    assert ids(texts.search(query_at("SW1A", text="meals"))) == []  # Leeds providers, London search


def test_block_postings_reader_agrees_with_whoosh_public_api(index):
    """Pins the Whoosh 2.7 private block API that read_postings relies on."""
    index.rebuild([make_doc(i, about=" ".join(["care"] * (i % 4 + 1)) + " extra" * i) for i in range(1, 400)])
    with index._reading() as (searcher, _generation):
        ((leaf, _offset),) = searcher.reader().leaf_readers()
        fast_ids, fast_tf = read_postings(leaf, "about", "care")
        slow_ids, slow_tf = read_postings_slowly(leaf.postings("about", "care"))
    assert len(fast_ids) == 399  # more than one block of postings
    assert np.array_equal(fast_ids, slow_ids)
    assert np.array_equal(fast_tf, slow_tf)
    assert set(fast_tf.tolist()) == {1.0, 2.0, 3.0, 4.0}


@pytest.mark.parametrize(
    "text",
    [
        "We cook hot meals, walk dogs and help with cooking; the cook cooks.",
        "Retired NURSE — dementia & Parkinson's experience, 20 years. Nursing!",
        "e.g. U.K. v2.0 3.14 a.b.c. ...dots... end.",
        "I a an of to be it is on at by we us ok OK Ok",
        "Straße İstanbul Ærøskøbing naïve café CAFÉ Ελληνικά Русский 日本語 हिन्दी",
        "under_scores hyphen-ated don't can't won't O'Brien",
        "",
        "   \t\n  ",
        "carer " * 50,
    ],
)
@pytest.mark.parametrize("boost", [1.0, 1.5, 2.0])
def test_fast_text_field_indexes_what_the_analyzer_would(text, boost):
    """Same terms, frequencies, weights and stored values as Whoosh's own TEXT field, so queries
    (analysed by Whoosh) find what was indexed, and older generations agree with newer ones."""
    whoosh_text = fields.TEXT(analyzer=StemmingAnalyzer(), phrase=False, field_boost=boost)
    assert sorted(AnalysedText(field_boost=boost).index(text)) == sorted(whoosh_text.index(text))


def test_a_generation_written_with_whoosh_text_fields_still_answers_and_updates(index, monkeypatch):
    """Generations built before AnalysedText keep their own schema (stored with them) until rebuilt."""
    analyzer = StemmingAnalyzer()
    older = fields.Schema(
        id=fields.ID(unique=True),
        name=fields.TEXT(analyzer=analyzer, phrase=False, field_boost=2.0),
        about=fields.TEXT(analyzer=analyzer, phrase=False),
        services=fields.TEXT(analyzer=analyzer, phrase=False, field_boost=1.5),
        facts=fields.STORED(),
        display=fields.STORED(),
    )
    monkeypatch.setattr(index, "_schema", older)
    index.rebuild([make_doc(1, about="Gardening and cooking."), make_doc(2, about="Dementia care.")])
    monkeypatch.undo()

    assert ids(index.search(query_at(text="cooks"))) == [1]
    index.apply(upserts=[make_doc(3, about="Cooked meals daily.")], deletes=[1])
    assert ids(index.search(query_at(text="cooking"))) == [3]
    assert ids(index.search(query_at(text="dementia"))) == [2]
