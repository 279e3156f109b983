"""Stable HSDS identifiers (UUIDs) for rows that have integer keys.

HSDS wants a UUID for every object. We add no columns for them: each id is
a version-8 ("custom") UUID that spells out the entity and the integer keys
it stands for, so ``/services/{id}`` finds its row without a lookup table and
a harvester sees the same id for the same thing every night. Child objects
that are never fetched on their own (attributes, languages, schedules...)
use name-based UUIDs instead.
"""

from __future__ import annotations

import uuid
from hashlib import sha1

# The first eight hex digits say what the id names.
_PREFIX = {
    "organization": "7c6e0001",
    "service": "7c6e0002",
    "location": "7c6e0003",
    "service_at_location": "7c6e0004",
    "taxonomy": "7c6e0005",
    "taxonomy_term": "7c6e0006",
}
_ENTITY = {prefix: name for name, prefix in _PREFIX.items()}
_NAMESPACE = uuid.UUID("7c6e0000-5e7a-4c2e-9a1b-0d1e2f3a4b5c")
_NAMESPACE_BYTES = _NAMESPACE.bytes
_MAX_A = 16**7 - 1
_MAX_B = 16**15 - 1


def encode(entity: str, a: int, b: int = 0) -> str:
    """The UUID for ``entity`` with keys ``a`` and ``b`` (both non-negative)."""
    if not (0 <= a <= _MAX_A and 0 <= b <= _MAX_B):
        raise ValueError("key out of range")
    a_hex, b_hex = f"{a:07x}", f"{b:015x}"
    return f"{_PREFIX[entity]}-{a_hex[:4]}-8{a_hex[4:]}-8{b_hex[:3]}-{b_hex[3:]}"


def decode(entity: str, text: str) -> tuple[int, int] | None:
    """``(a, b)`` if ``text`` is an id of ``entity`` made by :func:`encode`, else None."""
    try:
        value = str(uuid.UUID(text))
    except (ValueError, AttributeError, TypeError):
        return None
    if _ENTITY.get(value[:8]) != entity or value[14] != "8" or value[19] != "8":
        return None
    return int(value[9:13] + value[15:18], 16), int(value[20:23] + value[24:], 16)


def named(*parts: object) -> str:
    """A stable UUID for a child object, from the parts that make it unique.

    Exactly ``str(uuid.uuid5(namespace, "a:b:c"))``, written out: the feed
    makes a dozen of these per service, and the ``UUID`` object costs more
    than the hash (tests/openreferral/test_ids.py compares the two).
    """
    digest = bytearray(sha1(_NAMESPACE_BYTES + ":".join(map(str, parts)).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# The registry publishes two taxonomies: its service types and its check kinds.
SERVICE_TYPES_TAXONOMY = 1
CHECKS_TAXONOMY = 2


def organization_id(provider_id: int) -> str:
    return encode("organization", 0, provider_id)


def service_id(provider_id: int, service_type_id: int) -> str:
    return encode("service", service_type_id, provider_id)


def location_id(provider_id: int) -> str:
    return encode("location", 0, provider_id)


def service_at_location_id(provider_id: int, service_type_id: int) -> str:
    return encode("service_at_location", service_type_id, provider_id)


def taxonomy_id(taxonomy: int) -> str:
    return encode("taxonomy", 0, taxonomy)


def taxonomy_term_id(taxonomy: int, key: int) -> str:
    return encode("taxonomy_term", taxonomy, key)
