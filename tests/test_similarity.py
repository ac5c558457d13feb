"""Tests of explorer.similarity on seeded random vectors with planted near-duplicates."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer.analysis.index import SimilarityIndex
from explorer.analysis.thresholds import check_min_cosine
from explorer.errors import (
    EmbeddingError,
    ExplorerError,
    NotFittedError,
    ParameterError,
    UnknownEntityError,
)
from explorer.views.histogram import plot_nearest_cosine_histogram

N, DIM, N_PLANTED = 300, 24, 40
THRESHOLD = 0.65


def _planted(n: int = N, dim: int = DIM, n_planted: int = N_PLANTED, seed: int = 42):
    """Random vectors where rows (2k, 2k+1) for k < n_planted are near-duplicates.

    Also plants a few all-zero rows (entities without text).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    for k in range(n_planted):
        x[2 * k + 1] = x[2 * k] + 0.25 * rng.standard_normal(dim).astype(np.float32)
    zero_rows = np.array([n - 1, n - 5, 2 * n_planted + 3])
    x[zero_rows] = 0.0
    return x, zero_rows


def _reference_pairs(x: np.ndarray, t: float) -> dict[tuple[int, int], float]:
    """All pairs >= t by a plain float64 computation (the test's own oracle)."""
    x64 = x.astype(np.float64)
    norms = np.linalg.norm(x64, axis=1)
    ok = norms > 0
    x64[ok] /= norms[ok, None]
    sims = x64 @ x64.T
    sims[~ok, :] = -np.inf
    sims[:, ~ok] = -np.inf
    i, j = np.nonzero(np.triu(sims >= t, k=1))
    return {(int(a), int(b)): float(sims[a, b]) for a, b in zip(i, j, strict=True)}


def _as_dict(pairs: pd.DataFrame) -> dict[tuple[int, int], float]:
    return {
        (int(i), int(j)): float(c)
        for i, j, c in zip(pairs["i"], pairs["j"], pairs["cosine"], strict=True)
    }


@pytest.fixture(scope="module")
def data():
    return _planted()


@pytest.fixture(scope="module")
def index(data):
    x, _ = data
    return SimilarityIndex(block_size=64).fit(x, ids=[f"e{k}" for k in range(len(x))])


# ----------------------------------------------------------------- pairs


def test_planted_pairs_are_above_threshold_and_random_pairs_mostly_below(data):
    x, _ = data
    ref = _reference_pairs(x, THRESHOLD)
    planted = {(2 * k, 2 * k + 1) for k in range(N_PLANTED)}
    # The fixture is meaningful: every planted pair passes, few others do.
    assert planted <= set(ref)
    assert len(ref) < 2 * len(planted)


def test_exact_pairs_equal_sklearn_brute_pairs(index):
    exact = _as_dict(index.pairs(THRESHOLD, method="exact"))
    brute = _as_dict(index.pairs(THRESHOLD, method="brute"))
    assert set(exact) == set(brute)
    assert exact
    for key, cos in exact.items():
        assert cos == pytest.approx(brute[key], abs=1e-5)


def test_exact_pairs_match_float64_oracle(data, index):
    ref = _reference_pairs(data[0], THRESHOLD)
    got = _as_dict(index.pairs(THRESHOLD, method="exact"))
    assert set(got) == set(ref)
    for key, cos in got.items():
        assert cos == pytest.approx(ref[key], abs=1e-5)


def test_pairs_frame_shape_and_order(index):
    pairs = index.pairs(0.0, method="exact")
    assert list(pairs.columns) == ["i", "j", "cosine"]
    assert (pairs["i"] < pairs["j"]).all()
    assert not pairs.duplicated(["i", "j"]).any()
    assert pairs["cosine"].is_monotonic_decreasing
    assert (pairs["cosine"] >= np.float32(0.0)).all()


@pytest.mark.parametrize("block_size", [1, 7, N])
def test_blocked_result_independent_of_block_size(data, index, block_size):
    x, _ = data
    reference = index.pairs(0.3, method="exact")
    other = SimilarityIndex(block_size=block_size).fit(x).pairs(0.3, method="exact")
    pd.testing.assert_frame_equal(
        reference[["i", "j"]].sort_values(["i", "j"]).reset_index(drop=True),
        other[["i", "j"]].sort_values(["i", "j"]).reset_index(drop=True),
    )
    np.testing.assert_allclose(
        reference.sort_values(["i", "j"])["cosine"].to_numpy(),
        other.sort_values(["i", "j"])["cosine"].to_numpy(),
        atol=1e-5,
    )


