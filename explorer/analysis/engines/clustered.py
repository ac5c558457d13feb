"""Approximate pairs by clustered block products: k-means lists, one matmul per list.

Spherical k-means (seeded, numpy) cuts the unit vectors into ``nlist`` lists. Every
vector is a *member* of its nearest list and a *query* of its ``nprobe`` nearest lists;
each list then costs one float32 matrix product, its queries against its members, and
the kernel's threshold (:func:`~explorer.analysis.engines.exact.block_pairs`). A pair is
found when either end probes the other's list, and is kept once.

Compared with faiss IVF ``range_search`` (one query at a time, no BLAS), the work is the
same kind of list scan but done as dense products, so it runs near the matmul peak; and
with about ``8 * sqrt(n)`` short lists a pair is found in few probes. Measured times and
recall are in ``docs/performance.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from ...progress import progress_bar
from .exact import FLOPS, SLACK, block_pairs, concat, pair_cosines
from .int8 import Codes, Products, codes_of, propose_coded, top_columns

T = TypeVar("T")

__all__ = [
    "DEFAULT_NPROBE", "clustered_nearest", "clustered_pairs", "default_nlist",
    "spherical_kmeans", "top_lists",
]

#: Lists each vector probes as a query (its own list included).
DEFAULT_NPROBE = 24  # recall 0.976 at 100k synthetic (16: 0.964); docs/performance.md
ITERATIONS = 2  # k-means iterations: the lists need not be optimal, only local
#: k-means training points per list. 16 points and 2 iterations cost what 8 and 4 did but
#: give evener lists: 26 % fewer products at 100k, recall 0.977 (was 0.976; performance.md)
SAMPLE_PER_LIST = 16
WORKERS = 2  # threads over the lists (the machines this is tuned on have 2 cores)
CHUNK_FLOATS = 1 << 25  # scores per product of rows against the centroids (128 MB)


def default_nlist(m: int) -> int:
    """About ``8 * sqrt(m)`` lists, at most ``m // 4`` (so lists hold a few vectors).

    Examples
    --------
    >>> default_nlist(100_000), default_nlist(100), default_nlist(3)
    (2530, 25, 1)
    """
    return max(1, min(round(8 * math.sqrt(m)), m // 4))


def _unit_rows(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return (a / np.where(norms > 0, norms, 1)).astype(np.float32)


def _starts(sorted_labels: np.ndarray, k: int) -> np.ndarray:
    return np.searchsorted(sorted_labels, np.arange(k + 1))


def spherical_kmeans(
    x: np.ndarray, k: int, *, iterations: int = ITERATIONS, seed: int = 0
) -> np.ndarray:
    """Seeded spherical k-means: ``k`` unit centroids, shape ``(k, d)``.

    Starts from ``k`` distinct rows of ``x`` chosen by ``seed``; a centroid that loses
    all its points keeps its place.

    Examples
    --------
    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> np.round(spherical_kmeans(_unit_rows(x), 2, seed=0) @ [1, 0], 1).tolist()
    [0.1, 1.0]
    """
    rng = np.random.default_rng(seed)
    centroids = x[np.sort(rng.choice(len(x), size=k, replace=False))].copy()
    for _ in range(iterations):
        centroids = _means(x, _labels(x, centroids), centroids)
    return centroids


def _labels(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    rows = max(1024, CHUNK_FLOATS // max(len(centroids), 1))
    return np.concatenate(
        [(x[s : s + rows] @ centroids.T).argmax(axis=1) for s in range(0, len(x), rows)]
    ) if len(x) else np.zeros(0, np.int64)


def _means(x: np.ndarray, label: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Unit means of the rows of each label (a label without rows keeps its centroid)."""
    k = len(centroids)
    order = np.argsort(label, kind="stable")
    counts = np.bincount(label, minlength=k)
    used = counts > 0
    out = centroids.copy()
    out[used] = _unit_rows(np.add.reduceat(x[order], (np.cumsum(counts) - counts)[used], axis=0))
    return out


