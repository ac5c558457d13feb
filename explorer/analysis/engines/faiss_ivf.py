"""Approximate pairs with faiss ``IndexIVFFlat`` (inner product), trained on a sample.

``range_search`` visits ``nprobe`` of about ``4 * sqrt(n)`` lists per query; measured
recall of the pairs above the threshold is in ``docs/performance.md``. faiss is a hard
dependency (``faiss-cpu``), so there is no fallback here.
"""

from __future__ import annotations

import math
from typing import Any

import faiss
import numpy as np

from ...progress import progress_bar
from .exact import concat, expected_seconds

__all__ = ["FAISS_NPROBE", "build_ivf", "faiss_nearest", "faiss_pairs"]

FAISS_NPROBE = 16  #: lists each query visits by default
TRAIN_POINTS_PER_LIST = 40  # faiss warns below 39 training points per list


def build_ivf(x: np.ndarray, *, nlist: int | None, nprobe: int, seed: int) -> Any:
    """A trained IVF index over the rows of ``x`` (a flat index when ``x`` is small)."""
    m, d = x.shape
    nlist = nlist or max(1, round(4 * math.sqrt(m)))
    nlist = max(1, min(nlist, m // TRAIN_POINTS_PER_LIST))
    if nlist == 1:  # too few vectors to cluster: a flat (exact) inner-product index
        index = faiss.IndexFlatIP(d)
        index.add(x)
        return index
    n_train = min(m, nlist * TRAIN_POINTS_PER_LIST)
    rng = np.random.default_rng(seed)
    sample = x[np.sort(rng.choice(m, size=n_train, replace=False))]
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = int(seed)
    index.train(sample)
    index.add(x)
    index.nprobe = min(int(nprobe), nlist)
    return index  # faiss's wrapper keeps the quantizer alive (index.referenced_objects)


def faiss_pairs(
    index: Any, x: np.ndarray, threshold: float, *, block: int = 4096,
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` found by ``range_search`` (each pair once, from either end)."""
    t = np.float32(threshold)
    m = len(x)
    radius = float(np.nextafter(t, np.float32(-np.inf)))  # faiss keeps > radius
    keys: list[np.ndarray] = []
    cosines: list[np.ndarray] = []
    with progress_bar(
        -(-m // block), desc="similar pairs (faiss)", unit="block", show=progress,
        expected_seconds=expected_seconds(m, x.shape[1]) / 4,
    ) as bar:
        for r0 in range(0, m, block):
            lims, dist, ind = index.range_search(x[r0 : r0 + block], radius)
            counts = np.diff(lims).astype(np.int64)
            rows = np.repeat(np.arange(r0, r0 + len(counts)), counts)
            cols = ind.astype(np.int64)
            keep = (cols != rows) & (dist >= t)
            rows, cols = rows[keep], cols[keep]
            keys.append(np.minimum(rows, cols) * m + np.maximum(rows, cols))
            cosines.append(dist[keep].astype(np.float32))
            bar.update(1)
    # A pair can be found from both ends, or from one only (IVF): keep it once.
    key, first = np.unique(concat(keys, np.int64), return_index=True)
    cos = concat(cosines, np.float32)[first]
    vi, vj = np.divmod(key, m)
    return vi, vj, cos


def faiss_nearest(
    index: Any, x: np.ndarray, *, block: int = 4096, progress: bool | None = None
) -> np.ndarray:
    """Each row's highest cosine to another row (a lower bound: IVF may miss it)."""
    m = len(x)
    best = np.full(m, np.nan, dtype=np.float32)
    with progress_bar(
        -(-m // block), desc="nearest cosine (faiss)", unit="block", show=progress,
        expected_seconds=expected_seconds(m, x.shape[1]) / 4,
    ) as bar:
        for r0 in range(0, m, block):
            dist, ind = index.search(x[r0 : r0 + block], 2)
            own = ind == np.arange(r0, r0 + len(ind))[:, None]
            dist = np.where(own | (ind < 0), -np.inf, dist)
            found = dist.max(axis=1)
            best[r0 : r0 + len(ind)] = np.where(np.isfinite(found), found, np.nan)
            bar.update(1)
    return best
