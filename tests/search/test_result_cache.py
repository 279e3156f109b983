"""Repeated queries are answered from a per-process cache that never outlives the index version."""

from __future__ import annotations

from datetime import date, timedelta

from searchindex import SearchIndex

from .conftest import ids, make_doc, query_at

TODAY = date(2026, 11, 23)


def test_a_repeated_query_is_answered_from_the_cache(index):
    index.rebuild([make_doc(1), make_doc(2, "LS2")])
    first = index.search(query_at(sort="distance"))
    assert index.search(query_at(sort="distance")) is first
    assert ids(first) == [1, 2]


def test_a_repeated_query_follows_this_process_changes(index):
    index.rebuild([make_doc(1), make_doc(2, "LS2")])
    assert ids(index.search(query_at(sort="distance"))) == [1, 2]
    index.apply(upserts=[make_doc(3, "LS6")], deletes=[1])
    assert ids(index.search(query_at(sort="distance"))) == [2, 3]
    index.apply(upserts=[make_doc(2, "LS2", name="Renamed")])
    assert [hit.name for hit in index.search(query_at(sort="distance")).hits] == ["Renamed", "Provider 3"]


def test_a_repeated_query_follows_another_process_changes(tmp_path):
    writer_side = SearchIndex(tmp_path / "ix")
    reader_side = SearchIndex(tmp_path / "ix")  # what a second web worker holds
    writer_side.rebuild([make_doc(1), make_doc(2, "LS2")])
    assert ids(reader_side.search(query_at(sort="distance"))) == [1, 2]
    writer_side.apply(deletes=[1])
    assert ids(reader_side.search(query_at(sort="distance"))) == [2]
    writer_side.rebuild([make_doc(7, "LS6")])  # a new generation swapped in
    assert ids(reader_side.search(query_at(sort="distance"))) == [7]


def test_a_listing_that_ends_leaves_the_next_days_results(index):
    index.rebuild([make_doc(1, listed_until=(TODAY,)), make_doc(2, "LS2")])
    tomorrow = TODAY + timedelta(days=1)
    assert ids(index.search(query_at(sort="distance", today=TODAY))) == [1, 2]
    assert ids(index.search(query_at(sort="distance", today=tomorrow))) == [2]
    assert ids(index.search(query_at(sort="distance", today=TODAY))) == [1, 2]


def test_without_a_cache_every_query_is_searched_again(tmp_path):
    index = SearchIndex(tmp_path / "ix", result_cache_size=0)
    index.rebuild([make_doc(1), make_doc(2, "LS2")])
    first = index.search(query_at(sort="distance"))
    again = index.search(query_at(sort="distance"))
    assert again is not first
    assert again == first


def test_the_cache_keeps_only_the_most_recent_queries(tmp_path):
    index = SearchIndex(tmp_path / "ix", result_cache_size=1)
    index.rebuild([make_doc(1), make_doc(2, "LS2")])
    by_distance = index.search(query_at(sort="distance"))
    assert index.search(query_at(sort="distance")) is by_distance
    by_rating = index.search(query_at(sort="rating"))
    assert index.search(query_at(sort="rating")) is by_rating
    assert index.search(query_at(sort="distance")) is not by_distance  # pushed out by the rating query


def test_a_cached_result_does_not_outlive_midnight(index, monkeypatch):
    """A query without a date means today: after midnight the same query must drop a listing that ended."""
    import searchindex.index

    clock = {"today": TODAY}
    monkeypatch.setattr(searchindex.index, "utc_today", lambda: clock["today"])
    index.rebuild([make_doc(1, listed_until=(TODAY,)), make_doc(2, "LS2")])
    assert ids(index.search(query_at(sort="distance"))) == [1, 2]
    clock["today"] = TODAY + timedelta(days=1)  # no write to the index in between
    assert ids(index.search(query_at(sort="distance"))) == [2]