@pytest.mark.parametrize("method", ["exact", "brute", "faiss"])
def test_zero_rows_never_returned(data, index, method):
    _, zero_rows = data
    pairs = index.pairs(-1.0, method=method)
    assert not np.isin(pairs[["i", "j"]].to_numpy(), zero_rows).any()
    n_nonzero = N - len(zero_rows)
    if method != "faiss":  # -1 keeps every pair of non-zero rows
        assert len(pairs) == n_nonzero * (n_nonzero - 1) // 2
    zero_ids = {f"e{k}" for k in zero_rows}
    for frame in (index.kneighbors(n_neighbors=N), index.radius_neighbors(min_cosine=-1.0)):
        assert not zero_ids & set(frame["id"])
        assert not zero_ids & set(frame["neighbor_id"])


def test_faiss_recall_on_planted_pairs_measured_against_exact():
    x, zero_rows = _planted(n=4000, dim=32, n_planted=400, seed=42)
    index = SimilarityIndex(method="faiss", nprobe=32).fit(x)
    exact = set(_as_dict(index.pairs(THRESHOLD, method="exact")))
    planted = {(2 * k, 2 * k + 1) for k in range(400)} & exact
    assert len(planted) >= 390  # measured from the exact answer, not assumed
    approx = _as_dict(index.pairs(THRESHOLD, method="faiss"))
    assert set(approx) <= exact  # approximate search never invents pairs
    recall = len(planted & set(approx)) / len(planted)
    assert recall >= 0.95
    # It is a real IVF index, not a flat one (the approximate path is exercised).
    assert index._faiss().nlist > 1


def test_auto_uses_exact_up_to_exact_max_and_the_clustered_engine_above(data, monkeypatch):
    x, _ = data
    small = SimilarityIndex(exact_max=N).fit(x)
    assert small._faiss_index is None
    pd.testing.assert_frame_equal(small.pairs(THRESHOLD), small.pairs(THRESHOLD, method="exact"))
    big = SimilarityIndex(exact_max=10).fit(x)
    import explorer.analysis.engines.dispatch as dispatch

    calls = []
    real = dispatch.clustered_pairs
    monkeypatch.setattr(dispatch, "clustered_pairs",
                        lambda *a, **k: calls.append(k) or real(*a, **k))
    found = big.pairs(THRESHOLD)
    assert len(calls) == 1 and calls[0]["nprobe"] == 24  # auto above exact_max: clustered
    assert big._faiss_index is None  # and faiss is never trained
    exact = big.pairs(THRESHOLD, method="exact")
    assert set(zip(found["i"], found["j"], strict=True)) <= set(
        zip(exact["i"], exact["j"], strict=True)
    )


def test_fit_without_copy_keeps_the_callers_array(data):
    x, _ = data
    mine = np.array(x, dtype=np.float32, order="C")
    index = SimilarityIndex().fit(mine, copy=False)
    assert index.vectors_ is mine
    norms = np.linalg.norm(mine, axis=1)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)
    assert SimilarityIndex().fit(x).vectors_ is not x


# ------------------------------------------------------------ per query


def test_kneighbors_none_excludes_self_and_caps_k(index):
    n_nonzero = N - 3
    frame = index.kneighbors(n_neighbors=10_000)
    assert list(frame.columns) == ["id", "neighbor_id", "cosine"]
    assert not (frame["id"] == frame["neighbor_id"]).any()
    counts = frame.groupby("id").size()
    assert counts.max() == n_nonzero - 1
    assert len(counts) == n_nonzero


def test_kneighbors_best_first_and_finds_planted_twin(index):
    frame = index.kneighbors(["e0", "e3"], n_neighbors=5)
    for _, group in frame.groupby("id", sort=False):
        assert group["cosine"].is_monotonic_decreasing
    first = frame.groupby("id", sort=False)["neighbor_id"].first()
    assert first["e0"] == "e1"
    assert first["e3"] == "e2"


def test_kneighbors_symmetric_cosines(index):
    frame = index.kneighbors(n_neighbors=5)
    lookup = {
        (a, b): c
        for a, b, c in zip(frame["id"], frame["neighbor_id"], frame["cosine"], strict=True)
    }
    checked = 0
    for (a, b), cos in lookup.items():
        if (b, a) in lookup:
            assert cos == pytest.approx(lookup[(b, a)], abs=1e-6)
            checked += 1
    assert checked > 50


