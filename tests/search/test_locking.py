"""One writer at a time across processes; rebuild swaps generations under live searchers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from searchindex import IndexLocked, SearchIndex
from tests.search.conftest import ids, make_doc, query_at

ROOT = Path(__file__).resolve().parents[2]

HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from whoosh import index
    ix = index.open_dir(sys.argv[1])
    writer = ix.writer()          # takes the write lock
    print("locked", flush=True)
    sys.stdin.readline()          # hold it until the test says so
    writer.cancel()
    print("released", flush=True)
    """
)


@pytest.fixture
def lock_holder(index):
    """Another process holding the Whoosh write lock on the current generation."""
    index.rebuild([make_doc(1), make_doc(2)])
    generation = index.directory / index.current_generation()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(generation)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.communicate(timeout=10)


def test_locked_index_raises_within_the_timeout_and_changes_nothing(index, lock_holder):
    started = time.monotonic()
    with pytest.raises(IndexLocked):
        index.apply(upserts=[make_doc(3)], deletes=[1], timeout=0.3)
    waited = time.monotonic() - started
    assert 0.25 <= waited < 2.0
    assert index.ids() == {1, 2}
    assert ids(index.search(query_at(sort="distance"))) == [1, 2]


@pytest.fixture
def lock_waits(monkeypatch):
    """Each pause the index's lock takes while waiting (an event, not a reading of the clock)."""
    import searchindex.index

    waits = threading.Event()
    pauses = []
    real_sleep = time.sleep

    def pause(seconds):
        pauses.append(seconds)
        waits.set()
        real_sleep(seconds)

    monkeypatch.setattr(searchindex.index.time, "sleep", pause)
    return waits, pauses


def test_zero_timeout_fails_at_once(index, lock_holder, lock_waits):
    _, pauses = lock_waits
    with pytest.raises(IndexLocked):
        index.apply(deletes=[1], timeout=0)
    assert pauses == []  # it never waited
    assert index.ids() == {1, 2}


def test_apply_succeeds_once_the_lock_is_released(index, lock_holder, lock_waits):
    waiting, pauses = lock_waits

    def release_once_it_waits():
        assert waiting.wait(timeout=10)  # the apply below is waiting for the lock
        lock_holder.stdin.write("\n")
        lock_holder.stdin.flush()

    releaser = threading.Thread(target=release_once_it_waits)
    releaser.start()
    index.apply(upserts=[make_doc(3)], deletes=[1], timeout=30)
    releaser.join(timeout=10)
    assert not releaser.is_alive()
    assert pauses  # it did wait, then wrote
    assert index.ids() == {2, 3}


def test_apply_writes_non_compound_segments(index):
    """Compound segments make every searcher open slowly and hold much memory."""
    index.rebuild([make_doc(i) for i in range(1, 30)])
    index.apply(upserts=[make_doc(100)])
    generation = index.directory / index.current_generation()
    assert not list(generation.glob("*.seg"))
    assert list(generation.glob("*.pst"))


def test_rebuild_swaps_generations_while_searches_keep_answering(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    old = [make_doc(i) for i in range(1, 51)]
    new = [make_doc(i) for i in range(101, 181)]
    index.rebuild(old)
    first_generation = index.current_generation()
    seen: list[frozenset[int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher_thread():
        worker = SearchIndex(tmp_path / "ix")  # another worker process's view
        try:
            while not stop.is_set():
                seen.append(frozenset(h.id for h in worker.search(query_at(per_page=500)).hits))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            worker.close()

    def wait_for_answers(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(seen) < count:
            assert not errors, errors
            assert time.monotonic() < deadline, f"the searcher gave {len(seen)} answers in 30 s, not {count}"
            time.sleep(0.01)

    thread = threading.Thread(target=searcher_thread)
    thread.start()
    try:
        wait_for_answers(5)
        index.rebuild(new)
        wait_for_answers(len(seen) + 5)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert errors == []
    old_ids, new_ids = frozenset(range(1, 51)), frozenset(range(101, 181))
    # Every answer is one whole generation, never a mix or an empty gap, and
    # the new one took over.
    assert set(seen) == {old_ids, new_ids}
    assert seen[0] == old_ids and seen[-1] == new_ids
    assert index.current_generation() != first_generation
    generations = [p.name for p in index.directory.iterdir() if p.is_dir()]
    assert generations == [index.current_generation()]  # the old folder is gone
    index.close()


def test_a_failed_rebuild_leaves_the_old_generation_in_place(index):
    index.rebuild([make_doc(1)])
    before = index.current_generation()

    def broken():
        yield make_doc(2)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(broken())
    assert index.current_generation() == before
    assert index.ids() == {1}
    assert [p.name for p in index.directory.iterdir() if p.is_dir()] == [before]


def test_a_new_directory_starts_empty_and_searchable(tmp_path):
    index = SearchIndex(tmp_path / "fresh")
    result = index.search(query_at())
    assert (result.total, result.hits, result.pages) == (0, [], 0)
    assert index.count() == 0
    index.apply(upserts=[make_doc(1)])
    assert ids(index.search(query_at())) == [1]
    index.close()


def test_the_library_imports_neither_flask_nor_the_app():
    code = "import sys, searchindex; bad = [m for m in ('flask', 'registry') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_rebuild_in_two_processes_finds_the_same(tmp_path):
    docs = [
        make_doc(i, outcode, name=f"Carer {i}") for i, outcode in enumerate(["LS1", "LS2", "LS6", "BD1"] * 700, start=1)
    ]
    one, two = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    assert one.rebuild(docs) == two.rebuild(docs, procs=2) == 2800
    for q in (
        query_at(sort="distance", per_page=50, page=3),
        query_at(text="carer 1234"),
        query_at("BD1", sort="price"),
    ):
        a, b = one.search(q), two.search(q)
        assert (ids(a), a.total, a.facets) == (ids(b), b.total, b.facets)
    assert two.ids() == set(range(1, 2801))
    one.close()
    two.close()
