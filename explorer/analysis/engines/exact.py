"""Exact pairs by blocked float32 matrix products, tile by tile over the upper triangle.

:func:`block_pairs` is the kernel: every pair above a threshold between two blocks of
unit vectors. The local engine runs it over the tiles of one matrix; the Spark engine
(:mod:`explorer.scale.spark`) runs the very same function on each block pair of a
partitioned matrix, so both find the same pairs.

A float32 product's last bits depend on the shapes multiplied (BLAS picks its kernels and
its order of additions by them, and by the CPU type, e.g. ``OPENBLAS_CORETYPE``): the same
pair could come out 1 ulp apart from tiles cut differently, round to another third
decimal, or fall on the other side of the threshold. So the product only proposes pairs
(down to :data:`SLACK` below the threshold); each proposed pair's cosine is then computed
on its own (:func:`pair_cosines`: exact float32 products, summed in float64, rounded once),
and that value is kept, compared with the threshold and returned. Any tiling, the local
engine's or Spark's, gives the same pairs with the same cosines, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ...progress import progress_bar
from .int8 import Codes, Products, codes_of, int8_available, propose

__all__ = ["CODED_BLOCK", "SLACK", "block_pairs", "concat", "exact_nearest", "exact_pairs",
           "expected_seconds", "pair_cosines", "product_seconds"]

#: How far below the threshold a product may propose a pair (float32 products of unit
#: vectors differ by about 1e-7 from one tiling to another).
SLACK = 1e-5
_PAIRS_AT_ONCE = 1 << 16  # pairs whose cosines are summed at a time (bounded memory)
#: Blocks of at least this many pairs are coded to 8 bits when no codes are given (the
#: coding costs about what a product of a few thousand pairs per row does).
CODED_BLOCK = 1 << 22

#: float32 multiply-adds per second these machines sustain in a blocked matmul (2 cores);
#: only used to decide whether a progress bar is worth showing.
FLOPS = 5e10
THREADS = 2  # threads of the integer products of the whole-matrix search


#: The same for 8-bit products (measured: the 100k exact search, 1.3e12 in 10.2 s).
INT8_OPS = 1.2e11


def product_seconds(rows: int, cols: int, dim: int) -> float:
    """Rough duration of the products of ``rows`` by ``cols`` vectors of ``dim`` dimensions."""
    return rows * cols * dim / (INT8_OPS if int8_available() else FLOPS)


def expected_seconds(m: int, dim: int) -> float:
    """Rough duration of a whole-graph exact search over ``m`` vectors of ``dim`` dimensions."""
    return product_seconds(m, m, dim) / 2


def concat(parts: list[np.ndarray], dtype: object) -> np.ndarray:
    """``np.concatenate`` that gives an empty array of ``dtype`` for no parts."""
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.array([], dtype)


def block_pairs(
    rows: np.ndarray,
    cols: np.ndarray,
    threshold: float,
    *,
    diagonal: bool = False,
    out: np.ndarray | None = None,
    codes: tuple[Codes, Codes] | None = None,
    products: Products | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair ``(r, c)`` with ``rows[r] @ cols[c] >= threshold``.

    The pairs are proposed by an 8-bit product where onnxruntime gives one
    (:mod:`~explorer.analysis.engines.int8`; about 4x faster, with a proven margin) and
    by a float32 product elsewhere; either way each proposed pair's cosine is computed
    by :func:`pair_cosines`, so the result is the same.

    Parameters
    ----------
    rows, cols
        Unit vectors, float32, shapes ``(a, d)`` and ``(b, d)``.
    threshold
        Cosine threshold.
    diagonal
        ``rows`` and ``cols`` are the same block: keep ``r < c`` only.
    out
        A reusable ``(a, b)`` float32 buffer for a float32 product.
    codes
        The :class:`~explorer.analysis.engines.int8.Codes` of ``rows`` and of ``cols``,
        if already computed; ``None`` codes blocks of at least :data:`CODED_BLOCK` pairs.
    products
        The :class:`~explorer.analysis.engines.int8.Products` to reuse (one thread if
        ``None``).

    Returns
    -------
    tuple of numpy.ndarray
        ``(r, c, cosine)``: local row indices (int64) and the cosines (float32).

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    >>> r, c, cos = block_pairs(x, x, 0.5, diagonal=True)
    >>> r.tolist(), c.tolist(), [round(float(v), 2) for v in cos]
    ([0, 1], [1, 2], [0.8, 0.6])
    """
    if codes is None and len(rows) * len(cols) >= CODED_BLOCK:
        row_codes, col_codes = codes_of(rows), codes_of(cols)
        codes = None if row_codes is None or col_codes is None else (row_codes, col_codes)
    if codes is not None:
        r, c = propose(*codes, threshold, SLACK, products or Products(1))
    else:
        if out is None or out.shape != (len(rows), len(cols)):
            out = np.empty((len(rows), len(cols)), dtype=np.float32)
        np.matmul(rows, cols.T, out=out)
        r, c = np.divmod(np.flatnonzero(out >= np.float32(threshold - SLACK)), out.shape[1])
    if diagonal:
        upper = r < c
        r, c = r[upper], c[upper]
    cosine = pair_cosines(rows, cols, r, c)
    keep = cosine >= np.float32(threshold)
    return r[keep].astype(np.int64), c[keep].astype(np.int64), cosine[keep]


