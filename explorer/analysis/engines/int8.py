"""Pairs proposed by 8-bit integer products, with a bound that keeps them exact.

A float32 matrix product of unit vectors is what every engine spends its time on. The
same product on 8-bit codes runs about 4x faster on these machines (onnxruntime's
``MatMulInteger``, whose MLAS kernels use the CPU's VNNI instructions; numpy has no
integer GEMM, and faiss's 8-bit scalar quantizer compares one pair at a time). Codes
only *propose* pairs: every proposed pair's cosine is then computed from the float32
vectors (:func:`~explorer.analysis.engines.exact.pair_cosines`), so no engine's result
changes, only its speed.

No pair is lost because a proposal's margin is a proven bound, not a guess. A row
``x`` is coded with its own scale (``x̂``, error ``‖x − x̂‖``) and a column ``y`` with one
scale shared by every column (``ŷ``, error at most ``e``); for unit vectors

    |x·y − x̂·ŷ| = |(x − x̂)·y + x̂·(y − ŷ)| <= ‖x − x̂‖ + ‖x̂‖ e,

so every pair with ``x·y >= t`` has ``x̂·ŷ >= t − ‖x − x̂‖ − ‖x̂‖ e``: one integer
threshold per row (the shared column scale is what makes it one number per row). On
SciFact's vectors the margin is about 0.02 and proposes about 1.4 times the pairs found.

The integer product is checked against numpy on extreme codes when first used (a CPU
without VNNI could saturate 16-bit sums); where onnxruntime is missing or fails that
check, :func:`codes_of` returns ``None`` and the engines use float32 products.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["Codes", "Products", "codes_of", "int8_available", "propose", "propose_coded",
           "top_columns"]

#: ``MatMulInteger(A: uint8, B: int8, a_zero_point=128) -> int32``, any shapes, serialized
#: ONNX (opset 10). Written out here so that building it needs no ``onnx`` package;
#: tests/test_int8.py checks it with ``onnx`` when that is installed.
MODEL = (
    b"\x08\x05\x12\x08explorer:`\n\x1c\n\x01A\n\x01B\n\x02za\x12\x01Y\"\rMatMulInteger"
    b"\x12\x01g*\n\x10\x02*\x02\x80\x01B\x02zaZ\x0f\n\x01A\x12\n\n\x08\x08\x02\x12\x04\n"
    b"\x00\n\x00Z\x0f\n\x01B\x12\n\n\x08\x08\x03\x12\x04\n\x00\n\x00b\x0f\n\x01Y\x12\n\n"
    b"\x08\x08\x06\x12\x04\n\x00\n\x00B\x04\n\x00\x10\n"
)
LEVELS = 127  # codes run from -127 to 127
SWITCH = "EXPLORER_INT8"  # set to 0 to use float32 products everywhere
#: Dimensions beyond which an int32 sum of 255 · 127 products could overflow.
MAX_DIM = (2**31 - 1) // (255 * 127)
_ROWS_AT_ONCE = 1024  # rows coded at a time (their float temporaries stay in cache)


def _session(threads: int) -> object | None:
    """An onnxruntime session of :data:`MODEL` on ``threads`` threads, or ``None``.

    One per process: a child forked from a process that made one (a Spark worker, say)
    makes its own, since an onnxruntime thread pool does not survive ``fork``.
    """
    return _session_in(threads, os.getpid())


@lru_cache(maxsize=8)
def _session_in(threads: int, _pid: int) -> object | None:
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    try:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # No arena: it would keep its largest size for good; Products reuses its buffers.
        options.enable_cpu_mem_arena = False
        session = ort.InferenceSession(MODEL, options, providers=["CPUExecutionProvider"])
        if _agrees(session):
            return session
        reason = "its integer product differs from numpy's on this CPU"
    except Exception as err:  # noqa: BLE001 - any failure means: use float32 products
        reason = f"{type(err).__name__}: {err}"
    warnings.warn(f"8-bit products are off ({reason}); float32 products are used (same "
                  f"results, slower). Set {SWITCH}=0 to silence this.", stacklevel=3)
    return None


def _agrees(session: object) -> bool:
    """Whether the session's product equals numpy's on codes that would overflow 16 bits."""
    rng = np.random.default_rng(0)
    a = rng.choice(np.array([0, 1, 254, 255], np.uint8), size=(33, 300))
    a[0] = 255
    b = rng.choice(np.array([-127, -126, 126, 127], np.int8), size=(300, 17))
    b[:, 0] = -127
    want = (a.astype(np.int64) - 128) @ b.astype(np.int64)
    got = session.run(None, {"A": a, "B": b})[0]  # type: ignore[attr-defined]
    return bool(np.array_equal(got, want))


def int8_available(threads: int = 1) -> bool:
    """Whether integer products are on (onnxruntime present and exact, not switched off).

    Examples
    --------
    >>> isinstance(int8_available(), bool)
    True
    """
    if os.environ.get(SWITCH, "1").strip() in {"0", "false", "no", "off"}:
        return False
    return _session(threads) is not None


@dataclass(frozen=True)
class Codes:
    """8-bit codes of unit vectors, in both roles a product gives them.

    Attributes
    ----------
    rows
        ``uint8 (m, d)``: each vector over its own scale ``s``, ``round(x / s * 127) + 128``.
    cols
        ``int8 (m, d)``: every vector over one shared scale ``S``, ``round(x / S * 127)``.
    row_scale
        ``float64 (m,)``: ``s / 127``, what one unit of a row code is worth.
    row_error, row_norm
        ``float64 (m,)``: ``‖x − x̂‖`` and ``‖x̂‖`` of the row codes.
    col_scale
        ``S / 127``.
    col_error
        The largest ``‖y − ŷ‖`` of the column codes (``e`` above).
    """

    rows: np.ndarray
    cols: np.ndarray
    row_scale: np.ndarray
    row_error: np.ndarray
    row_norm: np.ndarray
    col_scale: float
    col_error: float

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, idx: np.ndarray | slice) -> Codes:
        """The codes of vectors ``idx`` (the column bound stays that of the whole set)."""
        return Codes(self.rows[idx], self.cols[idx], self.row_scale[idx], self.row_error[idx],
                     self.row_norm[idx], self.col_scale, self.col_error)

    def thresholds(self, cols: Codes, threshold: float, slack: float) -> np.ndarray:
        """The integer product each row must reach against ``cols``: ``int32 (m,)``."""
        margin = self.row_error + self.row_norm * cols.col_error
        value = (threshold - slack - margin) / (self.row_scale * cols.col_scale)
        return np.clip(np.ceil(value), -(2**31), 2**31 - 1).astype(np.int32)


def _code_part(
    x: np.ndarray, shared: float, rows: np.ndarray, cols: np.ndarray, stats: np.ndarray
) -> float:
    """Code the float32 rows ``x`` into ``rows`` and ``cols``; scale, error, norm into ``stats``.

    Float32 arithmetic on cache-sized parts: the float error of an error norm (about
    1e-5 of a value near 0.01) is far inside :data:`~explorer.analysis.engines.exact.SLACK`.
    Returns the largest error of the column codes.
    """
    peak = np.abs(x).max(axis=1)
    scale = np.where(peak > 0, peak, np.float32(1)).astype(np.float32)
    col_error = 0.0
    for role, over in (("row", scale[:, None] / LEVELS), ("col", np.float32(shared / LEVELS))):
        q = np.rint(x / over)
        np.clip(q, -LEVELS, LEVELS, out=q)
        decoded = q * over
        error = np.sqrt(np.einsum("ij,ij->i", x - decoded, x - decoded))
        if role == "row":
            rows[:] = q.astype(np.int8).view(np.uint8) ^ np.uint8(0x80)  # q + 128, as uint8
            stats[:, 0] = scale / LEVELS
            stats[:, 1] = error
            stats[:, 2] = np.sqrt(np.einsum("ij,ij->i", decoded, decoded))
        else:
            cols[:] = q
            col_error = float(error.max()) if len(error) else 0.0
    return col_error


def codes_of(x: np.ndarray, *, threads: int = 1) -> Codes | None:
    """The :class:`Codes` of unit vectors ``x``, or ``None`` where integer products are off.

    Coded in parts of :data:`_ROWS_AT_ONCE` rows on two threads (about 0.3 s per 100,000
    vectors of 256 dimensions).

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    >>> codes = codes_of(x)
    >>> codes is None or codes.cols.tolist() == [[127, 0], [102, 76], [0, 127]]
    True
    """
    x = np.asarray(x, dtype=np.float32)
    if not int8_available(threads) or x.ndim != 2 or x.shape[1] > MAX_DIM:
        return None
    from concurrent.futures import ThreadPoolExecutor

    m = len(x)
    largest = float(np.abs(x).max()) if x.size else 0.0
    shared = largest if largest > 0 else 1.0
    rows = np.empty(x.shape, np.uint8)
    cols = np.empty(x.shape, np.int8)
    stats = np.empty((m, 3), np.float64)
    starts = range(0, m, _ROWS_AT_ONCE)

    def part(s: int) -> float:
        e = s + _ROWS_AT_ONCE
        return _code_part(x[s:e], shared, rows[s:e], cols[s:e], stats[s:e])

    with ThreadPoolExecutor(2) as pool:
        col_error = max(pool.map(part, starts), default=0.0)
    return Codes(rows, cols, stats[:, 0].copy(), stats[:, 1].copy(), stats[:, 2].copy(),
                 shared / LEVELS, col_error)


class Products:
    """8-bit products written into reusable buffers, one per thread.

    A fresh output per product would be allocated and paged in every time (about 30 %
    of the list products at 1M); onnxruntime's own arena would keep its largest size
    for as long as the session lives. These buffers live as long as this object.

    Parameters
    ----------
    threads
        onnxruntime threads per product.
    """

    def __init__(self, threads: int = 1) -> None:
        self._session = _session(threads)
        self._local = threading.local()

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``(a - 128) @ b.T`` for ``uint8 (k, d)`` and ``int8 (n, d)``: ``int32 (k, n)``.

        The result is a view of this thread's buffer, valid until its next product.
        """
        size = len(a) * len(b)
        buffer = getattr(self._local, "buffer", None)
        if buffer is None or buffer.size < size:
            buffer = self._local.buffer = np.empty(max(size, 1 << 16, int(1.5 * size)),
                                                   np.int32)
        out = buffer[:size].reshape(len(a), len(b))
        binding = self._session.io_binding()  # type: ignore[union-attr]
        binding.bind_cpu_input("A", np.ascontiguousarray(a))
        binding.bind_cpu_input("B", np.ascontiguousarray(b.T))
        binding.bind_output("Y", "cpu", 0, np.int32, out.shape, out.ctypes.data)
        self._session.run_with_iobinding(binding)  # type: ignore[union-attr]
        return out


