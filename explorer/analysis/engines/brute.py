"""scikit-learn brute force (``NearestNeighbors(metric="cosine")``): the baseline engine.

Exact, but it computes both triangles and converts to distances; kept as the reference
the benchmarks compare against, and for per-entity queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...progress import progress_bar
from .exact import concat, expected_seconds

if TYPE_CHECKING:  # imported by the caller, on first use (about a second)
    from sklearn.neighbors import NearestNeighbors

__all__ = ["brute_nearest", "brute_pairs"]


def brute_pairs(
    nn: NearestNeighbors, x: np.ndarray, threshold: float, *, block: int = 4096,
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair ``i < j`` with cosine >= ``threshold``, by ``radius_neighbors``."""
    t = np.float32(threshold)
    m = len(x)
    radius = (1.0 - float(t)) + 1e-6
    found_i, found_j, found_c = [], [], []
    with progress_bar(
        -(-m // block), desc="similar pairs (sklearn)", unit="block", show=progress,
        expected_seconds=4 * expected_seconds(m, x.shape[1]),
    ) as bar:
        for r0 in range(0, m, block):
            dist, ind = nn.radius_neighbors(x[r0 : r0 + block], radius=radius)
            lengths = np.fromiter((len(a) for a in ind), dtype=np.int64, count=len(ind))
            rows = np.repeat(np.arange(r0, r0 + len(ind)), lengths)
            cols = concat(list(ind), np.int64)
            cos = np.clip(1.0 - concat(list(dist), np.float32), -1.0, 1.0)
            keep = (cols > rows) & (cos >= t)
            found_i.append(rows[keep])
            found_j.append(cols[keep])
            found_c.append(cos[keep])
            bar.update(1)
    return concat(found_i, np.int64), concat(found_j, np.int64), concat(found_c, np.float32)


def brute_nearest(nn: NearestNeighbors) -> np.ndarray:
    """Each fitted row's highest cosine to another row."""
    dist, _ = nn.kneighbors(None, n_neighbors=1)
    return np.clip(1.0 - dist[:, 0].astype(np.float32), -1.0, 1.0)
