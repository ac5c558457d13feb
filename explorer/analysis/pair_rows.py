"""Row-wise set operations on the CSR rows of two entity x word matrices, all pairs at once.

Row ``k`` of ``a`` and of ``b`` are the words of the two texts of pair ``k``; these
functions give, for every pair in a few sparse operations, the words both have, the words
only one has, whether a row holds a marked word, and the rows' words joined as text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

__all__ = ["Rows", "join_rows", "row_flags", "split_both", "split_rows"]

Rows = tuple[np.ndarray, np.ndarray]  # the indptr and indices of a CSR matrix


def split_rows(a: sp.csr_matrix, b: sp.csr_matrix) -> tuple[Rows, Rows]:
    """Row by row, the columns of ``a`` also in ``b``, and those only in ``a``.

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.int8))
    >>> b = sp.csr_matrix(np.array([[0, 1, 1], [0, 1, 1]], dtype=np.int8))
    >>> (both_ptr, both), (only_ptr, only) = split_rows(a, b)
    >>> both.tolist(), both_ptr.tolist(), only.tolist(), only_ptr.tolist()
    ([1, 1, 2], [0, 1, 3], [0], [0, 1, 1])
    """
    where = sp.csr_matrix((np.arange(1, a.nnz + 1), a.indices, a.indptr), shape=a.shape)
    found = where.multiply(b).tocsr()  # its values: 1 + the position in ``a`` of a shared one
    shared = np.zeros(a.nnz, dtype=bool)
    shared[found.data - 1] = True
    only = np.concatenate([[0], np.cumsum(np.diff(a.indptr) - np.diff(found.indptr))])
    return (found.indptr, found.indices), (only, a.indices[~shared])


def split_both(a: sp.csr_matrix, b: sp.csr_matrix) -> tuple[Rows, Rows, Rows]:
    """:func:`split_rows` both ways with one sparse product: shared, only in a, only in b.

    The shared entries are found once (in ``a``'s order); their places in ``b`` come from a
    binary search of ``b``'s ``(row, column)`` keys, instead of a second product.

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.int8))
    >>> b = sp.csr_matrix(np.array([[0, 1, 1], [1, 1, 1]], dtype=np.int8))
    >>> (_, both), (_, a_only), (b_ptr, b_only) = split_both(a, b)
    >>> both.tolist(), a_only.tolist(), b_only.tolist(), b_ptr.tolist()
    ([1, 1, 2], [0], [2, 0], [0, 1, 2])
    """
    both, a_only = split_rows(a, b)
    if not b.has_sorted_indices:
        b = b.copy()
        b.sort_indices()
    width = np.int64(max(b.shape[1], 1))
    rows_b = np.repeat(np.arange(b.shape[0], dtype=np.int64), np.diff(b.indptr))
    rows_f = np.repeat(np.arange(b.shape[0], dtype=np.int64), np.diff(both[0]))
    at = np.searchsorted(rows_b * width + b.indices, rows_f * width + both[1])
    shared = np.zeros(b.nnz, dtype=bool)
    shared[at] = True
    only = np.concatenate([[0], np.cumsum(np.diff(b.indptr) - np.diff(both[0]))])
    return both, a_only, (only, b.indices[~shared])


def row_flags(rows: Rows, code: np.ndarray) -> np.ndarray:
    """Per row, whether it holds a column with bit 1 of ``code``, and with bit 2."""
    hit = np.flatnonzero(code[rows[1]])
    at = np.searchsorted(rows[0], hit, side="right") - 1
    out = np.zeros((2, len(rows[0]) - 1), dtype=bool)
    for bit in (0, 1):
        out[bit, at[(code[rows[1][hit]] >> bit) & 1 > 0]] = True
    return out


def join_rows(rows: Rows, words: pa.Array, limit: int) -> pa.Array:
    """Per row, its first ``limit`` words (``words[column]``) joined with ", ", in Arrow.

    Examples
    --------
    >>> rows = (np.array([0, 2, 2, 5]), np.array([0, 1, 2, 0, 1]))
    >>> join_rows(rows, pa.array(["tau", "sleep", "mice"]), 2).to_pylist()
    ['tau, sleep', '', 'mice, tau']
    """
    indptr, indices = rows
    kept = np.minimum(np.diff(indptr), limit)
    offsets = np.concatenate([[0], np.cumsum(kept)])
    picked = np.repeat(indptr[:-1] - offsets[:-1], kept) + np.arange(offsets[-1])
    lists = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()),
                                     words.take(pa.array(indices[picked])))
    return pc.binary_join(lists, ", ")
