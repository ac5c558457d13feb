"""One method name, one engine: the whole-graph searches of :class:`SimilarityIndex`.

:meth:`~explorer.analysis.index.SimilarityIndex.pairs` and ``nearest_cosine`` resolve the
user's ``method`` and call :func:`run_pairs` / :func:`run_nearest`, so the choice of engine
is written once. The faiss index and scikit-learn's neighbours are passed as callables:
built on first use only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..thresholds import Method
from .brute import brute_nearest, brute_pairs
from .clustered import clustered_nearest, clustered_pairs
from .exact import exact_nearest, exact_pairs
from .faiss_ivf import faiss_nearest, faiss_pairs

__all__ = ["run_nearest", "run_pairs"]


def run_pairs(
    method: Method, x: np.ndarray, threshold: float, *, block: int, progress: bool | None,
    nn: Callable[[], Any], faiss_index: Callable[[], Any], clustered: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of rows of ``x`` with cosine >= ``threshold`` by the resolved ``method``.

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    >>> i, j, cos = run_pairs(Method.EXACT, x, 0.5, block=8, progress=False, nn=lambda: None,
    ...                       faiss_index=lambda: None, clustered={})
    >>> i.tolist(), j.tolist()
    ([0, 1], [1, 2])
    """
    if method is Method.EXACT:
        return exact_pairs(x, threshold, block=block, progress=progress)
    if method is Method.BRUTE:
        return brute_pairs(nn(), x, threshold, block=block, progress=progress)
    if method is Method.CLUSTERED:
        return clustered_pairs(x, threshold, progress=progress, **clustered)
    return faiss_pairs(faiss_index(), x, threshold, block=block, progress=progress)


def run_nearest(
    method: Method, x: np.ndarray, *, block: int, progress: bool | None, nn: Callable[[], Any],
    faiss_index: Callable[[], Any], clustered: dict[str, Any],
) -> np.ndarray:
    """Each row's highest cosine to another row by the resolved ``method``."""
    if method is Method.EXACT:
        return exact_nearest(x, block=block, progress=progress)
    if method is Method.BRUTE:
        return brute_nearest(nn())
    if method is Method.CLUSTERED:
        return clustered_nearest(x, progress=progress, **clustered)
    return faiss_nearest(faiss_index(), x, block=block, progress=progress)
