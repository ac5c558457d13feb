"""8-bit products propose pairs; the engines' results stay the same, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer
from ci import unavailable
from conftest import SCIFACT
from explorer.analysis.engines import int8
from explorer.analysis.engines.clustered import clustered_pairs
from explorer.analysis.engines.exact import (
    CODED_BLOCK,
    SLACK,
    block_pairs,
    exact_pairs,
    pair_cosines,
)


@pytest.fixture(autouse=True)
def integer_products() -> None:
    """8-bit products on (onnxruntime is a dependency: CI fails without it)."""
    if not int8.int8_available():
        unavailable("8-bit products (onnxruntime missing, failing its check, or "
                    f"{int8.SWITCH}=0)")


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1)).astype(np.float32)


@pytest.fixture(scope="module")
def scifact_vectors() -> np.ndarray:
    kg = explorer.load(SCIFACT)
    return np.asarray(kg.compute_similarity(progress=False).vectors)


def clustered_vectors(n: int = 6000, d: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n // 20, d))
    return unit(centres[rng.integers(0, len(centres), n)] + 0.7 * rng.standard_normal((n, d)))


def float_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(int8.SWITCH, "0")


def test_the_integer_product_is_numpy_s(monkeypatch):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (70, 300)).astype(np.uint8)
    b = rng.integers(-127, 128, (50, 300)).astype(np.int8)
    products = int8.Products()
    r, c = int8.propose_coded(a, np.full(70, -(2**31), np.int32), b, products)
    assert len(r) == 70 * 50  # everything reaches the lowest threshold
    want = (a.astype(np.int64) - 128) @ b.astype(np.int64).T
    need = np.median(want, axis=1).astype(np.int32)
    r, c = int8.propose_coded(a, need, b, products)
    assert np.array_equal(np.flatnonzero(want >= need[:, None]), r * 50 + c)


def test_products_reuse_one_buffer_across_shapes_and_threads():
    from concurrent.futures import ThreadPoolExecutor

    shapes = [(300, 200), (10, 7), (500, 400), (1, 1), (64, 900)] * 3
    products = int8.Products()

    def check(shape: tuple[int, int]) -> bool:
        rng = np.random.default_rng(shape)
        a = rng.integers(0, 256, (shape[0], 48)).astype(np.uint8)
        b = rng.integers(-127, 128, (shape[1], 48)).astype(np.int8)
        got = products(a, b).copy()
        return np.array_equal(got, (a.astype(np.int64) - 128) @ b.astype(np.int64).T)

    assert all(check(shape) for shape in shapes)
    with ThreadPoolExecutor(2) as pool:
        assert all(pool.map(check, shapes))


def test_a_product_that_saturates_is_refused():
    class Saturating:
        def run(self, _outputs, feeds):
            exact = (feeds["A"].astype(np.int64) - 128) @ feeds["B"].astype(np.int64)
            return [np.clip(exact, -(2**15), 2**15 - 1).astype(np.int32)]

    assert not int8._agrees(Saturating())  # noqa: SLF001


def test_the_model_is_matmulinteger_with_zero_point_128():
    onnx = pytest.importorskip("onnx")
    model = onnx.load_from_string(int8.MODEL)
    onnx.checker.check_model(model)
    (node,) = model.graph.node
    assert node.op_type == "MatMulInteger" and list(node.input) == ["A", "B", "za"]
    (zero,) = model.graph.initializer
    assert onnx.numpy_helper.to_array(zero).item() == 128


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), spike=st.floats(0.0, 30.0), t=st.floats(-0.2, 0.99))
def test_every_pair_at_the_threshold_is_proposed(seed, spike, t):
    # Vectors with one large component (a wide scale, coarse codes) and a zero row.
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((60, 32))
    x[: 30, 0] += spike
    x[5] = 0
    x = unit(x)
    codes = int8.codes_of(x)
    r, c = int8.propose(codes, codes, t, SLACK, int8.Products())
    proposed = set(zip(r.tolist(), c.tolist(), strict=True))
    must = np.argwhere(x.astype(np.float64) @ x.T.astype(np.float64) >= t - SLACK / 2)
    assert {tuple(p) for p in must.tolist()} <= proposed


def test_the_margin_proposes_few_extra_pairs(scifact_vectors):
    x = scifact_vectors[:3000]
    codes = int8.codes_of(x)
    r, _ = int8.propose(codes, codes, 0.6, SLACK, int8.Products())
    found = int(((x @ x.T) >= 0.6).sum())
    assert found <= len(r) <= 2 * found


def test_exact_pairs_are_the_same_with_and_without_codes(scifact_vectors, monkeypatch):
    coded = exact_pairs(scifact_vectors, 0.6, block=2048)
    float_off(monkeypatch)
    plain = exact_pairs(scifact_vectors, 0.6, block=2048)
    assert len(coded[0]) > 1000
    for got, want in zip(coded, plain, strict=True):
        assert np.array_equal(got, want)


def test_clustered_pairs_are_exact_cosines_and_find_what_float_probes_find(monkeypatch):
    x = clustered_vectors()
    i, j, cos = clustered_pairs(x, 0.7, progress=False)
    assert len(i) > 1000 and (i < j).all()
    assert np.array_equal(cos, pair_cosines(x, x, i, j)) and (cos >= np.float32(0.7)).all()
    ei, ej, _ = exact_pairs(x, 0.7)
    exact = ei * len(x) + ej
    coded_recall = np.isin(exact, i * len(x) + j).mean()
    float_off(monkeypatch)
    fi, fj, _ = clustered_pairs(x, 0.7, progress=False)
    assert coded_recall >= np.isin(exact, fi * len(x) + fj).mean() - 0.01


def test_top_columns_ranks_by_the_integer_product():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, (1100, 64)).astype(np.uint8)
    b = rng.integers(-3, 4, (300, 64)).astype(np.int8)  # small codes: many ties
    top = int8.top_columns(a, b, 24, part=256)
    product = (a.astype(np.int64) - 128) @ b.astype(np.int64).T
    want = np.lexsort((np.broadcast_to(np.arange(300), product.shape), -product), axis=1)
    assert np.array_equal(top, want[:, :24])


def test_a_large_block_is_coded_on_the_fly_with_the_same_result(monkeypatch):
    x = clustered_vectors(n=2100, seed=1)
    assert len(x) * len(x) >= CODED_BLOCK
    calls = []
    original = int8.propose
    monkeypatch.setattr("explorer.analysis.engines.exact.propose",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    coded = block_pairs(x, x, 0.7, diagonal=True)
    assert calls  # the block went through the integer product
    float_off(monkeypatch)
    plain = block_pairs(x, x, 0.7, diagonal=True)
    for got, want in zip(coded, plain, strict=True):
        assert np.array_equal(got, want)


def test_switched_off_there_are_no_codes(monkeypatch):
    float_off(monkeypatch)
    assert not int8.int8_available()
    assert int8.codes_of(np.eye(3, dtype=np.float32)) is None


def test_a_session_that_fails_means_float32_with_a_warning(monkeypatch):
    import onnxruntime

    def broken(*_args, **_kwargs):
        raise RuntimeError("no kernel for this CPU")

    monkeypatch.setattr(onnxruntime, "InferenceSession", broken)
    with pytest.warns(UserWarning, match="no kernel for this CPU"):
        assert int8._session_in(1, -1) is None  # noqa: SLF001 (a pid no process has)
    int8._session_in.cache_clear()  # noqa: SLF001


def test_too_many_dimensions_for_int32_sums_are_not_coded():
    assert int8.codes_of(np.zeros((2, int8.MAX_DIM + 1), np.float32)) is None
    assert int8.codes_of(np.eye(3, 64, dtype=np.float32)) is not None
