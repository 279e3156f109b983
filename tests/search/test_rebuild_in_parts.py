"""rebuild_in_parts(): each share of the providers read and indexed by its own process, all or nothing."""

from __future__ import annotations

import os
import shutil
import signal
from functools import partial

import pytest

from searchindex import SearchIndex
from searchindex.building import in_shares
from tests.search.conftest import ids, make_doc, query_at

DOCS = [make_doc(i, outcode, name=f"Carer {i}") for i, outcode in enumerate(["LS1", "LS2", "LS6", "BD1"] * 700, 1)]


def shares(docs, n):
    return [partial(iter, share) for share in in_shares(docs, n)]


def generation_folders(index) -> list[str]:
    return sorted(p.name for p in index.directory.iterdir() if p.is_dir())


def test_parts_in_processes_give_the_same_index_as_one_process(tmp_path):
    one, parts = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "parts")
    seen = []
    assert one.rebuild(DOCS) == parts.rebuild_in_parts(shares(DOCS, 3), progress=seen.append) == 2800
    assert sum(seen) == 2800  # a progress bar fed from the processes ends full
    for q in (query_at(sort="distance", per_page=50, page=3), query_at(text="carer 1234"), query_at("BD1")):
        a, b = one.search(q), parts.search(q)
        assert (ids(a), a.total, a.facets) == (ids(b), b.total, b.facets)


def test_a_big_part_saves_its_columns_for_other_processes(tmp_path):
    docs = [make_doc(i, outcode) for i, outcode in enumerate(["LS1", "LS2", "BD1", "LS6"] * 1100, 1)]
    index = SearchIndex(tmp_path / "index")
    index.rebuild_in_parts(shares(docs, 2))  # 2,200 each: over PERSIST_COLUMNS_MIN_DOCS
    saved = list((index.directory / index.current_generation()).glob("cols3-*.npz"))
    assert len(saved) == 2
    # The saved columns agree with columns read back from every stored document.
    shutil.copytree(tmp_path / "index", tmp_path / "copy")
    for path in (tmp_path / "copy" / index.current_generation()).glob("cols3-*.npz"):
        path.unlink()
    read_back = SearchIndex(tmp_path / "copy")
    for q in (query_at("BD1", sort="distance", per_page=50, page=2), query_at("LS6", sort="price")):
        a, b = index.search(q), read_back.search(q)
        assert (ids(a), a.total, a.facets) == (ids(b), b.total, b.facets)


def test_parts_that_yield_nothing_give_an_empty_index(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.rebuild(DOCS[:10])
    assert index.rebuild_in_parts([lambda: iter(()), lambda: iter(())]) == 0
    assert index.count() == 0 and index.search(query_at()).total == 0
    index.rebuild(DOCS[:10])
    assert index.rebuild([], procs=2) == 0  # an empty registry: nothing to share out
    assert index.count() == 0


def test_a_repeated_id_is_indexed_once_in_its_first_version(tmp_path):
    index = SearchIndex(tmp_path / "index")
    docs = [*DOCS[:100], make_doc(1, "BD1", name="Later copy")]
    assert index.rebuild(docs, procs=2) == 100
    assert index.search(query_at("LS1", text="carer")).hits[0].name == "Carer 1"
    assert index.search(query_at("BD1", text="later")).total == 0


def _failing_part():
    yield DOCS[0]
    raise RuntimeError("database went away")


def _killed_part():
    yield DOCS[0]
    os.kill(os.getpid(), signal.SIGKILL)  # the process is gone: no message, no clean-up of its own


@pytest.mark.parametrize("bad_part", [_failing_part, _killed_part], ids=["raises", "killed"])
def test_a_part_that_fails_fails_the_rebuild_and_keeps_the_index_as_it_was(tmp_path, bad_part):
    index = SearchIndex(tmp_path / "index")
    index.rebuild([make_doc(9001, name="Still here")])
    before = index.current_generation()
    with pytest.raises(RuntimeError, match="database went away|died without finishing"):
        index.rebuild_in_parts([lambda: iter(DOCS[1:]), bad_part])
    assert index.current_generation() == before
    assert index.ids() == {9001}
    assert generation_folders(index) == [before]  # the half-built generation is gone


@pytest.mark.parametrize(
    ("items", "count", "expected"),
    [
        ([1, 2, 3, 4, 5], 2, [[1, 2, 3], [4, 5]]),
        ([1, 2], 4, [[1], [2]]),  # never an empty share beside full ones
        ([], 2, [[]]),  # an empty registry is one empty part
        ([1, 2, 3], 0, [[1, 2, 3]]),  # nonsense counts mean one part
    ],
)
def test_shares_are_contiguous_runs_of_nearly_equal_length(items, count, expected):
    assert in_shares(items, count) == expected


def test_parts_finishing_together_never_delete_each_others_files(tmp_path):
    """Whoosh names a writer's temporary folder after the index and deletes it when the writer ends: two parts
    sharing it failed the rebuild whenever one finished while the other was still writing (most of these did)."""
    index = SearchIndex(tmp_path / "index")
    for _ in range(20):
        assert index.rebuild_in_parts([lambda: iter(()), lambda: iter(())]) == 0
        assert index.rebuild_in_parts([lambda: iter(DOCS[:30]), lambda: iter(DOCS[30:60])]) == 60
    assert index.count() == 60
    assert not [p for p in (tmp_path / "index").rglob("*.tmp")]  # each part's folder went with it