def pair_cosines(rows: np.ndarray, cols: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``rows[r[k]] @ cols[c[k]]`` for each ``k``, the same whatever else is computed with it.

    Each product of two float32 numbers is exact in float64, and their float64 sum is
    rounded to float32 once: the result depends on the two vectors only, not on the shapes
    of a matrix product (as BLAS results do).

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6]], dtype=np.float32)
    >>> [round(float(v), 3) for v in pair_cosines(x, x, np.array([0, 1]), np.array([1, 1]))]
    [0.8, 1.0]
    """
    out = np.empty(len(r), dtype=np.float32)
    for s in range(0, len(r), _PAIRS_AT_ONCE):
        a = rows[r[s:s + _PAIRS_AT_ONCE]].astype(np.float64)
        a *= cols[c[s:s + _PAIRS_AT_ONCE]]
        out[s:s + _PAIRS_AT_ONCE] = a.sum(axis=1)
    return out


def _tiles(m: int, block: int) -> Iterator[tuple[int, int]]:
    for r0 in range(0, m, block):
        for c0 in range(r0, m, block):
            yield r0, c0


def exact_pairs(
    x: np.ndarray, threshold: float, *, block: int = 4096, progress: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair ``i < j`` of rows of ``x`` (unit vectors) with cosine >= ``threshold``."""
    m = len(x)
    nb = -(-m // block)
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    found_c: list[np.ndarray] = []
    codes = codes_of(x, threads=THREADS)
    products = None if codes is None else Products(THREADS)
    buffer = None if codes else np.empty((min(block, m), min(block, m)), dtype=np.float32)
    with progress_bar(
        nb * (nb + 1) // 2, desc="similar pairs", unit="block", show=progress,
        expected_seconds=expected_seconds(m, x.shape[1]),
    ) as bar:
        for r0, c0 in _tiles(m, block):
            rows, cols = x[r0 : r0 + block], x[c0 : c0 + block]
            tile = None if codes is None else (codes[r0 : r0 + block], codes[c0 : c0 + block])
            r, c, cos = block_pairs(rows, cols, threshold, diagonal=r0 == c0, out=buffer,
                                    codes=tile, products=products)
            if len(r):
                found_i.append(r + r0)
                found_j.append(c + c0)
                found_c.append(cos)
            bar.update(1)
    return concat(found_i, np.int64), concat(found_j, np.int64), concat(found_c, np.float32)


def exact_nearest(x: np.ndarray, *, block: int = 4096, progress: bool | None = None) -> np.ndarray:
    """Each row's highest cosine to any other row of ``x`` (unit vectors)."""
    m = len(x)
    best = np.full(m, -np.inf, dtype=np.float32)
    nb = -(-m // block)
    with progress_bar(
        nb * (nb + 1) // 2, desc="nearest cosine", unit="block", show=progress,
        expected_seconds=expected_seconds(m, x.shape[1]),
    ) as bar:
        for r0, c0 in _tiles(m, block):
            sims = x[r0 : r0 + block] @ x[c0 : c0 + block].T
            r1, c1 = r0 + sims.shape[0], c0 + sims.shape[1]
            if r0 == c0:
                np.fill_diagonal(sims, -np.inf)
            else:
                np.maximum(best[c0:c1], sims.max(axis=0), out=best[c0:c1])
            np.maximum(best[r0:r1], sims.max(axis=1), out=best[r0:r1])
            bar.update(1)
    return best