def propose(
    rows: Codes, cols: Codes, threshold: float, slack: float, products: Products
) -> tuple[np.ndarray, np.ndarray]:
    """Local indices ``(r, c)`` of every pair of ``rows`` x ``cols`` that may reach ``threshold``.

    A superset of the pairs whose float cosine is at least ``threshold - slack``; the
    caller computes their cosines from the float vectors.
    """
    need = rows.thresholds(cols, threshold, slack)
    return propose_coded(rows.rows, need, cols.cols, products)


def propose_coded(
    a: np.ndarray, need: np.ndarray, b: np.ndarray, products: Products
) -> tuple[np.ndarray, np.ndarray]:
    """``(r, c)`` where the product of row codes ``a[r]`` and column codes ``b[c]`` >= ``need[r]``.

    ``a``: ``uint8 (k, d)``; ``need``: ``int32 (k,)`` from :meth:`Codes.thresholds`;
    ``b``: ``int8 (n, d)``.
    """
    if not len(a) or not len(b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    product = products(a, b)
    return np.divmod(np.flatnonzero(product >= need[:, None]), product.shape[1])


def _top_of_part(product: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` columns of largest ``product``, largest first (ties: lower column)."""
    n = product.shape[1]
    group = max(1, n // (4 * k))  # columns per group; at least 4k groups
    starts = np.arange(0, n, group)
    # The k-th largest group maximum is at most the k-th largest value: only values at or
    # above it can be among the k largest (a few times k of them, not n).
    best = np.maximum.reduceat(product, starts, axis=1)
    floor = np.partition(best, len(starts) - k, axis=1)[:, len(starts) - k]
    flat = np.flatnonzero(product >= floor[:, None])
    r, c = np.divmod(flat, n)
    # By row, then largest value first; the stable sort keeps lower columns first on ties.
    key = (r << 32) | (np.int64(2**31 - 1) - product.ravel()[flat])
    order = np.argsort(key, kind="stable")
    r, c = r[order], c[order]
    first = np.searchsorted(r, np.arange(len(product)))
    return c[first[:, None] + np.arange(k)]


def top_columns(
    rows: np.ndarray, cols: np.ndarray, k: int, *, part: int = 512, workers: int = 2
) -> np.ndarray:
    """Each row's ``k`` columns of largest integer product, largest first: ``int64 (m, k)``.

    ``rows``: ``uint8 (m, d)`` row codes; ``cols``: ``int8 (n, d)`` column codes (one
    shared scale, so a row's products rank its columns as the decoded cosines do). Parts
    of ``part`` rows run on ``workers`` threads of one onnxruntime thread each.

    Examples
    --------
    >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    >>> codes = codes_of(x)
    >>> codes is None or top_columns(codes.rows, codes.cols, 2).tolist() == [
    ...     [0, 1], [1, 0], [2, 1]]
    True
    """
    from concurrent.futures import ThreadPoolExecutor

    k = min(k, len(cols))
    products = Products(1)
    out = np.empty((len(rows), k), np.int64)

    def one(s: int) -> None:
        out[s : s + part] = _top_of_part(products(rows[s : s + part], cols), k)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(0, len(rows), part)))
    return out
