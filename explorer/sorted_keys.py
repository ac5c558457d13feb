"""Sorted unique integer keys, and membership in them, without hashing.

Pairs of entities are keyed ``min * n + max`` (int64). At a million entities the key
arrays hold millions of values, and numpy 2.4's ``np.unique`` and ``np.isin`` take
6-7 s on 5 million of them here, where a sort takes 0.4 s and a binary search of 3
million keys 0.1 s (``docs/performance.md``). These two functions are the sort and the
search: what ``np.unique`` and ``np.isin`` return, for 1-D integer arrays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["in_sorted", "unique_sorted"]


def unique_sorted(keys: np.ndarray) -> np.ndarray:
    """The distinct values of ``keys``, sorted: ``np.unique(keys)`` by one sort.

    Examples
    --------
    >>> unique_sorted(np.array([5, 1, 5, 3])).tolist()
    [1, 3, 5]
    """
    values = np.sort(np.asarray(keys).ravel())
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def in_sorted(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``keys`` (sorted, distinct): ``np.isin`` by search.

    Examples
    --------
    >>> in_sorted(np.array([4, 1, 9]), np.array([1, 4, 7])).tolist()
    [True, True, False]
    """
    values = np.asarray(values)
    if len(keys) == 0 or len(values) == 0:
        return np.zeros(values.shape, dtype=bool)
    at = np.searchsorted(keys, values)
    np.minimum(at, len(keys) - 1, out=at)
    return keys[at] == values
