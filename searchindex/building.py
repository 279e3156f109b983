"""Writing a new generation's documents: one Whoosh segment per part, parts in parallel processes.

Whoosh's own multiprocessing writer reads every document in the parent and
pickles it to the indexing processes, so the parent's reading (most of it
database work in the app) ran beside them on the same cores and the
parent then unpickled every stored field again to build the columns. Here
each part is read *and* indexed by its own forked process, which also saves
its segment's columns from the rows it already has; the caller gives parts
that can each be read independently (for the app, disjoint id ranges).

A part's segment is written as Whoosh's multiprocessing writer writes its
sub-segments (``SegmentWriter(_lk=False)`` and ``_finalize_segment``, Whoosh
2.7). When every part is done, one writer commits their segments through a
merge function, Whoosh's public hook for choosing a commit's segments.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import shutil
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.writing import SegmentWriter

from searchindex.columns import SegmentColumns
from searchindex.model import ProviderDocument
from searchindex.schema import LeanCodec, facts, whoosh_fields

# Segments at least this big get their columns saved next to them, so other
# processes (and restarts) load them instead of unpickling every stored field.
PERSIST_COLUMNS_MIN_DOCS = 2_000
# Memory for sorting postings, shared by the parts: enough for 100,000 providers without spilling runs to
# disk and merging them back (that spill was a third of the indexing time); bigger indexes still spill.
POSTINGS_MEMORY_MB = 1024
# A part tells the parent its progress every this many documents.
PROGRESS_EVERY = 500

Part = Callable[[], Iterable[ProviderDocument]]
T = TypeVar("T")


def in_shares(items: Sequence[T], count: int) -> list[Sequence[T]]:
    """``items`` cut into at most ``count`` runs of (nearly) equal length, in order; one empty run for none."""
    size = max(1, math.ceil(len(items) / max(1, count)))
    return [items[start : start + size] for start in range(0, len(items), size)] or [items[:0]]


def columns_file(segment_id: str) -> str:
    # The "3" is the columns' format: services and badges with their last valid day (2), visit reliability (3).
    return f"cols3-{segment_id}.npz"


def usable(doc: ProviderDocument) -> bool:
    return bool(doc.listed_services)


def write_parts(path: Path, parts: Sequence[Part], progress: Callable[[int], None]) -> int:
    """Index every part into the generation at ``path``; returns the number of documents.

    One part is indexed in this process; more run in a forked process each.
    Parts must not share provider ids. ``progress(n)`` hears of documents
    indexed as they are.
    """
    if len(parts) > 1:
        segments, count = _write_in_processes(path, parts, progress)
    elif parts:
        segment, count = _write_segment(path, parts[0](), POSTINGS_MEMORY_MB, progress)
        segments = [segment] if segment is not None else []
    else:
        segments, count = [], 0
    if segments:
        writer = whoosh_index.open_dir(str(path)).writer(compound=False, codec=LeanCodec())
        writer.commit(mergetype=lambda _writer, existing: [*existing, *segments])
    return count


def _write_segment(
    path: Path, documents: Iterable[ProviderDocument], limitmb: int, progress: Callable[[int], None]
) -> tuple[Segment | None, int]:
    """One segment of ``documents`` (the usable ones, first of each id) with its columns; (segment, count)."""
    # The generation is the rebuild's alone until its swap, so parts write side by side without
    # Whoosh's lock, as the sub-writers of its multiprocessing writer do.
    index = whoosh_index.open_dir(str(path))
    # Each part keeps its temporary files in a folder of its own. Whoosh names the folder after the index
    # ("MAIN.tmp") and deletes it when a writer finishes or cancels, so a part that finished first deleted the
    # files of another still writing, and the rebuild failed at random.
    temporary = f"part-{os.getpid()}.tmp"
    shared = index.storage.temp_storage
    index.storage.temp_storage = lambda _name=None: shared(temporary)
    writer = SegmentWriter(index, _lk=False, limitmb=limitmb, compound=False, codec=LeanCodec())
    rows: list[tuple] = []
    seen: set[int] = set()
    unreported = 0
    try:
        for doc in documents:
            if not usable(doc) or doc.id in seen:
                continue
            seen.add(doc.id)
            writer.add_document(**whoosh_fields(doc))
            rows.append(facts(doc))
            unreported += 1
            if unreported == PROGRESS_EVERY:
                progress(unreported)
                unreported = 0
        if not rows:
            writer.cancel()
            return None, 0
        segment = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    shutil.rmtree(path / temporary, ignore_errors=True)  # a committing writer would; this one only finalizes
    if unreported:
        progress(unreported)
    if len(rows) >= PERSIST_COLUMNS_MIN_DOCS:
        # Rows are in document-number order: the segment's columns without reading it back.
        SegmentColumns.from_facts(rows).save(path / columns_file(segment.segment_id()))
    return segment, len(rows)


def _write_in_processes(
    path: Path, parts: Sequence[Part], progress: Callable[[int], None]
) -> tuple[list[Segment], int]:
    fork = multiprocessing.get_context("fork")  # parts are closures over the caller's state: not picklable
    messages = fork.Queue()
    limitmb = max(64, POSTINGS_MEMORY_MB // len(parts))
    workers = [
        fork.Process(target=_part_process, args=(path, part, number, limitmb, messages), daemon=True)
        for number, part in enumerate(parts)
    ]
    for worker in workers:
        worker.start()
    segments, count, waiting = [], 0, set(range(len(parts)))
    try:
        while waiting:
            # A process flushes its messages before it exits, so one that had exited before this wait
            # and still has not said it is done never will.
            exited = sorted(n for n in waiting if workers[n].exitcode is not None)
            try:
                message = messages.get(timeout=1)
            except queue.Empty:
                if exited:
                    raise RuntimeError(f"indexing process for part {exited[0]} died without finishing") from None
                continue
            if message[0] == "progress":
                progress(message[1])
            elif message[0] == "failed":
                raise RuntimeError(f"indexing part {message[1]} failed:\n{message[2]}")
            else:
                _, number, segment, written = message
                waiting.discard(number)
                count += written
                if segment is not None:
                    segments.append((number, segment))
    finally:
        for worker in workers:
            if worker.is_alive() and waiting:
                worker.terminate()
            worker.join()
    return [segment for _, segment in sorted(segments, key=lambda item: item[0])], count


def _part_process(path: Path, part: Part, number: int, limitmb: int, messages) -> None:
    try:
        segment, written = _write_segment(path, part(), limitmb, lambda n: messages.put(("progress", n)))
        messages.put(("done", number, segment, written))
    except BaseException:
        messages.put(("failed", number, traceback.format_exc()))