def test_kneighbors_by_id_equals_kneighbors_none(index):
    everyone = index.kneighbors(n_neighbors=4)
    some = index.kneighbors(["e10", "e11"], n_neighbors=4)
    expected = everyone[everyone["id"].isin(["e10", "e11"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some[["id", "neighbor_id"]], expected[["id", "neighbor_id"]])


def test_kneighbors_with_new_vectors(data, index):
    x, _ = data
    frame = index.kneighbors(x[[0]] * 3.0, n_neighbors=2)
    assert frame["id"].tolist() == [0, 0]
    assert frame["neighbor_id"].iloc[0] == "e0"  # a new vector may match a fitted one
    assert frame["cosine"].iloc[0] == pytest.approx(1.0, abs=1e-6)


def test_kneighbors_identical_vectors_still_exclude_self():
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    index = SimilarityIndex().fit(x, ids=["a", "b", "c"])
    frame = index.kneighbors(["a", "b"], n_neighbors=1)
    assert frame["neighbor_id"].tolist() == ["b", "a"]


def test_radius_neighbors_matches_pairs(index):
    frame = index.radius_neighbors(min_cosine=THRESHOLD)
    pairs = index.pairs(THRESHOLD, method="exact")
    ids = index.ids_
    from_pairs = {(ids[i], ids[j]) for i, j in zip(pairs["i"], pairs["j"], strict=True)}
    from_pairs |= {(b, a) for a, b in from_pairs}
    assert set(zip(frame["id"], frame["neighbor_id"], strict=True)) == from_pairs
    assert (frame["cosine"] >= np.float32(THRESHOLD)).all()
    for _, group in frame.groupby("id", sort=False):
        assert group["cosine"].is_monotonic_decreasing


def test_unknown_id_raises_with_suggestion(index):
    with pytest.raises(UnknownEntityError, match="e12"):
        index.kneighbors(["e12x"])


def test_nearest_cosine_matches_oracle_and_methods(data, index):
    x, zero_rows = data
    nearest = index.nearest_cosine(method="exact")
    assert np.isnan(nearest[zero_rows]).all()
    x64 = x.astype(np.float64)
    norms = np.linalg.norm(x64, axis=1)
    ok = norms > 0
    x64[ok] /= norms[ok, None]
    sims = x64 @ x64.T
    np.fill_diagonal(sims, -np.inf)
    sims[:, ~ok] = -np.inf
    np.testing.assert_allclose(nearest[ok], sims[ok].max(axis=1), atol=1e-5)
    np.testing.assert_allclose(index.nearest_cosine(method="brute"), nearest, atol=1e-5)
    approx = index.nearest_cosine(method="faiss")
    assert np.isnan(approx[zero_rows]).all()
    assert (approx[ok] <= nearest[ok] + 1e-5).all()  # a lower bound


# --------------------------------------------------------- validation


@pytest.mark.parametrize("bad", [1.01, -1.5, float("nan"), float("inf"), "0.7", None, True])
def test_thresholds_outside_range_refused(index, bad):
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        check_min_cosine(bad)
    with pytest.raises(ParameterError, match=r"\[-1, 1\]"):
        index.pairs(bad)
    with pytest.raises(ParameterError, match=r"\[-1, 1\]"):
        index.radius_neighbors(min_cosine=bad)


@pytest.mark.parametrize("good", [-1, -1.0, 0, 0.65, 1, np.float32(0.5)])
def test_thresholds_inside_range_accepted(good):
    assert check_min_cosine(good) == float(good)


def test_unknown_method_lists_choices(index):
    with pytest.raises(ParameterError, match="'exact'"):
        index.pairs(0.5, method="hnsw")
    with pytest.raises(ParameterError, match="block_size"):
        SimilarityIndex(block_size=0).fit(np.eye(3))


def test_bad_vectors_refused():
    with pytest.raises(EmbeddingError, match="2-D"):
        SimilarityIndex().fit(np.ones(3))
    with pytest.raises(EmbeddingError, match="NaN"):
        SimilarityIndex().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(EmbeddingError, match="one id per row"):
        SimilarityIndex().fit(np.eye(3), ids=["a", "b"])
    with pytest.raises(EmbeddingError, match="unique"):
        SimilarityIndex().fit(np.eye(2), ids=["a", "a"])
    index = SimilarityIndex().fit(np.eye(3))
    with pytest.raises(EmbeddingError, match="dimension"):
        index.kneighbors(np.ones((1, 4)))


def test_not_fitted():
    with pytest.raises(NotFittedError, match="fit"):
        SimilarityIndex().pairs()
    assert issubclass(NotFittedError, ExplorerError)


def test_init_only_stores_and_fit_returns_self():
    index = SimilarityIndex(method="nonsense", block_size=-3)  # validated at fit
    assert index.method == "nonsense" and index.block_size == -3
    x = np.eye(4)
    fitted = SimilarityIndex()
    assert fitted.fit(x) is fitted
    assert (fitted.n_samples_fit_, fitted.dim_) == (4, 4)
    assert fitted.ids_.tolist() == ["0", "1", "2", "3"]
    assert "4 vectors" in repr(fitted)


def test_degenerate_sizes():
    one = SimilarityIndex().fit(np.ones((1, 3)))
    assert one.pairs(-1).empty and one.kneighbors().empty
    assert np.isnan(one.nearest_cosine()).all()
    zeros = SimilarityIndex().fit(np.zeros((3, 3)))
    assert zeros.pairs(-1).empty and zeros.radius_neighbors(min_cosine=-1).empty


# --------------------------------------------------------- labels, plot


def test_histogram_has_threshold_line_and_counts(index):
    import matplotlib.pyplot as plt

    nearest = index.nearest_cosine()
    ax = plot_nearest_cosine_histogram(nearest, 0.65, label="claims")
    try:
        lines = [line for line in ax.get_lines() if list(line.get_xdata()) == [0.65, 0.65]]
        assert len(lines) == 1
        valid = nearest[~np.isnan(nearest)]
        above = int((valid >= np.float32(0.65)).sum())
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert f"claims at/above: {above:,}" in texts
        assert f"claims below: {len(valid) - above:,}" in texts
        assert "3 without text" in ax.get_title()
        with pytest.raises(ParameterError):
            plot_nearest_cosine_histogram(nearest, 1.2, ax=ax)
    finally:
        plt.close("all")


# ------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=arrays(
        np.float32,
        st.tuples(st.integers(2, 12), st.integers(1, 4)),
        elements=st.integers(-3, 3).map(float),
    ),
    t=st.floats(-1, 1),
    k=st.integers(1, 20),
    block=st.integers(1, 5),
)
def test_properties(x, t, k, block):
    index = SimilarityIndex(block_size=block).fit(x)
    n_nonzero = int((np.abs(x).sum(axis=1) > 0).sum())
    frame = index.kneighbors(n_neighbors=k)
    assert not (frame["id"] == frame["neighbor_id"]).any()
    if len(frame):
        assert frame.groupby("id").size().max() <= min(k, n_nonzero - 1)
    exact = index.pairs(t, method="exact")
    assert (exact["i"] < exact["j"]).all()
    lookup = {
        (a, b): c
        for a, b, c in zip(frame["id"], frame["neighbor_id"], frame["cosine"], strict=True)
    }
    for (a, b), cos in lookup.items():
        if (b, a) in lookup:
            assert abs(cos - lookup[(b, a)]) <= 1e-6
    # exact and brute agree except within rounding of the threshold
    brute = index.pairs(t, method="brute")
    diff = set(_as_dict(exact)) ^ set(_as_dict(brute))
    allc = {**_as_dict(exact), **_as_dict(brute)}
    assert all(abs(allc[p] - t) < 1e-5 for p in diff)


