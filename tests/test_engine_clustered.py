"""The clustered block-product engine: found pairs are real, each once, and most pairs are found."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.analysis.engines.clustered import (
    clustered_nearest,
    clustered_pairs,
    default_nlist,
    spherical_kmeans,
)
from explorer.analysis.engines.exact import exact_nearest, exact_pairs
from explorer.analysis.index import SimilarityIndex
from explorer.analysis.vectors import l2_normalize


def clustered_set(n: int = 3000, dim: int = 32, centers: int = 60, seed: int = 42) -> np.ndarray:
    """Unit vectors around random centers: the local structure of text embeddings."""
    rng = np.random.default_rng(seed)
    mid = rng.normal(size=(centers, dim))
    x = mid[rng.integers(0, centers, n)] + 0.35 * rng.normal(size=(n, dim))
    return l2_normalize(x.astype(np.float32))


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return clustered_set()


def keys(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    return i * n + j


@pytest.mark.parametrize("threshold", [0.6, 0.8])
def test_recall_against_exact(x: np.ndarray, threshold: float) -> None:
    ei, ej, _ = exact_pairs(x, threshold)
    ci, cj, _ = clustered_pairs(x, threshold)
    assert len(ei) > 1000
    found = np.isin(keys(ei, ej, len(x)), keys(ci, cj, len(x)))
    assert found.mean() >= 0.97
    # Nothing is invented: every clustered pair is an exact pair.
    assert np.isin(keys(ci, cj, len(x)), keys(ei, ej, len(x))).all()


def test_pairs_are_ordered_once_and_real(x: np.ndarray) -> None:
    i, j, cos = clustered_pairs(x, 0.6)
    assert (i < j).all()
    k = keys(i, j, len(x))
    assert len(np.unique(k)) == len(k) and (np.diff(k) > 0).all()
    assert cos.dtype == np.float32 and (cos >= np.float32(0.6)).all()
    np.testing.assert_allclose(cos, np.einsum("ij,ij->i", x[i], x[j]), atol=1e-5)


def test_deterministic(x: np.ndarray) -> None:
    a, b = clustered_pairs(x, 0.6, seed=3), clustered_pairs(x, 0.6, seed=3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


def test_more_probes_find_at_least_as_many(x: np.ndarray) -> None:
    few = clustered_pairs(x, 0.6, nprobe=1)[0]
    many = clustered_pairs(x, 0.6, nprobe=32)[0]
    assert len(many) >= len(few)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_tiny_inputs(n: int) -> None:
    x = clustered_set(max(n, 1), dim=4)[:n]
    i, j, cos = clustered_pairs(x, -1.0)
    assert len(i) == n * (n - 1) // 2 and (i < j).all()
    best = clustered_nearest(x)
    assert best.shape == (n,)
    if n >= 2:
        np.testing.assert_allclose(best, exact_nearest(x), atol=1e-6)


def test_duplicates_are_pairs_not_self_pairs() -> None:
    x = l2_normalize(np.array([[1, 0, 0]] * 3 + [[0, 1, 0]], dtype=np.float32))
    i, j, cos = clustered_pairs(x, 0.99)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_allclose(cos, 1.0, atol=1e-6)


def test_nearest_is_a_lower_bound_close_to_exact(x: np.ndarray) -> None:
    approx, exact = clustered_nearest(x), exact_nearest(x)
    assert (approx <= exact + 1e-5).all()
    assert np.mean(np.isclose(approx, exact, atol=1e-5)) >= 0.97


def test_kmeans_and_nlist() -> None:
    x = clustered_set(500, dim=8, centers=5)
    c = spherical_kmeans(x, 5, seed=0)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(c, spherical_kmeans(x, 5, seed=0))
    assert default_nlist(1_000_000) == 8000 and default_nlist(7) == 1


def test_index_method_clustered_skips_zero_rows() -> None:
    x = clustered_set(400, dim=8, centers=10)
    x[5] = 0
    index = SimilarityIndex(method="clustered").fit(x)
    got = index.pairs(min_cosine=0.7)
    assert 5 not in set(got["i"]) | set(got["j"])
    exact = index.pairs(min_cosine=0.7, method="exact")
    merged = exact.merge(got, on=["i", "j"], how="left", suffixes=("", "_c"))
    assert merged["cosine_c"].notna().mean() >= 0.97
    best = index.nearest_cosine()
    assert np.isnan(best[5]) and np.isfinite(np.delete(best, 5)).all()
    assert "clustered" in repr(SimilarityIndex(method="clustered"))
