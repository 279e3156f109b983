"""Filterable provider values held as numpy columns, one row per Whoosh document number.

Whoosh segments never change once written (only their deletion sets do), so
columns are built once per segment, from the documents at rebuild time or
from the stored ``facts`` otherwise, and cached. A :class:`Columns` snapshot
concatenates the segments of one index version in Whoosh's document-number
order and marks deleted rows dead, so a text match's document number is also
its row here.

Open vocabularies are matrices with one column per distinct value, so there
is no limit on how many exist: languages are boolean; services and badges
hold the last day number each is valid (0: absent), so a query keeps those
still valid on its date.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from searchindex.geo import EARTH_RADIUS_MILES

_VOCAB_FIELDS = ("kind", "gender")  # one value (or None) per row
_SET_FIELDS = ("services", "languages", "badges")  # a set of values per row
_DATED_FIELDS = ("services", "badges")  # ... each with its last valid day


@dataclass
class SegmentColumns:
    """The columns of one segment, with segment-local vocabularies."""

    arrays: dict[str, np.ndarray]
    vocab: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.arrays["id"])

    @classmethod
    def from_facts(cls, rows: Sequence[tuple]) -> "SegmentColumns":
        """Build from :func:`searchindex.schema.facts` tuples in document-number order."""
        n = len(rows)
        vocab: dict[str, dict[str, int]] = {name: {} for name in _VOCAB_FIELDS + _SET_FIELDS}

        def code(name: str, value: str | None) -> int:
            if value is None:
                return -1
            table = vocab[name]
            return table.setdefault(value, len(table))

        arrays = {
            "id": np.empty(n, np.int64),
            "latitude": np.empty(n, np.float64),
            "longitude": np.empty(n, np.float64),
            "radius": np.empty(n, np.float64),
            "kind": np.empty(n, np.int16),
            "rate_min": np.empty(n, np.float64),
            "rating": np.empty(n, np.float64),
            "reviews": np.empty(n, np.int32),
            "availability": np.empty(n, np.int64),
            "gender": np.empty(n, np.int16),
            "len_name": np.empty(n, np.float32),
            "len_about": np.empty(n, np.float32),
            "len_services": np.empty(n, np.float32),
            "reliability": np.empty(n, np.float64),
        }
        sets: dict[str, list[list[tuple[int, int]]]] = {name: [] for name in _SET_FIELDS}
        nan = math.nan
        for i, row in enumerate(rows):
            (
                id_,
                lat,
                lon,
                radius,
                kind,
                services,
                rate_min,
                _rate_max,
                rating,
                reviews,
                languages,
                availability,
                gender,
                badges,
                len_name,
                len_about,
                len_services,
                *rest,  # documents written before visit reliability have none
            ) = row
            reliability = rest[0] if rest else None
            arrays["id"][i] = id_
            arrays["latitude"][i] = lat
            arrays["longitude"][i] = lon
            arrays["radius"][i] = radius
            arrays["kind"][i] = code("kind", kind)
            arrays["rate_min"][i] = nan if rate_min is None else rate_min
            arrays["rating"][i] = nan if rating is None else rating
            arrays["reviews"][i] = reviews
            arrays["availability"][i] = availability
            arrays["gender"][i] = code("gender", gender)
            arrays["len_name"][i] = len_name
            arrays["len_about"][i] = len_about
            arrays["len_services"][i] = len_services
            arrays["reliability"][i] = nan if reliability is None else reliability
            sets["services"].append([(code("services", v), until) for v, until in services])
            sets["languages"].append([(code("languages", v), 1) for v in languages])
            sets["badges"].append([(code("badges", v), until) for v, until in badges])
        for name in _SET_FIELDS:
            matrix = np.zeros((n, len(vocab[name])), dtype=np.int32 if name in _DATED_FIELDS else bool)
            for i, entries in enumerate(sets[name]):
                for column, value in entries:
                    matrix[i, column] = value
            arrays[name] = matrix
        return cls(arrays, {name: list(table) for name, table in vocab.items()})

    def save(self, path: Path) -> None:
        """Write atomically (temporary file, then ``os.replace``)."""
        payload = dict(self.arrays)
        for name, values in self.vocab.items():
            payload[f"vocab_{name}"] = np.array(values, dtype=str)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **payload)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "SegmentColumns":
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files if not k.startswith("vocab_")}
            vocab = {k[len("vocab_") :]: [str(v) for v in data[k]] for k in data.files if k.startswith("vocab_")}
        return cls(arrays, vocab)


CELL_DEGREES = 0.1  # about 7 by 4 miles in the UK
CELL_STRIDE = 3600  # longitude cells around the world


def _cell_keys(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    lat_cell = np.floor(latitude / CELL_DEGREES).astype(np.int64)
    lon_cell = np.floor((longitude + 180.0) / CELL_DEGREES).astype(np.int64)
    return lat_cell * CELL_STRIDE + np.clip(lon_cell, 0, CELL_STRIDE - 1)


class Columns:
    """All rows of one index version, ready for vectorised filtering.

    ``alive`` is False for deleted rows. ``cell_order`` lists row numbers by
    grid cell (0.1 degree squares, row-major), so the cells a query's box
    covers are one contiguous slice per row of cells.
    """

    def __init__(self, segments: Iterable[tuple[SegmentColumns, Iterable[int]]]):
        parts = list(segments)
        self.vocab: dict[str, dict[str, int]] = {}
        for name in _VOCAB_FIELDS + _SET_FIELDS:
            table: dict[str, int] = {}
            for seg, _ in parts:
                for value in seg.vocab.get(name, []):
                    table.setdefault(value, len(table))
            self.vocab[name] = table
        self.vocab_values = {name: list(table) for name, table in self.vocab.items()}

        n = sum(len(seg) for seg, _ in parts)
        self.size = n
        cols: dict[str, np.ndarray] = {}
        simple = (
            "id",
            "latitude",
            "longitude",
            "radius",
            "rate_min",
            "rating",
            "reviews",
            "availability",
            "len_name",
            "len_about",
            "len_services",
            "reliability",
        )
        for name in simple:
            dtype = parts[0][0].arrays[name].dtype if parts else np.float64
            cols[name] = np.concatenate([seg.arrays[name] for seg, _ in parts]) if parts else np.empty(0, dtype)
        for name in _VOCAB_FIELDS:
            out = np.full(n, -1, np.int16)
            start = 0
            for seg, _ in parts:
                local = seg.arrays[name]
                remap = np.array([self.vocab[name][v] for v in seg.vocab.get(name, [])] + [-1], np.int16)
                out[start : start + len(seg)] = remap[local]  # -1 indexes the trailing -1
                start += len(seg)
            cols[name] = out
        for name in _SET_FIELDS:
            out = np.zeros((n, len(self.vocab[name])), dtype=np.int32 if name in _DATED_FIELDS else bool)
            start = 0
            for seg, _ in parts:
                local = seg.arrays[name]
                if local.shape[1]:
                    targets = [self.vocab[name][v] for v in seg.vocab[name]]
                    out[start : start + len(seg), targets] = local
                start += len(seg)
            # Column-major: filters and facets read one value across many rows.
            cols[name] = np.asfortranarray(out)
        alive = np.ones(n, dtype=bool)
        start = 0
        for seg, deleted in parts:
            dead = [start + d for d in deleted]
            if dead:
                alive[dead] = False
            start += len(seg)
        self.alive = alive
        self.cols = cols
        self._averages: dict[str, float] = {}
        keys = _cell_keys(cols["latitude"], cols["longitude"])
        self.cell_order = np.argsort(keys, kind="stable")
        self.sorted_cells = keys[self.cell_order]

    def average_length(self, name: str) -> float:
        """Mean of a text-length column over live rows (at least 1), computed once."""
        if name not in self._averages:
            values = self.cols[name][self.alive]
            self._averages[name] = max(1.0, float(values.mean())) if len(values) else 1.0
        return self._averages[name]

    def alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self.alive)

    def candidates(self, latitude: float, longitude: float, radius: float) -> np.ndarray:
        """Alive rows in the grid cells that cover a box around the circle (any order)."""
        # Degrees of latitude per mile are constant on a sphere; pad for rounding.
        dlat = math.degrees(radius / EARTH_RADIUS_MILES) * 1.001 + 1e-9
        edge = abs(latitude) + dlat
        # A circle is widest in longitude nearer the pole, so use the box's polar edge.
        dlon = dlat / math.cos(math.radians(edge)) * 1.001 if edge < 89.0 else 360.0
        if dlon >= 90.0:
            rows = np.flatnonzero(self.alive)
        else:
            first_lat = math.floor((latitude - dlat) / CELL_DEGREES)
            last_lat = math.floor((latitude + dlat) / CELL_DEGREES)
            lat_cells = np.arange(first_lat, last_lat + 1, dtype=np.int64) * CELL_STRIDE
            west = math.floor((longitude - dlon + 180.0) / CELL_DEGREES)
            east = math.floor((longitude + dlon + 180.0) / CELL_DEGREES)
            if west < 0 or east >= CELL_STRIDE:  # across the antimeridian: never in the UK
                rows = np.flatnonzero(self.alive)
            else:
                starts = np.searchsorted(self.sorted_cells, lat_cells + west, side="left")
                ends = np.searchsorted(self.sorted_cells, lat_cells + east, side="right")
                rows = np.concatenate([self.cell_order[a:b] for a, b in zip(starts.tolist(), ends.tolist())])
                rows = rows[self.alive[rows]]
        return rows

    def distances(self, rows: np.ndarray, latitude: float, longitude: float) -> np.ndarray:
        """Haversine miles, computed the same way as :func:`searchindex.geo.distance_miles`."""
        lat = self.cols["latitude"][rows]
        lon = self.cols["longitude"][rows]
        phi1 = math.radians(latitude)
        phi2 = np.radians(lat)
        dphi = phi2 - phi1
        dlambda = np.radians(lon - longitude)
        a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
        return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.minimum(1.0, a)))

    def codes(self, name: str, values: Sequence[str]) -> list[int] | None:
        """Vocabulary codes for values, or None when one is unknown (so nothing can match it)."""
        table = self.vocab[name]
        out = []
        for value in values:
            if value not in table:
                return None
            out.append(table[value])
        return out
