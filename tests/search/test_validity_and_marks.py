"""Listings and badges end on their own date; an index records how far it has applied its change log."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from searchindex import SearchIndex
from tests.search.conftest import ids, make_doc, query_at

TODAY = date(2026, 11, 23)


def test_a_listing_leaves_search_the_day_after_its_last_valid_day(index):
    index.rebuild(
        [
            make_doc(1, listed_services=("home-care", "meals"), listed_until=(TODAY, TODAY + timedelta(days=30))),
            make_doc(2, listed_services=("home-care",)),  # no end date
        ]
    )
    assert ids(index.search(query_at(services=("home-care",), today=TODAY, sort="distance"))) == [1, 2]
    tomorrow = TODAY + timedelta(days=1)
    assert ids(index.search(query_at(services=("home-care",), today=tomorrow))) == [2]
    # Still listed for meals tomorrow, so it shows for that and in an all-services search...
    assert ids(index.search(query_at(services=("meals",), today=tomorrow))) == [1]
    everything = index.search(query_at(today=tomorrow, sort="distance"))
    assert ids(everything) == [1, 2]
    # ...but the facets count only what it is still listed for.
    assert everything.facets["services"] == {"home-care": 1, "meals": 1}
    gone = TODAY + timedelta(days=31)
    assert ids(index.search(query_at(today=gone))) == [2]


def test_an_expired_badge_neither_filters_in_nor_counts_towards_best_match(index):
    index.rebuild(
        [
            make_doc(1, badges=("first-aid", "insurance"), badges_until=(TODAY, None)),
            make_doc(2, badges=("insurance",)),
        ]
    )
    assert ids(index.search(query_at(badges=("first-aid",), today=TODAY))) == [1]
    later = TODAY + timedelta(days=1)
    assert ids(index.search(query_at(badges=("first-aid",), today=later))) == []
    scores = {h.id: h.score for h in index.search(query_at(today=later)).hits}
    assert scores[1] == scores[2]  # one live badge each, same place and rating
    scores_today = {h.id: h.score for h in index.search(query_at(today=TODAY)).hits}
    assert scores_today[1] > scores_today[2]


def test_the_applied_mark_moves_only_with_a_committed_update(index):
    assert index.applied_mark() == 0
    with index.updating() as update:
        assert update.applied_mark == 0
        update.apply(upserts=[make_doc(1)])
        update.advance(7)
    assert index.applied_mark() == 7 and index.ids() == {1}
    try:
        with index.updating() as update:
            update.apply(deletes=[1])
            update.advance(9)
            raise RuntimeError("the database went away mid-sync")
    except RuntimeError:
        pass
    assert index.applied_mark() == 7 and index.ids() == {1}


def test_rebuild_replays_changes_made_while_it_ran_before_it_swaps(tmp_path):
    """Without the replay, an update applied to the old generation during a rebuild is lost for good."""
    index = SearchIndex(tmp_path / "ix")
    index.rebuild([make_doc(1), make_doc(2)], applied_mark=10)
    started, release = threading.Event(), threading.Event()

    def slow_documents():
        started.set()
        release.wait(5)
        yield from [make_doc(1), make_doc(2), make_doc(3)]  # read before provider 2 was suspended

    replayed = []

    def catch_up(update):
        replayed.append(update.applied_mark)
        update.apply(deletes=[2])  # the suspension, from the change log
        update.advance(11)

    thread = threading.Thread(target=lambda: index.rebuild(slow_documents(), applied_mark=10, catch_up=catch_up))
    thread.start()
    started.wait(5)
    index.apply(deletes=[2])  # a request applies the suspension to the old generation meanwhile
    release.set()
    thread.join(10)
    assert replayed == [10]
    assert index.ids() == {1, 3}
    assert index.applied_mark() == 11
    index.close()


def test_updates_wait_for_a_rebuild_swap_and_land_in_the_new_generation(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    other_process = SearchIndex(tmp_path / "ix")
    index.rebuild([make_doc(1)])
    in_catch_up, finish = threading.Event(), threading.Event()

    def catch_up(update):
        in_catch_up.set()
        finish.wait(5)

    thread = threading.Thread(target=lambda: index.rebuild([make_doc(1), make_doc(2)], catch_up=catch_up))
    thread.start()
    in_catch_up.wait(5)
    threading.Timer(0.3, finish.set).start()
    other_process.apply(upserts=[make_doc(5)], timeout=5)  # waits for the swap, then writes the new generation
    thread.join(10)
    assert index.ids() == {1, 2, 5}
    index.close()
    other_process.close()


def test_a_search_can_be_limited_to_given_providers_with_totals_and_pages_to_match(index):
    index.rebuild([make_doc(i) for i in range(1, 31)])
    result = index.search(query_at(only_ids=frozenset({3, 7, 30, 999}), sort="distance", per_page=2))
    assert (result.total, result.pages) == (3, 2)
    assert {h.id for h in result.hits} | {
        h.id for h in index.search(query_at(only_ids=frozenset({3, 7, 30}), per_page=2, page=2)).hits
    } == {3, 7, 30}
    assert index.search(query_at(only_ids=frozenset())).total == 0
