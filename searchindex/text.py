"""Text relevance: Whoosh postings, scored with BM25F against the candidate rows.

Whoosh's own query path walks every posting of a common word in Python (a
word like "care" matches most providers), so it grows with the registry.
Instead each (segment, field, word) posting list is read once into numpy
arrays and cached (segments never change), and a query scores only the rows
the column filters left, with ``searchsorted``.

Score of a row for the words ``t`` (all of which must appear somewhere)::

    sum over t, over fields f containing t:
        boost_f * idf(f, t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len_f / avg_len_f))

with ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``, ``k1 = 1.2``,
``b = 0.75`` and boosts name 2, service names 1.5, about 1 (BM25F, as
Whoosh scores by default).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np

from searchindex.columns import Columns

K1 = 1.2
B = 0.75
FIELD_BOOSTS = {"name": 2.0, "services": 1.5, "about": 1.0}
LENGTH_COLUMNS = {"name": "len_name", "services": "len_services", "about": "len_about"}
CACHE_ENTRIES = 4096

_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float32))


def read_postings(leaf, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers (ascending) and term frequencies of ``term`` in one segment."""
    if (field, term) not in leaf:
        return _EMPTY
    matcher = leaf.postings(field, term)
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    if all(hasattr(matcher, name) for name in ("_read_ids", "_read_weights", "_next_block")):
        # Whoosh 2.7's W3LeafMatcher keeps whole blocks (about 128 postings);
        # taking a block at a time is ~50x faster than one posting at a time.
        # tests/search pins that this agrees with the public API.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if not ids:
            return _EMPTY
        return np.concatenate(ids), np.concatenate(weights)
    return read_postings_slowly(matcher)


def read_postings_slowly(matcher) -> tuple[np.ndarray, np.ndarray]:
    """The same through the public matcher API (any Whoosh version)."""
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)


class PostingsCache:
    """Least-recently-used (generation, segment, field, term) -> postings, shared by threads."""

    def __init__(self, entries: int = CACHE_ENTRIES):
        self.entries = entries
        self._data: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, leaf, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                return found
        found = read_postings(leaf, field, term)
        with self._lock:
            self._data[key] = found
            while len(self._data) > self.entries:
                self._data.popitem(last=False)
        return found

    def forget_generation(self, keep: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k[0] != keep]:
                del self._data[key]


def score_rows(
    columns: Columns,
    leaves: list[tuple[object, int, str]],
    generation: str,
    cache: PostingsCache,
    terms: list[str],
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``rows`` (ascending row numbers) contain every term, and their scores.

    ``leaves`` lists ``(segment reader, first row, segment id)`` in row order.
    """
    n_docs = max(1, columns.size)
    matched = np.ones(len(rows), dtype=bool)
    total = np.zeros(len(rows))
    for term in terms:
        present = np.zeros(len(rows), dtype=bool)
        term_score = np.zeros(len(rows))
        for field, boost in FIELD_BOOSTS.items():
            docs_parts, tf_parts = [], []
            for leaf, offset, segid in leaves:
                docs, tf = cache.get((generation, segid, field, term), leaf, field, term)
                if len(docs):
                    docs_parts.append(docs + offset)
                    tf_parts.append(tf)
            if not docs_parts:
                continue
            docs = np.concatenate(docs_parts) if len(docs_parts) > 1 else docs_parts[0]
            tf_all = np.concatenate(tf_parts) if len(tf_parts) > 1 else tf_parts[0]
            pos = np.searchsorted(docs, rows)
            pos[pos == len(docs)] = 0
            hit = docs[pos] == rows
            if not hit.any():
                continue
            df = len(docs)
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            lengths = columns.cols[LENGTH_COLUMNS[field]]
            avg = columns.average_length(LENGTH_COLUMNS[field])
            tf = tf_all[pos[hit]].astype(np.float64)
            norm = K1 * (1 - B + B * lengths[rows[hit]] / avg)
            term_score[hit] += boost * idf * tf * (K1 + 1) / (tf + norm)
            present |= hit
        matched &= present
        total += term_score
    return matched, total[matched]
