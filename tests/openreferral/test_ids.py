"""The feed's name-based ids are exactly the standard library's uuid5."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from registry.openreferral import ids

parts = st.lists(
    st.one_of(st.integers(), st.text(), st.sampled_from(["attribute", "schedule", "language"])), min_size=1
)


@given(parts)
def test_named_is_uuid5_of_the_parts_joined(items):
    assert ids.named(*items) == str(uuid.uuid5(ids._NAMESPACE, ":".join(str(p) for p in items)))


def test_a_known_id_stays_the_same():
    # Harvesters keep these from night to night.
    assert ids.named("attribute", ids.service_id(1, 2), 1) == "a257a1fd-1b8e-5d07-9a22-94a288846fd6"