def top_lists(x: np.ndarray, centroids: np.ndarray, nprobe: int) -> np.ndarray:
    """Each row's ``nprobe`` most similar centroids, the nearest first: ``(m, nprobe)``.

    faiss's flat inner-product search (a BLAS product and a heap per row), which is
    several times faster than ``argpartition`` over the full similarity matrix.
    """
    import faiss

    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(np.ascontiguousarray(centroids, dtype=np.float32))
    _, top = index.search(x, min(nprobe, len(centroids)))
    return top.astype(np.int64)


def _lists(
    x: np.ndarray, nlist: int | None, nprobe: int, seed: int, codes: Codes | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Members and queries of every list, each grouped by list.

    Returns ``(members, member_starts, queries, query_starts, nlist)``: the members of
    list ``c`` are ``members[member_starts[c]:member_starts[c + 1]]``, likewise queries.
    With ``codes`` (of ``x``), the lists each vector probes are ranked by 8-bit products
    (:func:`~explorer.analysis.engines.int8.top_columns`: 1.6x faster than faiss's
    float32 search at 1M; the lists differ from the float ranking's in a few ties).
    """
    m = len(x)
    nlist = max(1, min(nlist or default_nlist(m), m))
    if nlist == 1:
        everyone = np.arange(m)
        bounds = np.array([0, m])
        return everyone, bounds, everyone, bounds, 1
    n_train = min(m, nlist * SAMPLE_PER_LIST)
    sample = np.sort(np.random.default_rng(seed).choice(m, size=n_train, replace=False))
    centroids = spherical_kmeans(x[sample], nlist, seed=seed)
    if codes is not None and (centroid_codes := codes_of(centroids)) is not None:
        probes = top_columns(codes.rows, centroid_codes.cols, nprobe, workers=WORKERS)
    else:
        probes = top_lists(x, centroids, nprobe)
    own = probes[:, 0]
    members = np.argsort(own, kind="stable")
    flat = probes.ravel()
    order = np.argsort(flat, kind="stable")
    queries = order // probes.shape[1]
    return (members, _starts(own[members], nlist), queries, _starts(flat[order], nlist), nlist)


def _each_list(fn: Callable[[int], T], nlist: int, bar: Any) -> list[T]:
    """``fn`` of every list, in list order, on ``WORKERS`` threads of one BLAS thread each.

    The products are small, and OpenBLAS's own threads slow them down (2x measured on
    a busy machine); the fixed split of lists keeps the result deterministic.
    """
    from threadpoolctl import threadpool_limits

    def run(part: range) -> list[T]:
        out = []
        for c in part:
            out.append(fn(c))
            bar.update(1)
        return out

    parts = [range(w, nlist, WORKERS) for w in range(WORKERS)]
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(WORKERS) as pool:
        done = list(pool.map(run, parts))
    result: list[T] = [None] * nlist  # type: ignore[list-item]
    for part, values in zip(parts, done, strict=True):
        for c, value in zip(part, values, strict=True):
            result[c] = value
    return result


def _expected_seconds(m: int, dim: int, nprobe: int) -> float:
    nlist = default_nlist(m)
    return m * (nlist + 2.0 * nprobe * m / nlist) * dim / FLOPS


def clustered_pairs(
    x: np.ndarray,
    threshold: float,
    *,
    nlist: int | None = None,
    nprobe: int = DEFAULT_NPROBE,
    seed: int = 0,
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of rows of ``x`` (unit vectors) with cosine >= ``threshold``.

    Parameters
    ----------
    x
        Unit vectors, float32, shape ``(m, d)``, no zero rows.
    threshold
        Cosine threshold.
    nlist
        Number of k-means lists; ``None`` chooses :func:`default_nlist`.
    nprobe
        Lists each row probes as a query; more finds more pairs and costs more.
    seed
        Seed of the k-means sample and start (the result is deterministic).
    progress
        Show a bar over the lists; ``None`` shows one when the work should take a while.

    Returns
    -------
    tuple of numpy.ndarray
        ``(i, j, cosine)``: row indices with ``i < j`` (int64), each pair once, sorted
        by ``i`` then ``j``, and the cosines (float32, the same product as the exact
        engine's). Approximate: a pair whose lists neither end probes is missed.

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    >>> i, j, cos = clustered_pairs(x, 0.5)
    >>> i.tolist(), j.tolist(), [round(float(v), 2) for v in cos]
    ([0, 1], [1, 2], [0.8, 0.6])
    """
    m = len(x)
    t = np.float32(threshold)
    codes = codes_of(x)
    members, mstart, queries, qstart, nlist = _lists(x, nlist, nprobe, seed, codes)
    need = None if codes is None else codes.thresholds(codes, t, SLACK)
    products = None if codes is None else Products(1)

    def one(c: int) -> tuple[np.ndarray, np.ndarray]:
        mem = members[mstart[c] : mstart[c + 1]]
        qry = queries[qstart[c] : qstart[c + 1]]
        if codes is None:
            r, k, cos = block_pairs(x[qry], x[mem], t)
        else:  # gather 8-bit codes, not float rows: a quarter of the memory traffic
            r, k = propose_coded(codes.rows[qry], need[qry], codes.cols[mem],
                                 products)  # type: ignore[arg-type]
            cos = pair_cosines(x, x, qry[r], mem[k])
            keep = cos >= t
            r, k, cos = r[keep], k[keep], cos[keep]
        a, b = qry[r], mem[k]
        other = a != b
        a, b = a[other], b[other]
        return np.minimum(a, b) * m + np.maximum(a, b), cos[other]

    with progress_bar(
        nlist, desc="similar pairs (clustered)", unit="list", show=progress,
        expected_seconds=_expected_seconds(m, x.shape[1], nprobe),
    ) as bar:
        found = _each_list(one, nlist, bar)
    # A pair is found from one end or from both: keep it once.
    key, first = np.unique(concat([f[0] for f in found], np.int64), return_index=True)
    vi, vj = np.divmod(key, m)
    return vi, vj, concat([f[1] for f in found], np.float32)[first]


def clustered_nearest(
    x: np.ndarray,
    *,
    nlist: int | None = None,
    nprobe: int = DEFAULT_NPROBE,
    seed: int = 0,
    progress: bool | None = None,
) -> np.ndarray:
    """Each row's highest cosine to another row among the lists it probes.

    A lower bound of the exact value (the nearest row may sit in a list not probed);
    NaN where no other row shares a probed list. Parameters as in
    :func:`clustered_pairs`.

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    >>> [round(float(v), 2) for v in clustered_nearest(x)]
    [0.8, 0.8, 0.6]
    """
    m = len(x)
    members, mstart, queries, qstart, nlist = _lists(x, nlist, nprobe, seed, codes_of(x))

    def one(c: int) -> tuple[np.ndarray, np.ndarray]:
        mem = members[mstart[c] : mstart[c + 1]]
        qry = queries[qstart[c] : qstart[c + 1]]
        if not len(mem) or not len(qry):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        sims = x[qry] @ x[mem].T
        sims[qry[:, None] == mem[None, :]] = -np.inf
        return np.concatenate([qry, mem]), np.concatenate([sims.max(axis=1), sims.max(axis=0)])

    with progress_bar(
        nlist, desc="nearest cosine (clustered)", unit="list", show=progress,
        expected_seconds=_expected_seconds(m, x.shape[1], nprobe),
    ) as bar:
        found = _each_list(one, nlist, bar)
    best = np.full(m, -np.inf, dtype=np.float32)
    for rows, values in found:
        np.maximum.at(best, rows, values)
    return np.where(np.isfinite(best), best, np.nan).astype(np.float32)
