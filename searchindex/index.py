"""The on-disk index and the query engine.

Layout under the index directory::

    CURRENT          name of the generation in use, replaced with os.replace
    gen-<id>/        one generation: a Whoosh index (non-compound segments)
                     plus cols3-<segment>.npz column caches for big segments

:meth:`SearchIndex.rebuild` writes a whole new generation and swaps
``CURRENT``; searches keep answering from the old generation until then.
:meth:`SearchIndex.apply` changes the current generation in one Whoosh
writer. Whoosh's write lock makes it the only writer; a lock held past the
timeout raises :class:`IndexLocked` and changes nothing.

Searches borrow a Whoosh searcher from a small pool and give it back; one
is reopened only when ``up_to_date()`` says the index changed. Column snapshots are shared by all
threads of the process and built once per index version, from cached
per-segment columns; so are the results of recent queries, kept only while
that version is current.
"""

from __future__ import annotations

import fcntl
import math
import os
import shutil
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query
from whoosh.index import LockError

from searchindex.building import PERSIST_COLUMNS_MIN_DOCS, Part, columns_file, in_shares, usable, write_parts
from searchindex.columns import Columns, SegmentColumns
from searchindex.model import PARTS_PER_DAY, IndexLocked, ProviderDocument, SearchHit, SearchQuery, SearchResult
from searchindex.schema import LeanCodec, make_schema, query_terms, whoosh_fields
from searchindex.text import PostingsCache, score_rows

POINTER = "CURRENT"
MARK_FILE = "APPLIED"  # in each generation: the caller's change-log position it reflects
WRITE_LOCK = "WRITE.lock"  # one writer (an update, or a rebuild's swap) at a time
GENERATION_PREFIX = "gen-"
DEFAULT_LOCK_TIMEOUT = 2.0
# Searchers kept open between searches; more may be lent out at once under load.
MAX_IDLE_SEARCHERS = 8
# Results kept per process for the index version they were computed on (the
# same query again, a page reload or a shared link, skips the search).
DEFAULT_RESULT_CACHE_SIZE = 512

# Best-match weights (see the package docstring); they add up to 1.
W_VERIFICATION = 0.25
W_RATING = 0.25
W_PROXIMITY = 0.25
W_TEXT = 0.10
W_RELIABILITY = 0.15
# The reliability of a provider without a figure (too few confirmed visits): as if it kept 9 visits in 10.
NEUTRAL_RELIABILITY = 0.9
FULL_VERIFICATION_BADGES = 3
REVIEWS_FOR_FULL_CONFIDENCE = 5
# The filters a query with ``linked_facets`` counts its facets without: each facet's own.
LINKED_FACETS = ("services", "kinds")


class IndexUpdate:
    """Changes to make in one commit while the write lock is held.

    ``applied_mark`` is where the index stood when the lock was taken; call
    :meth:`advance` to record how far the applied changes reach.
    """

    def __init__(self, applied_mark: int):
        self.applied_mark = applied_mark
        self.mark = applied_mark
        self.upserts: dict[int, ProviderDocument] = {}
        self.delete_ids: set[int] = set()

    def apply(self, upserts: Iterable[ProviderDocument] = (), deletes: Iterable[int] = ()) -> None:
        """Add or replace ``upserts``, remove ``deletes`` (a later call wins for the same id)."""
        for i in deletes:
            self.delete_ids.add(int(i))
            self.upserts.pop(int(i), None)
        for doc in upserts:
            self.delete_ids.add(doc.id)
            self.upserts[doc.id] = doc

    def advance(self, mark: int) -> None:
        self.mark = max(self.mark, int(mark))


