"""UK postcodes and distances.

A full postcode or a postcode district (the outward code, "outcode") resolves
to the centroid of its district, from ``data/uk-outcodes.csv`` (contains OS
data © Crown copyright and database right, Open Government Licence v3).
The registry never needs more precision than that: a PA's public location is
their district, so matching on districts keeps private addresses private.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EARTH_RADIUS_MILES = 3958.7613
_DATA_FILE = Path(__file__).parent / "data" / "uk-outcodes.csv"

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][A-Z]{2}"
_FULL_RE = re.compile(rf"^({_OUTWARD})({_INWARD})$")
_DISTRICT_RE = re.compile(rf"^{_OUTWARD}$")


def _spaced(*parts: str) -> str:
    return "".join(rf"{part}\s*" for part in parts)


# What :func:`normalise_postcode` accepts, as one regular expression that JSON
# Schema (ECMA-262) and Python read alike, for API documents: a district, or a
# full postcode, in any case, with whitespace anywhere. Whether the district
# is one we know is a question for the data (UnknownPostcode), not the shape.
POSTCODE_PATTERN = (
    r"^\s*"
    + _spaced("[A-Za-z]")
    + f"(?:{_spaced('[A-Za-z]')})?"
    + _spaced("[0-9]")
    + f"(?:{_spaced('[A-Za-z0-9]')})?"
    + f"(?:{_spaced('[0-9]', '[A-Za-z]', '[A-Za-z]')})?$"
)


class PostcodeError(ValueError):
    """The text is not a UK postcode we can place on the map."""


class InvalidPostcode(PostcodeError):
    """The text does not have the shape of a UK postcode or district."""


class UnknownPostcode(PostcodeError):
    """The text looks like a postcode but its district is not in our table."""


@dataclass(frozen=True)
class Place:
    """Where a postcode is, as far as the registry cares."""

    postcode: str  # normalised: "SW1A 1AA", or the district alone: "LS1"
    outcode: str
    latitude: float
    longitude: float


def normalise_postcode(text: str) -> tuple[str, str]:
    """Return ``(normalised, outcode)`` for a full postcode or a district.

    Accepts any case and spacing ("sw1a1aa", " SW1A  1AA ", "ls1").
    Raises :class:`InvalidPostcode` for anything else.
    """
    compact = re.sub(r"\s+", "", text or "")
    # ASCII first: "ſ".upper() is "S", and the documented pattern has no such letters.
    compact = compact.upper() if compact.isascii() else ""
    full = _FULL_RE.match(compact)
    if full:
        outward, inward = full.groups()
        return f"{outward} {inward}", outward
    if _DISTRICT_RE.match(compact):
        return compact, compact
    raise InvalidPostcode(f"“{(text or '').strip()[:20]}” is not a UK postcode.")


@cache
def outcode_centroids() -> dict[str, tuple[float, float]]:
    """Every known district mapped to its ``(latitude, longitude)``."""
    with _DATA_FILE.open(encoding="utf-8") as handle:
        return {
            row["outcode"].strip().upper(): (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        }


def locate(text: str) -> Place:
    """Resolve a postcode or district to its district's centroid.

    Raises :class:`InvalidPostcode` or :class:`UnknownPostcode`.
    """
    normalised, outcode = normalise_postcode(text)
    try:
        latitude, longitude = outcode_centroids()[outcode]
    except KeyError:
        raise UnknownPostcode(f"We don't know the postcode district {outcode}.") from None
    return Place(normalised, outcode, latitude, longitude)


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in miles."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, a)))
