"""Heavy-tailed sampling for synthetic graphs: Zipf-like weights and fast weighted draws.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> picks = draw(sampler(np.array([8.0, 1.0, 1.0])), 10_000, rng)
>>> round(float((picks == 0).mean()), 1)
0.8
>>> split_counts(10, np.array([0.5, 0.3, 0.2])).tolist()
[5, 3, 2]
"""

from __future__ import annotations

import numpy as np

__all__ = ["draw", "sampler", "split_counts", "zipf_weights"]


def zipf_weights(count: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    """Weights ``rank ** -skew`` with the ranks in random order."""
    ranks = rng.permutation(count) + 1.0
    return ranks**-skew


def sampler(weights: np.ndarray) -> np.ndarray:
    """The running sum of ``weights``, normalised: the table :func:`draw` reads."""
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def draw(cdf: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` indices with the probabilities whose running sum is ``cdf``."""
    # Sorted uniforms (normalised sums of exponential spacings) let searchsorted walk the
    # table in order, several times faster on large tables than random queries; the
    # draws are then shuffled.
    spacing = np.cumsum(rng.exponential(size=count + 1))
    pick = np.searchsorted(cdf, spacing[:-1] / spacing[-1], side="right")
    return np.minimum(pick, len(cdf) - 1)[rng.permutation(count)]


def split_counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` that add up to ``total``."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = total - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return counts
