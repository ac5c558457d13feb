"""The sort-and-search replacements of np.unique / np.isin give what numpy gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from explorer.sorted_keys import in_sorted, unique_sorted

keys = st.lists(st.integers(-(2**62), 2**62), max_size=60)
small = st.lists(st.integers(-5, 5), max_size=60)


@given(values=st.one_of(keys, small))
def test_unique_sorted_is_np_unique(values: list[int]) -> None:
    x = np.array(values, dtype=np.int64)
    assert unique_sorted(x).tolist() == np.unique(x).tolist()


@given(values=st.one_of(keys, small), pool=st.one_of(keys, small))
def test_in_sorted_is_np_isin(values: list[int], pool: list[int]) -> None:
    x, table = np.array(values, dtype=np.int64), np.unique(np.array(pool, dtype=np.int64))
    assert in_sorted(x, table).tolist() == np.isin(x, table).tolist()


def test_linked_pair_keys_are_computed_once_and_match_the_edges() -> None:
    import explorer
    from conftest import EXAMPLE

    kg = explorer.load(EXAMPLE)
    first = kg.linked_pair_keys()
    assert first is kg.linked_pair_keys()
    n = len(kg)
    a, b = kg.source_codes.astype(np.int64), kg.target_codes.astype(np.int64)
    assert first.tolist() == sorted({min(x, y) * n + max(x, y) for x, y in zip(a, b, strict=True)})