class _DirectoryLock:
    """An exclusive ``flock`` on a file, given up after ``timeout`` seconds.

    Whoosh's own lock covers one generation's segments; this one also covers
    the applied mark and the swap of generations, so an update never lands in
    a generation a rebuild is about to replace.
    """

    def __init__(self, path: Path, timeout: float):
        self.path, self.timeout = path, timeout
        self._fd: int | None = None

    def __enter__(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise IndexLocked(
                        f"search index is being written by another process (waited {self.timeout:g}s)"
                    ) from None
                time.sleep(0.02)

    def __exit__(self, *exc):
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _SearcherPool:
    """Idle Whoosh searchers, lent to one search at a time.

    A Whoosh searcher is not safe to share between threads, and each holds a
    few files open. The threaded development server starts a thread per
    request, so searchers kept per thread were never closed and every search
    leaked descriptors. Lending from a pool bounds the open searchers by the
    number of searches running at once; one that is out of date (its
    generation swapped, or new segments written) is closed instead of reused.
    """

    def __init__(self, max_idle: int):
        self.max_idle = max_idle
        self._idle: list[tuple[str, object]] = []
        self._lock = threading.Lock()

    def take(self, generation: str):
        """An up-to-date idle searcher on ``generation``, or None."""
        stale = []
        found = None
        with self._lock:
            while self._idle:
                gen, searcher = self._idle.pop()
                if gen == generation and searcher.up_to_date():
                    found = searcher
                    break
                stale.append(searcher)
        for searcher in stale:
            searcher.close()
        return found

    def give_back(self, generation: str, searcher) -> None:
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append((generation, searcher))
                return
        searcher.close()

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _, searcher in idle:
            searcher.close()


class SearchIndex:
    """A provider search index in ``directory``; one per process, shared by its threads.

    :param directory: where generations live; created when missing.
    :param lock_timeout: default seconds :meth:`apply` waits for the write lock.
    :param result_cache_size: results kept for repeated queries (0: none).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        result_cache_size: int = DEFAULT_RESULT_CACHE_SIZE,
    ):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock_timeout = lock_timeout
        self._schema = make_schema()
        self._searchers = _SearcherPool(max_idle=MAX_IDLE_SEARCHERS)
        # An index dropped without close() still closes its searchers' files.
        weakref.finalize(self, self._searchers.close_all)
        self._lock = threading.Lock()
        self._indexes: dict[str, whoosh_index.FileIndex] = {}
        self._segment_columns: dict[tuple[str, str], SegmentColumns] = {}
        self._snapshots: OrderedDict[tuple[str, int], Columns] = OrderedDict()
        self._postings = PostingsCache()
        self._result_cache_size = result_cache_size
        # Results of one index version only: (generation, reader generation), then (query, day) -> result.
        self._results_version: tuple[str, int] | None = None
        self._results: OrderedDict[tuple[SearchQuery, int], SearchResult] = OrderedDict()
        # ((inode, mtime), generation name): one attribute, so threads never see half an update.
        self._pointer: tuple[tuple[int, int], str] | None = None
        if not (self.directory / POINTER).exists():
            self._create_initial_generation()

    # -- generations -------------------------------------------------------

    def _new_generation_dir(self) -> Path:
        name = f"{GENERATION_PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        path = self.directory / name
        path.mkdir()
        return path

    def _create_initial_generation(self) -> None:
        path = self._new_generation_dir()
        whoosh_index.create_in(str(path), self._schema)
        tmp = self.directory / f".{POINTER}.{uuid.uuid4().hex}"
        tmp.write_text(path.name, encoding="utf-8")
        try:
            # link() fails when CURRENT exists: two processes starting on an empty
            # directory agree on one generation, and the loser removes its own.
            os.link(tmp, self.directory / POINTER)
        except FileExistsError:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            tmp.unlink()

    def current_generation(self) -> str:
        """Name of the generation folder ``CURRENT`` points at (cheap: a stat per call)."""
        pointer = self.directory / POINTER
        st = os.stat(pointer)
        key = (st.st_ino, st.st_mtime_ns)
        cached = self._pointer
        if cached is not None and cached[0] == key:
            return cached[1]
        value = pointer.read_text(encoding="utf-8").strip()
        self._pointer = (key, value)
        return value

    def _open(self, generation: str) -> whoosh_index.FileIndex:
        with self._lock:
            ix = self._indexes.get(generation)
            if ix is None:
                ix = whoosh_index.open_dir(str(self.directory / generation))
                self._indexes[generation] = ix
            return ix

    def rebuild(
        self,
        documents: Iterable[ProviderDocument],
        procs: int = 1,
        applied_mark: int = 0,
        catch_up: Callable[[IndexUpdate], None] | None = None,
        swap_timeout: float = 60.0,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index ``documents`` into a new generation, swap it in, delete older ones.

        ``procs > 1`` holds the documents in memory and indexes a share of
        them in each of that many processes; see :meth:`rebuild_in_parts`
        for the rest. Returns the number of documents indexed.
        """
        if procs <= 1:
            return self.rebuild_in_parts([lambda: documents], applied_mark, catch_up, swap_timeout, progress)
        first_of_each: dict[int, ProviderDocument] = {}
        for doc in documents:
            first_of_each.setdefault(doc.id, doc)  # parts must not share ids
        parts = [partial(iter, share) for share in in_shares(list(first_of_each.values()), procs)]
        return self.rebuild_in_parts(parts, applied_mark, catch_up, swap_timeout, progress)

    def rebuild_in_parts(
        self,
        parts: Sequence[Part],
        applied_mark: int = 0,
        catch_up: Callable[[IndexUpdate], None] | None = None,
        swap_timeout: float = 60.0,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index the documents each part yields into a new generation, swap it in, delete older ones.

        A part is called with no arguments and returns the documents to index.
        One part is read and indexed in this process; with more, each is read
        and indexed in its own forked process (about twice as fast on two
        cores), so they must not share provider ids.
        Searches answer from the old generation until the swap.
        ``applied_mark`` is the caller's change-log position the documents
        reflect. Changes applied to the old generation meanwhile would be lost
        with it, so just before the swap, holding the write lock (waiting up to
        ``swap_timeout`` seconds), ``catch_up`` gets an :class:`IndexUpdate` on
        the new generation to replay everything after that mark.
        ``progress(n)`` hears of documents indexed as they are. Returns the
        number of documents indexed.
        """
        path = self._new_generation_dir()
        try:
            whoosh_index.create_in(str(path), self._schema)
            count = write_parts(path, parts, progress or (lambda n: None))
            _write_atomically(path / MARK_FILE, str(applied_mark))
            with _DirectoryLock(self.directory / WRITE_LOCK, swap_timeout):
                if catch_up is not None:
                    with self._updating_generation(path.name, swap_timeout) as update:
                        catch_up(update)
                _write_atomically(self.directory / POINTER, path.name)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._remove_old_generations(keep=path.name)
        return count

    def _remove_old_generations(self, keep: str) -> None:
        # Open files of a deleted folder stay readable on POSIX, so searchers
        # still on the old generation finish their query; the next one moves on.
        for entry in self.directory.iterdir():
            if entry.is_dir() and entry.name.startswith(GENERATION_PREFIX) and entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)
        self._forget_other_generations(keep)

    def _forget_other_generations(self, keep: str) -> None:
        """Drop this process's caches for generations other than ``keep``."""
        with self._lock:
            for key in [k for k in self._snapshots if k[0] != keep]:
                del self._snapshots[key]
            for name in [g for g in self._indexes if g != keep]:
                del self._indexes[name]
            for key in [k for k in self._segment_columns if k[0] != keep]:
                del self._segment_columns[key]
        self._postings.forget_generation(keep)

    # -- writes ------------------------------------------------------------

    def apply(
        self, upserts: Iterable[ProviderDocument] = (), deletes: Iterable[int] = (), timeout: float | None = None
    ) -> None:
        """Add or replace ``upserts`` and remove ``deletes`` in one commit.

        A document with no listed services is removed instead of indexed.
        Waits up to ``timeout`` seconds (default: the index's ``lock_timeout``)
        for the write lock, then raises :class:`IndexLocked` without changing
        anything.
        """
        with self.updating(timeout) as update:
            update.apply(upserts, deletes)

    def applied_mark(self, generation: str | None = None) -> int:
        """The position in the caller's change log this index has applied (0 for none)."""
        path = self.directory / (generation or self.current_generation()) / MARK_FILE
        try:
            return int(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return 0

    @contextmanager
    def updating(self, timeout: float | None = None) -> Iterator[IndexUpdate]:
        """Hold the index's write lock and yield an :class:`IndexUpdate`.

        What the block applies is committed together with the mark it
        advances to, when the block ends; an exception changes nothing.
        While the lock is held no rebuild can swap generations, so whatever
        the caller reads after ``update.applied_mark`` lands in the current one.
        Raises :class:`IndexLocked` after ``timeout`` seconds (default: the
        index's ``lock_timeout``).
        """
        timeout = self.lock_timeout if timeout is None else timeout
        started = time.monotonic()
        with _DirectoryLock(self.directory / WRITE_LOCK, timeout):
            remaining = max(0.0, timeout - (time.monotonic() - started))
            with self._updating_generation(self.current_generation(), remaining) as update:
                yield update

    @contextmanager
    def _updating_generation(self, generation: str, timeout: float) -> Iterator[IndexUpdate]:
        update = IndexUpdate(self.applied_mark(generation))
        yield update
        if update.delete_ids:
            ix = self._open(generation)
            try:
                writer = ix.writer(
                    timeout=timeout, delay=min(0.05, max(timeout, 0.001)), compound=False, codec=LeanCodec()
                )
            except LockError:
                raise IndexLocked(f"search index is being written by another process (waited {timeout:g}s)") from None
            try:
                # One delete query (one reader) for the whole batch; update_document
                # would open a reader per document.
                writer.delete_by_query(query.Or([query.Term("id", str(i)) for i in sorted(update.delete_ids)]))
                names = set(ix.schema.names())  # a generation from before "display" lacks it until rebuilt
                for doc in update.upserts.values():
                    if usable(doc):
                        writer.add_document(**{k: v for k, v in whoosh_fields(doc).items() if k in names})
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
        if update.mark != update.applied_mark:
            _write_atomically(self.directory / generation / MARK_FILE, str(update.mark))

    # -- reads -------------------------------------------------------------

    @contextmanager
    def _reading(self):
        """Lend a searcher on the current index version, with its generation's name."""
        generation = self.current_generation()
        searcher = self._searchers.take(generation)
        if searcher is None:
            self._forget_other_generations(generation)
            # A new searcher rather than Searcher.refresh(): in Whoosh 2.7.4
            # refresh leaves all but one of the old segment readers' files open.
            searcher = self._open(generation).searcher()
        try:
            yield searcher, generation
        except BaseException:
            searcher.close()
            raise
        self._searchers.give_back(generation, searcher)

    def _columns(self, searcher, generation: str) -> Columns:
        reader = searcher.reader()
        key = (generation, reader.generation())
        with self._lock:
            snapshot = self._snapshots.get(key)
            if snapshot is not None:
                self._snapshots.move_to_end(key)
                return snapshot
        parts = []
        if reader.doc_count_all():
            for leaf, _offset in reader.leaf_readers():
                segment = leaf.segment()
                parts.append((self._segment(generation, leaf, segment), list(segment.deleted_docs())))
        snapshot = Columns(parts)
        with self._lock:
            self._snapshots[key] = snapshot
            while len(self._snapshots) > 2:
                self._snapshots.popitem(last=False)
            live = (
                {(generation, leaf.segment().segment_id()) for leaf, _ in reader.leaf_readers()}
                if reader.doc_count_all()
                else set()
            )
            for seg_key in [k for k in self._segment_columns if k[0] == generation and k not in live]:
                del self._segment_columns[seg_key]
        return snapshot

    def _segment(self, generation: str, leaf, segment) -> SegmentColumns:
        key = (generation, segment.segment_id())
        with self._lock:
            cached = self._segment_columns.get(key)
        if cached is not None:
            return cached
        path = self.directory / generation / columns_file(segment.segment_id())
        if path.exists():
            cols = SegmentColumns.load(path)
        else:
            rows = [leaf.stored_fields(n)["facts"] for n in range(leaf.doc_count_all())]
            cols = SegmentColumns.from_facts(rows)
            if len(rows) >= PERSIST_COLUMNS_MIN_DOCS:
                cols.save(path)
        with self._lock:
            self._segment_columns[key] = cols
        return cols

    @staticmethod
    def _leaves(searcher) -> list[tuple[object, int, str]]:
        reader = searcher.reader()
        if not reader.doc_count_all():
            return []
        return [(leaf, offset, leaf.segment().segment_id()) for leaf, offset in reader.leaf_readers()]

    def count(self) -> int:
        """Number of documents currently searchable."""
        with self._reading() as (searcher, generation):
            columns = self._columns(searcher, generation)
            return int(columns.alive.sum())

    def ids(self) -> set[int]:
        """Ids of every document currently in the index."""
        with self._reading() as (searcher, generation):
            columns = self._columns(searcher, generation)
            return set(columns.cols["id"][columns.alive].tolist())

    def close(self) -> None:
        """Close the searchers kept open between searches."""
        self._searchers.close_all()

    def search(self, query: SearchQuery) -> SearchResult:
        """Providers matching ``query``, one page of them, with facets over all of them."""
        try:
            return self._search(query)
        except (OSError, whoosh_index.EmptyIndexError):
            # The generation was swapped and removed under this thread's
            # searcher (or between reading CURRENT and opening it); start
            # again on the current one.
            self.close()
            return self._search(query)

    def _search(self, q: SearchQuery) -> SearchResult:
        with self._reading() as (searcher, generation):
            # The searcher is up to date (see _reading), so its version names what the index holds now:
            # any change, this process's or another's, gives a new version and so a fresh search.
            version = (generation, searcher.reader().generation())
            key = (q, _day(q))
            result = self._cached_result(version, key)
            if result is None:
                result = self._search_with(searcher, generation, q)
                self._remember_result(version, key, result)
            return result

    def _cached_result(self, version: tuple[str, int], key: tuple[SearchQuery, int]) -> SearchResult | None:
        with self._lock:
            if self._results_version != version:
                return None
            result = self._results.get(key)
            if result is not None:
                self._results.move_to_end(key)
            return result

    def _remember_result(self, version: tuple[str, int], key: tuple[SearchQuery, int], result: SearchResult) -> None:
        if self._result_cache_size <= 0:
            return
        with self._lock:
            if self._results_version != version:
                self._results_version = version
                self._results.clear()
            self._results[key] = result
            while len(self._results) > self._result_cache_size:
                self._results.popitem(last=False)

    def _search_with(self, searcher, generation: str, q: SearchQuery) -> SearchResult:
        columns = self._columns(searcher, generation)
        per_page = max(1, int(q.per_page))
        page = max(1, int(q.page))
        rows, distances, own = self._filter(columns, q, apart=LINKED_FACETS if q.linked_facets else ())
        relevance = np.zeros(len(rows))
        terms = query_terms(q.text)
        if terms and len(rows):
            ascending = np.argsort(rows)  # postings are in row order
            rows, distances = rows[ascending], distances[ascending]
            own = {name: mask[ascending] for name, mask in own.items()}
            keep, scores = score_rows(columns, self._leaves(searcher), generation, self._postings, terms, rows)
            rows, distances = rows[keep], distances[keep]
            own = {name: mask[keep] for name, mask in own.items()}
            top = scores.max() if len(scores) else 0.0
            relevance = scores / top if top > 0 else np.ones(len(rows))
        today = _day(q)
        if own:
            # Each facet over the rows every other filter keeps; the results pass every filter.
            everyone = np.ones(len(rows), dtype=bool)
            by_service, by_kind = own.get("services", everyone), own.get("kinds", everyone)
            facets = {
                "services": _service_counts(columns, rows[by_kind], today),
                "kinds": _kind_counts(columns, rows[by_service]),
            }
            both = by_service & by_kind
            rows, distances, relevance = rows[both], distances[both], relevance[both]
        else:
            facets = _facets(columns, rows, today)
        total = len(rows)
        best = self._best_scores(columns, rows, distances, relevance, q.radius_miles, today)
        pages = math.ceil(total / per_page)
        chosen = (
            _order(columns, rows, distances, best, q.sort, page * per_page)[(page - 1) * per_page :]
            if page <= pages
            else []
        )
        hits = [
            _hit(
                searcher.stored_fields(int(rows[i])),
                today,
                distance_miles=float(distances[i]),
                relevance=float(relevance[i]),
                score=float(best[i]),
            )
            for i in chosen
        ]
        return SearchResult(hits=hits, total=total, page=page, pages=pages, facets=facets)

    @staticmethod
    def _filter(
        columns: Columns, q: SearchQuery, apart: tuple[str, ...] = ()
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Rows passing every filter but the text (in no particular order), and their distances.

        The filters named in ``apart`` (of :data:`LINKED_FACETS`) are not applied: for each, a mask over the
        rows returned says which pass it.
        """
        empty = (np.empty(0, np.int64), np.empty(0), {name: np.empty(0, dtype=bool) for name in apart})
        if columns.size == 0 or not (q.radius_miles > 0):
            return empty
        c = columns.cols
        rows = columns.candidates(q.latitude, q.longitude, q.radius_miles)

        def narrow(mask: np.ndarray) -> None:
            nonlocal rows
            rows = rows[mask]

        today = _day(q)
        for name, values in (("languages", q.languages), ("badges", q.badges)):
            codes = columns.codes(name, values)
            if codes is None:
                return empty
            for code in codes:
                narrow(c[name][rows, code] >= today if name == "badges" else c[name][rows, code])
        if not columns.cols["services"].shape[1]:
            return empty
        service_codes = columns.codes("services", q.services)
        if "services" not in apart:
            if service_codes is None:
                return empty
            for code in service_codes:
                narrow(c["services"][rows, code] >= today)
        if not q.services or "services" in apart:
            # Only providers still listed for something today; this also hides
            # any document that slipped in without a listed service.
            narrow((c["services"][rows] >= today).any(axis=1))
        if q.only_ids is not None:
            narrow(np.isin(c["id"][rows], np.fromiter(q.only_ids, dtype=np.int64, count=len(q.only_ids))))
        kind_codes = [columns.vocab["kind"][k] for k in q.kinds if k in columns.vocab["kind"]]
        if q.kinds and "kinds" not in apart:
            if not kind_codes:
                return empty
            narrow(np.isin(c["kind"][rows], kind_codes))
        if q.gender is not None:
            code = columns.vocab["gender"].get(q.gender)
            if code is None:
                return empty
            narrow(c["gender"][rows] == code)
        if q.max_rate_pence is not None:
            narrow(c["rate_min"][rows] <= q.max_rate_pence)  # NaN (no rate) compares False
        if q.min_rating is not None:
            narrow(c["rating"][rows] >= q.min_rating)
        mask = _availability_mask(q.day, q.part)
        if mask:
            narrow((c["availability"][rows] & mask) != 0)
        distances = columns.distances(rows, q.latitude, q.longitude)
        inside = distances <= np.minimum(c["radius"][rows], q.radius_miles)
        rows, distances = rows[inside], distances[inside]
        own: dict[str, np.ndarray] = {}
        if "services" in apart:
            own["services"] = (
                np.zeros(len(rows), dtype=bool)
                if service_codes is None
                else np.all([c["services"][rows, code] >= today for code in service_codes], axis=0)
                if service_codes
                else np.ones(len(rows), dtype=bool)
            )
        if "kinds" in apart:
            own["kinds"] = np.isin(c["kind"][rows], kind_codes) if q.kinds else np.ones(len(rows), dtype=bool)
        return rows, distances, own

    @staticmethod
    def _best_scores(columns: Columns, rows, distances, relevance, radius, today: int) -> np.ndarray:
        c = columns.cols
        badges = (c["badges"][rows] >= today).sum(axis=1) if len(rows) else np.zeros(0)
        verification = np.minimum(badges, FULL_VERIFICATION_BADGES) / FULL_VERIFICATION_BADGES
        rating = np.nan_to_num(c["rating"][rows], nan=0.0) / 10.0
        reviews = c["reviews"][rows].astype(np.float64)
        confidence = reviews / (reviews + REVIEWS_FOR_FULL_CONFIDENCE)
        proximity = np.clip(1.0 - distances / radius, 0.0, 1.0) if radius > 0 else np.zeros(len(rows))
        reliability = np.nan_to_num(c["reliability"][rows], nan=NEUTRAL_RELIABILITY)
        return (
            W_VERIFICATION * verification
            + W_RATING * rating * confidence
            + W_PROXIMITY * proximity
            + W_TEXT * relevance
            + W_RELIABILITY * reliability
        )


def _hit(stored: dict, today: int, **scores) -> SearchHit:
    """A hit with the display values stored for its document (a row's number is its document number)."""
    (
        id_,
        _lat,
        _lon,
        _radius,
        kind,
        services,
        rate_min,
        rate_max,
        rating,
        reviews,
        languages,
        _availability,
        _gender,
        badges,
        *_lengths_and_reliability,
    ) = stored["facts"]
    valid = {code for code, until in services if until >= today}
    display = stored.get("display")
    if display is None:  # written before display values were stored
        return SearchHit(id=int(id_), **scores)
    slug, name, outcode, service_names = display[:4]
    cqc = display[4] if len(display) > 4 else None  # documents written before CQC ratings were stored have four
    if cqc is not None:
        location_id, cqc_rating, rated_on = cqc
        cqc = (location_id, cqc_rating or None, date.fromordinal(rated_on) if rated_on else None)
    shown = [(code, label) for code, label in service_names if code in valid]
    # Documents written before service claims were stored have five values.
    claims = [claim for code, claim in display[5] if code in valid] if len(display) > 5 else []
    # ... and before visit reliability, six.
    visits = tuple(display[6]) if len(display) > 6 and display[6] is not None else None
    return SearchHit(
        id=int(id_),
        slug=slug,
        name=name,
        kind=kind,
        outcode=outcode,
        services=tuple(code for code, _ in shown),
        service_names=tuple(label for _, label in shown),
        rate_min_pence=rate_min,
        rate_max_pence=rate_max,
        rating_score=rating,
        review_count=int(reviews),
        languages=tuple(languages),
        badges=tuple(code for code, until in badges if until >= today),
        cqc=cqc,
        service_claims=tuple(claims),
        visits=visits,
        **scores,
    )


def _availability_mask(day: int | None, part: int | None) -> int:
    if day is not None and part is not None:
        return 1 << (day * PARTS_PER_DAY + part)
    if day is not None:
        return 0b1111 << (day * PARTS_PER_DAY)
    if part is not None:
        return sum(1 << (d * PARTS_PER_DAY + part) for d in range(7))
    return 0


def utc_today() -> date:
    """Today in UTC: the registry's one clock (``registry.models.today``), which this package may not import."""
    return datetime.now(timezone.utc).date()


def _day(q: SearchQuery) -> int:
    """The query's date as a day number, compared with what listings and badges hold."""
    return (q.today or utc_today()).toordinal()


def _facets(columns: Columns, rows: np.ndarray, today: int) -> dict[str, dict[str, int]]:
    return {"services": _service_counts(columns, rows, today), "kinds": _kind_counts(columns, rows)}


def _service_counts(columns: Columns, rows: np.ndarray, today: int) -> dict[str, int]:
    services = (columns.cols["services"][rows] >= today).sum(axis=0) if len(rows) else np.zeros(0)
    return {slug: int(n) for slug, n in zip(columns.vocab_values["services"], services) if n}


def _kind_counts(columns: Columns, rows: np.ndarray) -> dict[str, int]:
    kind_codes = columns.cols["kind"][rows]
    kinds = np.bincount(kind_codes[kind_codes >= 0], minlength=len(columns.vocab_values["kind"]))
    return {kind: int(n) for kind, n in zip(columns.vocab_values["kind"], kinds) if n}


def _order(columns: Columns, rows, distances, best, sort: str, limit: int) -> np.ndarray:
    """Positions into ``rows`` of the first ``limit`` results in display order.

    Ties always fall back to distance, then id. Only rows whose primary key
    is within the first ``limit`` are fully sorted (argpartition first), so a
    first page out of thousands costs little.
    """
    c = columns.cols
    if sort == "distance":
        primary = distances
    elif sort == "rating":
        primary = np.nan_to_num(-c["rating"][rows], nan=np.inf)
    elif sort == "price":
        primary = np.nan_to_num(c["rate_min"][rows], nan=np.inf)
    else:
        primary = -best
    positions = np.arange(len(rows))
    if limit < len(rows):
        kth = np.partition(primary, limit - 1)[limit - 1]
        positions = np.flatnonzero(primary <= kth)  # keeps every tie of the last key
    ids = c["id"][rows[positions]]
    keys = [ids, distances[positions]] if sort != "distance" else [ids]
    order = positions[np.lexsort((*keys, primary[positions]))]
    return order[:limit]