@pytest.mark.parametrize("block_size", [1, 7, 64, N])
def test_exact_pairs_are_bit_for_bit_the_same_for_any_tiling(data, index, block_size):
    # BLAS rounds a float32 product's last bit by the shapes multiplied: the cosines are
    # recomputed per pair, so tiles cut differently (and Spark's blocks) agree exactly,
    # also for a pair whose cosine is the threshold itself.
    x, _ = data
    reference = index.pairs(0.3, method="exact").sort_values(["i", "j"], ignore_index=True)
    at = np.float32(reference["cosine"].iloc[len(reference) // 2])
    other = SimilarityIndex(block_size=block_size).fit(x).pairs(float(at), method="exact")
    want = reference[reference["cosine"] >= at].reset_index(drop=True)
    got = other.sort_values(["i", "j"], ignore_index=True)
    np.testing.assert_array_equal(got[["i", "j"]].to_numpy(), want[["i", "j"]].to_numpy())
    np.testing.assert_array_equal(got["cosine"].to_numpy(), want["cosine"].to_numpy())
    unit = index.vectors_  # the fitted unit vectors
    oracle = np.einsum("ij,ij->i", unit[got["i"]].astype(np.float64),
                       unit[got["j"]].astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(got["cosine"].to_numpy(), oracle)
