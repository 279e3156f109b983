"""apply(): what the app's outbox does after a commit shows in the very next search."""

from __future__ import annotations

import os
import threading
import time

from searchindex import SearchIndex
from tests.search.conftest import ids, make_doc, query_at, replace


def test_upsert_changes_the_next_result(index):
    index.rebuild([make_doc(1, "LS1", name="Ann"), make_doc(2, "LS2", name="Bob")])
    assert ids(index.search(query_at("LS1", text="Carol"))) == []

    index.apply(upserts=[make_doc(2, "LS2", name="Carol")])
    assert ids(index.search(query_at("LS1", text="Carol"))) == [2]
    assert ids(index.search(query_at("LS1", text="Bob"))) == []
    assert index.count() == 2  # replaced, not duplicated


def test_upsert_moves_a_provider(index):
    index.rebuild([make_doc(1, "LS1")])
    moved = make_doc(1, "SW1A")
    index.apply(upserts=[moved])
    assert ids(index.search(query_at("LS1"))) == []
    assert ids(index.search(query_at("SW1A"))) == [1]


def test_delete_removes_from_the_very_next_search(index):
    index.rebuild([make_doc(1), make_doc(2), make_doc(3)])
    assert ids(index.search(query_at(sort="distance"))) == [1, 2, 3]
    index.apply(deletes=[2])
    result = index.search(query_at(sort="distance"))
    assert ids(result) == [1, 3]
    assert result.total == 2
    assert index.ids() == {1, 3}


def test_losing_the_listed_service_hides_the_provider(index):
    doc = make_doc(1, listed_services=("home-care", "meals"))
    index.rebuild([doc, make_doc(2, listed_services=("meals",))])
    assert ids(index.search(query_at(services=("home-care",)))) == [1]

    # Its DBS check lapsed: still listed for meals, no longer for home care.
    index.apply(upserts=[replace(doc, listed_services=("meals",), service_names=("Hot meals",))])
    assert ids(index.search(query_at(services=("home-care",)))) == []
    assert sorted(ids(index.search(query_at(services=("meals",))))) == [1, 2]

    # Suspended: listed for nothing, so gone from every search.
    index.apply(upserts=[replace(doc, listed_services=(), service_names=())])
    assert ids(index.search(query_at())) == [2]
    assert index.ids() == {2}


def test_a_batch_applies_upserts_and_deletes_together(index):
    index.rebuild([make_doc(i) for i in range(1, 6)])
    index.apply(upserts=[make_doc(6), make_doc(1, name="Renamed")], deletes=[2, 3, 99])
    assert index.ids() == {1, 4, 5, 6}
    assert ids(index.search(query_at(text="renamed"))) == [1]


def test_another_process_sees_changes_on_its_next_search(tmp_path):
    writer_side = SearchIndex(tmp_path / "ix")
    reader_side = SearchIndex(tmp_path / "ix")  # what a second web worker holds
    writer_side.rebuild([make_doc(1), make_doc(2)])
    assert reader_side.ids() == {1, 2}
    writer_side.apply(upserts=[make_doc(3)], deletes=[1])
    assert reader_side.ids() == {2, 3}
    assert ids(reader_side.search(query_at(sort="distance"))) == [2, 3]


def test_many_small_commits_stay_correct(index):
    """Each apply adds a segment and Whoosh merges small ones; columns must follow."""
    index.rebuild([make_doc(i) for i in range(1, 21)])
    expected = set(range(1, 21))
    for step in range(1, 41):
        if step % 3 == 0:
            index.apply(deletes=[step])
            expected.discard(step)
        else:
            index.apply(upserts=[make_doc(100 + step), make_doc(step % 20 + 1, name=f"Edited {step}")])
            expected |= {100 + step, step % 20 + 1}
        assert index.ids() == expected
    result = index.search(query_at(per_page=100))
    assert {h.id for h in result.hits} == expected
    # Provider 12 was edited at step 11, deleted at 12, edited again at 31.
    assert ids(index.search(query_at(text="edited 31"))) == [12]
    assert ids(index.search(query_at(text="edited 11"))) == []


def test_threads_share_one_index(index):
    index.rebuild([make_doc(i, outcode) for i, outcode in enumerate(["LS1", "LS2", "LS6", "BD1", "M1"] * 20, start=1)])
    want = ids(index.search(query_at(sort="distance", per_page=100)))
    errors = []

    def work():
        try:
            for _ in range(30):
                assert ids(index.search(query_at(sort="distance", per_page=100))) == want
        except Exception as error:  # surfaced below; a thread can't fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a search thread was still running after 60 s"
    assert errors == []
    assert len(want) == 80  # Leeds and Bradford (8 miles), not Manchester (36)


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_searches_from_short_lived_threads_leave_no_files_open(index):
    """The threaded server runs each request on a new thread; searching must not leak descriptors."""
    index.rebuild([make_doc(i) for i in range(1, 30)])
    index.apply(upserts=[make_doc(40)])  # a second segment: more files per searcher

    def search_once():
        index.search(query_at(text="carer"))
        index.count()

    for _ in range(5):  # warm up: the pool keeps a few searchers open
        threading.Thread(target=search_once).start()
    time.sleep(0.2)
    before = _open_descriptors()
    for _ in range(200):
        thread = threading.Thread(target=search_once)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert _open_descriptors() - before <= 2
    index.close()
