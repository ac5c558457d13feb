"""Similarity between entity embeddings: per-entity neighbors and whole-graph pairs.

The one adapter to scikit-learn's neighbors and to faiss. It works on arrays and
ids only and knows nothing about typed edges: the graph layer removes pairs that
already have an edge.

Per-query searches (:meth:`SimilarityIndex.kneighbors`,
:meth:`SimilarityIndex.radius_neighbors`) use scikit-learn
``NearestNeighbors(metric="cosine", algorithm="brute")``. Listing every pair
above a threshold across the whole graph (:meth:`SimilarityIndex.pairs`) has
three engines:

``"exact"``
    Blocked float32 matrix products of the normalized vectors, tile by tile over
    the upper triangle only; memory stays at about ``5 * block_size**2`` bytes
    for the tile plus the pairs found, never an n x n matrix.
``"brute"``
    scikit-learn ``radius_neighbors``, the baseline: exact, but it computes
    both triangles and converts to distances; 8 times slower than ``"exact"``
    at 100k entities, with a peak of about 1.6 GB.
``"faiss"``
    Approximate: a faiss ``IndexIVFFlat`` (inner product) trained on a sample,
    then ``range_search`` with ``nprobe`` lists per query. Missed about 1.4 %
    of the pairs at the default settings on 100k SciFact texts, in half the
    time of exact; the gap widens with n.

``"auto"`` is exact up to ``exact_max`` entities and faiss above.

Errors: bad parameters (a threshold outside [-1, 1], an unknown method, ...)
raise :class:`ParameterError` (a ``ValueError``); vectors that cannot be used
raise :class:`~explorer.errors.EmbeddingError`; unknown ids raise
:class:`~explorer.errors.UnknownEntityError`; using an index before ``fit``
raises :class:`NotFittedError`.
"""

from __future__ import annotations

import difflib
import math
import numbers
import warnings
from collections.abc import Iterator, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from explorer.embed import all_finite
from explorer.errors import (
    EmbeddingError,
    ExplorerError,
    NotFittedError,
    ParameterError,
    UnknownEntityError,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "CANDIDATE_EDGE",
    "DEFAULT_DUPLICATE_COSINE",
    "DEFAULT_EXACT_MAX",
    "DEFAULT_MIN_COSINE",
    "POSSIBLE_DUPLICATE",
    "Method",
    "NotFittedError",
    "ParameterError",
    "SimilarityIndex",
    "check_min_cosine",
    "label_pairs",
    "plot_nearest_cosine_histogram",
]

#: Default threshold for "Related by similarity".
DEFAULT_MIN_COSINE = 0.65

#: Default cut-off above which two entities of the same kind are labelled a
#: possible duplicate. Measured on SciFact sentences with wordllama
#: (``benchmarks/similarity.py``): a text with one word dropped keeps a median
#: cosine of 0.99 with its original (87 % of them >= 0.95), while only 0.6 % of
#: distinct texts have their nearest other text at >= 0.95. Lower it (e.g. 0.90)
#: to catch heavier edits at the price of more false alarms.
DEFAULT_DUPLICATE_COSINE = 0.95

#: Largest number of embedded entities for which ``method="auto"`` lists pairs
#: exactly; above it, faiss IVF (approximate). Chosen from
#: ``benchmarks/similarity.py`` on 2 cores: at 100k wordllama vectors exact
#: takes about 18 s against faiss's 9.5 s, which misses 1.4 % of the pairs;
#: exact grows with n**2 and faiss about n**1.5, so above 100k the wait for an
#: exact answer stops being worth it.
DEFAULT_EXACT_MAX = 100_000

#: Above this many entities a progress bar is shown when ``progress=None``.
PROGRESS_MIN = 20_000

POSSIBLE_DUPLICATE = "possible duplicate"
CANDIDATE_EDGE = "candidate edge"

_IDS_FRAME_COLUMNS = ["id", "neighbor_id", "cosine"]
_PAIRS_FRAME_COLUMNS = ["i", "j", "cosine"]
_TRAIN_POINTS_PER_LIST = 40  # faiss warns below 39 training points per list
_SUGGEST_MAX_IDS = 20_000  # difflib suggestions for unknown ids up to this size


class Method(str, Enum):
    """How :meth:`SimilarityIndex.pairs` searches the whole graph."""

    AUTO = "auto"
    EXACT = "exact"
    BRUTE = "brute"
    FAISS = "faiss"


def _as_method(value: str | Method) -> Method:
    try:
        return Method(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in Method)
        raise ParameterError(f"method must be one of {valid}; got {value!r}.") from None


def check_min_cosine(value: Any, *, name: str = "min_cosine") -> float:
    """Validate a cosine threshold and return it as a float.

    Parameters
    ----------
    value
        The threshold, a real number in [-1, 1].
    name
        The parameter's name, used in the error message.

    Returns
    -------
    float
        ``value`` as a Python float.

    Raises
    ------
    ParameterError
        (a ``ValueError``) if ``value`` is not a real number, is NaN, or lies
        outside [-1, 1].

    Examples
    --------
    >>> check_min_cosine(0.65)
    0.65
    >>> check_min_cosine(1.5)
    Traceback (most recent call last):
    ...
    explorer.errors.ParameterError: min_cosine must be a cosine in [-1, 1]; got 1.5.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be a cosine in [-1, 1] (a real number); got {value!r}.")
    result = float(value)
    if math.isnan(result) or not -1.0 <= result <= 1.0:
        raise ParameterError(f"{name} must be a cosine in [-1, 1]; got {value!r}.")
    return result


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _normalize(
    vectors: Any, *, what: str = "vectors", copy: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Return L2-normalized float32 rows (a copy unless ``copy=False``) and the non-zero mask."""
    try:
        array = np.array(vectors, dtype=np.float32, copy=True if copy else None, order="C")
    except (TypeError, ValueError) as err:
        raise EmbeddingError(f"{what} must be a 2-D array of numbers: {err}") from err
    if array.ndim != 2:
        raise EmbeddingError(
            f"{what} must be a 2-D array (n_entities, dim); got shape {array.shape}."
        )
    if not all_finite(array):
        bad = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise EmbeddingError(
            f"{what} contain NaN or infinite values (first at row {bad}); "
            "re-embed those entities or give them all-zero vectors."
        )
    norms = np.linalg.norm(array, axis=1)
    nonzero = norms > 0
    np.divide(array, norms[:, None], out=array, where=nonzero[:, None])
    return array, nonzero


def _empty_ids_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series([], dtype=object),
            "neighbor_id": pd.Series([], dtype=object),
            "cosine": np.array([], dtype=np.float32),
        }
    )


def _pairs_frame(i: np.ndarray, j: np.ndarray, cosine: np.ndarray) -> pd.DataFrame:
    """Build the tidy pairs frame sorted by cosine (desc), then i, then j."""
    order = np.lexsort((j, i, -cosine))
    return pd.DataFrame(
        {
            "i": i[order].astype(np.int64, copy=False),
            "j": j[order].astype(np.int64, copy=False),
            "cosine": cosine[order].astype(np.float32, copy=False),
        }
    )


def _concat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.array([], dtype)


def _progress_bar(show: bool | None, n: int, total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    disable = not (n > PROGRESS_MIN if show is None else show)
    return tqdm(total=total, desc=desc, unit="block", disable=disable, leave=False)


def _iter_tiles(x: np.ndarray, block: int) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(r0, c0, x[r0:r1] @ x[c0:c1].T)`` over the upper triangle of tiles.

    The yielded array is a reused buffer: use it before asking for the next tile.
    """
    m = len(x)
    buffer = np.empty((min(block, m), min(block, m)), dtype=np.float32)
    for r0 in range(0, m, block):
        rows = x[r0 : r0 + block]
        for c0 in range(r0, m, block):
            cols = x[c0 : c0 + block]
            if rows.shape[0] == buffer.shape[0] and cols.shape[0] == buffer.shape[1]:
                out = buffer
            else:
                out = np.empty((rows.shape[0], cols.shape[0]), dtype=np.float32)
            np.matmul(rows, cols.T, out=out)
            yield r0, c0, out


class SimilarityIndex:
    """Cosine similarity search over entity embeddings.

    Parameters
    ----------
    method
        Default engine of :meth:`pairs` and :meth:`nearest_cosine`: ``"auto"``,
        ``"exact"``, ``"brute"`` or ``"faiss"`` (see the module docstring).
    exact_max
        With ``method="auto"``, the largest number of non-zero vectors listed
        exactly; above it faiss IVF is used. Default :data:`DEFAULT_EXACT_MAX`.
    block_size
        Tile side of the blocked matrix products (and query chunk of the other
        engines). A tile takes about ``5 * block_size**2`` bytes.
    nlist
        Number of faiss IVF lists; ``None`` chooses about ``4 * sqrt(n)``, capped
        so that each list has at least 40 training points.
    nprobe
        Lists visited per faiss query; more is slower and finds more pairs.
    random_state
        Seed of the faiss training sample and k-means.

    Attributes
    ----------
    ids_ : numpy.ndarray of str, shape (n,)
        The fitted ids, by position.
    nonzero_ : numpy.ndarray of bool, shape (n,)
        Which rows have a non-zero vector; the others are never returned.

    Examples
    --------
    >>> import numpy as np
    >>> vectors = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 0]])
    >>> index = SimilarityIndex().fit(vectors, ids=["a", "b", "c", "no-text"])
    >>> index
    SimilarityIndex(4 vectors (3 non-zero), 3-d, method='auto')
    >>> index.pairs(min_cosine=0.65)
       i  j    cosine
    0  0  1  0.993884
    >>> index.kneighbors(["a"], n_neighbors=1)
      id neighbor_id    cosine
    0  a           b  0.993884
    """

    def __init__(
        self,
        *,
        method: str | Method = "auto",
        exact_max: int = DEFAULT_EXACT_MAX,
        block_size: int = 4096,
        nlist: int | None = None,
        nprobe: int = 16,
        random_state: int = 0,
    ) -> None:
        self.method = method
        self.exact_max = exact_max
        self.block_size = block_size
        self.nlist = nlist
        self.nprobe = nprobe
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(
        self, vectors: np.ndarray, ids: Sequence[str] | None = None, *, copy: bool = True
    ) -> SimilarityIndex:
        """Store L2-normalized float32 copies of the vectors.

        Parameters
        ----------
        vectors
            Array of shape (n, dim). All-zero rows (entities without text) are
            kept in place but never returned as neighbors.
        ids
            Entity ids by position, length n; default ``"0"`` .. ``"n-1"``. A unique
            ``pandas.Index`` is used as it is.
        copy
            ``False`` lets the index normalize a float32 C-ordered ``vectors`` in place
            and keep it (no second copy of a large array); the caller hands it over.

        Returns
        -------
        SimilarityIndex
            ``self``. The faiss index, when a method needs it, is trained on first use.
        """
        method = _as_method(self.method)
        _check_int(self.exact_max, "exact_max", 0)
        _check_int(self.block_size, "block_size", 1)
        if self.nlist is not None:
            _check_int(self.nlist, "nlist", 1)
        _check_int(self.nprobe, "nprobe", 1)

        x, nonzero = _normalize(vectors, copy=copy)
        n = x.shape[0]
        if isinstance(ids, pd.Index) and len(ids) == n and ids.is_unique:
            id_array = ids.to_numpy(dtype=object)
        elif ids is None:
            id_array = np.array([str(k) for k in range(n)], dtype=object)
        else:
            id_array = np.array([str(v) for v in ids], dtype=object)
            if id_array.shape != (n,):
                raise EmbeddingError(
                    f"ids has {len(id_array)} entries but vectors has {n} rows; "
                    "give one id per row."
                )
        position = ids if isinstance(ids, pd.Index) else pd.Index(id_array)
        if not position.is_unique:
            dupes = position[position.duplicated()].unique()[:5].tolist()
            raise EmbeddingError(f"ids must be unique; repeated: {dupes}.")

        self._x = x
        self.nonzero_ = nonzero
        self._valid = np.flatnonzero(nonzero)  # fitted position of each searchable row
        # A view when every row has a vector: one copy of the vectors, not two.
        self._xv = x if nonzero.all() else np.ascontiguousarray(x[nonzero])
        self.ids_ = id_array
        self._position = position
        self._faiss_index: Any = None
        self._nn: NearestNeighbors | None = None
        if len(self._valid) > 0:
            self._nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(self._xv)
        self._resolve(method)  # checks the choice now; faiss trains on first use
        return self

    # ------------------------------------------------------------ properties
    @property
    def vectors_(self) -> np.ndarray:
        """The fitted unit vectors, shape (n, dim), float32 (zero rows kept)."""
        self._check_fitted()
        return self._x

    def _check_fitted(self) -> None:
        if not hasattr(self, "_x"):
            raise NotFittedError(
                "This SimilarityIndex is not fitted yet; call .fit(vectors, ids) first."
            )

    @property
    def n_samples_fit_(self) -> int:
        """Number of fitted vectors, zero rows included."""
        self._check_fitted()
        return int(self._x.shape[0])

    @property
    def dim_(self) -> int:
        """Dimension of the fitted vectors."""
        self._check_fitted()
        return int(self._x.shape[1])

    def __repr__(self) -> str:
        method = getattr(self.method, "value", self.method)
        if not hasattr(self, "_x"):
            return f"SimilarityIndex(unfitted, method={method!r})"
        n, nz = self.n_samples_fit_, len(self._valid)
        zero = "" if nz == n else f" ({nz:,} non-zero)"
        return f"SimilarityIndex({n:,} vectors{zero}, {self.dim_}-d, method={method!r})"

    # -------------------------------------------------------------- helpers
    def _resolve(self, method: Method) -> Method:
        if method is not Method.AUTO:
            return method
        if len(self._valid) <= self.exact_max:
            return Method.EXACT
        try:
            import faiss  # noqa: F401
        except ImportError:
            warnings.warn(
                f"faiss is not installed: listing similar pairs exactly over "
                f"{len(self._valid):,} entities, which may be slow. "
                "Install it with: pip install faiss-cpu",
                stacklevel=3,
            )
            return Method.EXACT
        return Method.FAISS

    def _positions(self, ids: Sequence[str]) -> np.ndarray:
        keys = [str(v) for v in ids]
        pos = self._position.get_indexer(keys)
        missing = np.flatnonzero(pos < 0)
        if len(missing):
            bad = keys[int(missing[0])]
            suggestions: list[str] = []
            if len(self.ids_) <= _SUGGEST_MAX_IDS:
                suggestions = difflib.get_close_matches(bad, list(self.ids_), n=3)
            raise UnknownEntityError(bad, suggestions)
        return pos

    def _queries(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Return (query vectors, query labels, fitted valid-row index or None).

        The third item gives, for queries that are fitted points, their row in
        the searchable (non-zero) set so that they can be excluded from their own
        results; it is None for new vectors.
        """
        if isinstance(X, str):
            X = [X]
        if isinstance(X, (list, tuple)) and len(X) == 0:
            return np.empty((0, self.dim_), np.float32), np.array([], dtype=object), None
        is_ids = isinstance(X, (pd.Index, pd.Series, list, tuple, np.ndarray)) and (
            len(X) > 0 and all(isinstance(v, str) for v in X)
        )
        if is_ids:
            pos = self._positions(X)
            pos = pos[self.nonzero_[pos]]  # entities without text have no neighbors
            valid_row = np.searchsorted(self._valid, pos)
            return self._x[pos], self.ids_[pos], valid_row
        q, nonzero = _normalize(X, what="query vectors")
        if q.shape[1] != self.dim_:
            raise EmbeddingError(
                f"query vectors have dimension {q.shape[1]} but the index was fitted on "
                f"{self.dim_}-d vectors; embed the queries with the same model."
            )
        labels = np.arange(len(q))
        return q[nonzero], labels[nonzero], None

    def _faiss(self) -> Any:
        """Return the trained faiss IVF index over the non-zero rows (built once)."""
        if self._faiss_index is not None:
            return self._faiss_index
        try:
            import faiss
        except ImportError as err:
            raise ExplorerError(
                "Approximate similarity search (method='faiss') needs faiss-cpu, a dependency "
                "of claim-graph-explorer that is missing here: pip install faiss-cpu "
                "(or use method='exact')."
            ) from err
        m, d = self._xv.shape
        if m == 0:
            return None
        nlist = self.nlist or max(1, round(4 * math.sqrt(m)))
        nlist = max(1, min(nlist, m // _TRAIN_POINTS_PER_LIST))
        if nlist == 1:  # too few vectors to cluster: a flat (exact) inner-product index
            index = faiss.IndexFlatIP(d)
            index.add(self._xv)
            self._faiss_index = index
            return index
        n_train = min(m, nlist * _TRAIN_POINTS_PER_LIST)
        rng = np.random.default_rng(self.random_state)
        sample = self._xv[np.sort(rng.choice(m, size=n_train, replace=False))]
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = int(self.random_state)
        index.train(sample)
        index.add(self._xv)
        index.nprobe = min(int(self.nprobe), nlist)
        self._faiss_quantizer = quantizer  # keep alive alongside the index
        self._faiss_index = index
        return index

    # ---------------------------------------------------------- per query
    def kneighbors(self, X: Any = None, n_neighbors: int = 10) -> pd.DataFrame:
        """Find the ``n_neighbors`` most similar entities of each query.

        Parameters
        ----------
        X
            ``None`` for every fitted entity (each excluding itself, as in
            scikit-learn); a list of fitted ids (each excluding itself); or an
            array of new vectors of shape (m, dim), whose ``id`` in the result is
            their row number.
        n_neighbors
            Neighbors per query; silently capped at the number of candidates
            (n - 1 for fitted entities).

        Returns
        -------
        pandas.DataFrame
            Columns ``id, neighbor_id, cosine``, best first within each id.
            Entities without text (zero vectors) appear in neither column.
        """
        self._check_fitted()
        n_neighbors = _check_int(n_neighbors, "n_neighbors", 1)
        m = len(self._valid)
        if X is None:
            k = min(n_neighbors, m - 1)
            if k < 1 or self._nn is None:
                return _empty_ids_frame()
            dist, ind = self._nn.kneighbors(None, n_neighbors=k)
            qlabels = self.ids_[self._valid]
        else:
            q, qlabels, self_row = self._queries(X)
            if len(q) == 0 or self._nn is None:
                return _empty_ids_frame()
            if self_row is None:
                k = min(n_neighbors, m)
                dist, ind = self._nn.kneighbors(q, n_neighbors=k)
            else:
                k = min(n_neighbors, m - 1)
                if k < 1:
                    return _empty_ids_frame()
                dist, ind = self._nn.kneighbors(q, n_neighbors=k + 1)
                # Drop the query itself; if an identical vector outranked it, drop the last.
                keep = ind != self_row[:, None]
                keep[keep.all(axis=1), -1] = False
                dist = dist[keep].reshape(len(q), k)
                ind = ind[keep].reshape(len(q), k)
        cosine = np.clip(1.0 - dist.astype(np.float32), -1.0, 1.0)
        return pd.DataFrame(
            {
                "id": np.repeat(qlabels, ind.shape[1]),
                "neighbor_id": self.ids_[self._valid[ind.ravel()]],
                "cosine": cosine.ravel(),
            }
        )

    def radius_neighbors(
        self, X: Any = None, min_cosine: float = DEFAULT_MIN_COSINE
    ) -> pd.DataFrame:
        """Find every entity with cosine >= ``min_cosine`` to each query.

        Parameters
        ----------
        X
            As in :meth:`kneighbors`.
        min_cosine
            Threshold in [-1, 1].

        Returns
        -------
        pandas.DataFrame
            Columns ``id, neighbor_id, cosine``, best first within each id.
        """
        self._check_fitted()
        t = check_min_cosine(min_cosine)
        if self._nn is None:
            return _empty_ids_frame()
        radius = (1.0 - t) + 1e-6  # slack; the cosine filter below is the real test
        if X is None:
            dist, ind = self._nn.radius_neighbors(None, radius=radius, sort_results=True)
            qlabels = self.ids_[self._valid]
            self_row = None
        else:
            q, qlabels, self_row = self._queries(X)
            if len(q) == 0:
                return _empty_ids_frame()
            dist, ind = self._nn.radius_neighbors(q, radius=radius, sort_results=True)
        lengths = np.fromiter((len(a) for a in ind), dtype=np.int64, count=len(ind))
        query = np.repeat(np.arange(len(ind)), lengths)
        ind_flat = _concat(list(ind), np.int64)
        cosine = np.clip(1.0 - _concat(list(dist), np.float32), -1.0, 1.0)
        keep = cosine >= np.float32(t)
        if self_row is not None:
            keep &= ind_flat != self_row[query]
        return pd.DataFrame(
            {
                "id": qlabels[query[keep]],
                "neighbor_id": self.ids_[self._valid[ind_flat[keep]]],
                "cosine": cosine[keep],
            }
        ).reset_index(drop=True)

    # ---------------------------------------------------------- whole graph
    def pairs(
        self,
        min_cosine: float = DEFAULT_MIN_COSINE,
        *,
        method: str | Method | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """List every pair of entities with cosine >= ``min_cosine``.

        Parameters
        ----------
        min_cosine
            Threshold in [-1, 1].
        method
            ``"exact"``, ``"brute"``, ``"faiss"`` or ``"auto"``; ``None`` uses the
            index's ``method``.
        progress
            Show a tqdm bar over blocks; ``None`` shows one above 20,000 entities.

        Returns
        -------
        pandas.DataFrame
            Columns ``i, j, cosine``: fitted positions with ``i < j``, each
            unordered pair once, sorted by cosine (highest first), then i, j.
        """
        self._check_fitted()
        t = check_min_cosine(min_cosine)
        resolved = self._resolve(_as_method(self.method if method is None else method))
        if len(self._valid) < 2:
            return _pairs_frame(*(np.array([], dt) for dt in (np.int64, np.int64, np.float32)))
        engine = {
            Method.EXACT: self._pairs_exact,
            Method.BRUTE: self._pairs_brute,
            Method.FAISS: self._pairs_faiss,
        }[resolved]
        vi, vj, cos = engine(np.float32(t), progress)
        return _pairs_frame(self._valid[vi], self._valid[vj], cos)

    def _pairs_exact(self, t: np.float32, progress: bool | None) -> tuple[np.ndarray, ...]:
        x, block = self._xv, int(self.block_size)
        m = len(x)
        nb = -(-m // block)
        found_i: list[np.ndarray] = []
        found_j: list[np.ndarray] = []
        found_c: list[np.ndarray] = []
        with _progress_bar(progress, m, nb * (nb + 1) // 2, "similar pairs") as bar:
            for r0, c0, sims in _iter_tiles(x, block):
                flat = np.flatnonzero(sims >= t)
                if len(flat):
                    rows, cols = np.divmod(flat, sims.shape[1])
                    if r0 == c0:  # diagonal tile: the strict upper triangle only
                        upper = rows < cols
                        flat, rows, cols = flat[upper], rows[upper], cols[upper]
                    found_i.append(rows + r0)
                    found_j.append(cols + c0)
                    found_c.append(sims.ravel()[flat])
                bar.update(1)
        return (
            _concat(found_i, np.int64),
            _concat(found_j, np.int64),
            _concat(found_c, np.float32),
        )

    def _pairs_brute(self, t: np.float32, progress: bool | None) -> tuple[np.ndarray, ...]:
        assert self._nn is not None  # checked by pairs()
        x, block = self._xv, int(self.block_size)
        m = len(x)
        radius = (1.0 - float(t)) + 1e-6
        found_i, found_j, found_c = [], [], []
        with _progress_bar(progress, m, -(-m // block), "similar pairs (sklearn)") as bar:
            for r0 in range(0, m, block):
                dist, ind = self._nn.radius_neighbors(x[r0 : r0 + block], radius=radius)
                lengths = np.fromiter((len(a) for a in ind), dtype=np.int64, count=len(ind))
                rows = np.repeat(np.arange(r0, r0 + len(ind)), lengths)
                cols = _concat(list(ind), np.int64)
                cos = np.clip(1.0 - _concat(list(dist), np.float32), -1.0, 1.0)
                keep = (cols > rows) & (cos >= t)
                found_i.append(rows[keep])
                found_j.append(cols[keep])
                found_c.append(cos[keep])
                bar.update(1)
        return (
            _concat(found_i, np.int64),
            _concat(found_j, np.int64),
            _concat(found_c, np.float32),
        )

    def _pairs_faiss(self, t: np.float32, progress: bool | None) -> tuple[np.ndarray, ...]:
        index = self._faiss()
        x, block = self._xv, int(self.block_size)
        m = len(x)
        # faiss returns inner products strictly above the radius.
        radius = float(np.nextafter(t, np.float32(-np.inf)))
        keys: list[np.ndarray] = []
        cosines: list[np.ndarray] = []
        with _progress_bar(progress, m, -(-m // block), "similar pairs (faiss)") as bar:
            for r0 in range(0, m, block):
                lims, dist, ind = index.range_search(x[r0 : r0 + block], radius)
                counts = np.diff(lims).astype(np.int64)
                rows = np.repeat(np.arange(r0, r0 + len(counts)), counts)
                cols = ind.astype(np.int64)
                keep = (cols != rows) & (dist >= t)
                rows, cols = rows[keep], cols[keep]
                lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
                keys.append(lo * m + hi)
                cosines.append(dist[keep].astype(np.float32))
                bar.update(1)
        # A pair can be found from both ends (or from one only): keep it once.
        key, first = np.unique(_concat(keys, np.int64), return_index=True)
        cos = _concat(cosines, np.float32)[first]
        vi, vj = np.divmod(key, m)
        return vi, vj, cos

    # ------------------------------------------------------- nearest cosine
    def nearest_cosine(
        self, *, method: str | Method | None = None, progress: bool | None = None
    ) -> np.ndarray:
        """Each entity's highest cosine to any other entity.

        Parameters
        ----------
        method
            As in :meth:`pairs`. ``"faiss"`` gives a lower bound (it may miss the
            true nearest neighbor).
        progress
            Show a tqdm bar over blocks; ``None`` shows one above 20,000 entities.

        Returns
        -------
        numpy.ndarray of float32, shape (n,)
            By fitted position; NaN for entities without text (zero vectors) and
            when no other entity has a vector.
        """
        self._check_fitted()
        resolved = self._resolve(_as_method(self.method if method is None else method))
        result = np.full(self.n_samples_fit_, np.nan, dtype=np.float32)
        m = len(self._valid)
        if m < 2:
            return result
        if resolved is Method.EXACT:
            best = self._nearest_exact(progress)
        elif resolved is Method.BRUTE:
            assert self._nn is not None
            dist, _ = self._nn.kneighbors(None, n_neighbors=1)
            best = np.clip(1.0 - dist[:, 0].astype(np.float32), -1.0, 1.0)
        else:
            best = self._nearest_faiss(progress)
        result[self._valid] = best
        return result

    def _nearest_exact(self, progress: bool | None) -> np.ndarray:
        x, block = self._xv, int(self.block_size)
        m = len(x)
        best = np.full(m, -np.inf, dtype=np.float32)
        nb = -(-m // block)
        with _progress_bar(progress, m, nb * (nb + 1) // 2, "nearest cosine") as bar:
            for r0, c0, sims in _iter_tiles(x, block):
                r1, c1 = r0 + sims.shape[0], c0 + sims.shape[1]
                if r0 == c0:
                    np.fill_diagonal(sims, -np.inf)
                else:
                    np.maximum(best[c0:c1], sims.max(axis=0), out=best[c0:c1])
                np.maximum(best[r0:r1], sims.max(axis=1), out=best[r0:r1])
                bar.update(1)
        return best

    def _nearest_faiss(self, progress: bool | None) -> np.ndarray:
        index = self._faiss()
        x, block = self._xv, int(self.block_size)
        m = len(x)
        best = np.full(m, np.nan, dtype=np.float32)
        with _progress_bar(progress, m, -(-m // block), "nearest cosine (faiss)") as bar:
            for r0 in range(0, m, block):
                dist, ind = index.search(x[r0 : r0 + block], 2)
                own = ind == np.arange(r0, r0 + len(ind))[:, None]
                dist = np.where(own | (ind < 0), -np.inf, dist)
                found = dist.max(axis=1)
                best[r0 : r0 + len(ind)] = np.where(np.isfinite(found), found, np.nan)
                bar.update(1)
        return best


def label_pairs(
    pairs: pd.DataFrame,
    kinds: np.ndarray | pd.Series | Sequence[Any],
    *,
    duplicate_cosine: float = DEFAULT_DUPLICATE_COSINE,
) -> pd.Series:
    """Label similar pairs as possible duplicates or candidate edges.

    Parameters
    ----------
    pairs
        A frame with integer position columns ``i``, ``j`` and ``cosine``, as
        returned by :meth:`SimilarityIndex.pairs`.
    kinds
        The kind of each entity by fitted position (a Series is read by
        position, not by label). Missing kinds never match.
    duplicate_cosine
        Cut-off in [-1, 1]; default :data:`DEFAULT_DUPLICATE_COSINE` (0.95).

    Returns
    -------
    pandas.Series
        Categorical, aligned with ``pairs``: ``"possible duplicate"`` where both
        entities have the same kind and cosine >= ``duplicate_cosine``, else
        ``"candidate edge"``.

    Examples
    --------
    >>> import pandas as pd
    >>> found = pd.DataFrame({"i": [0, 0], "j": [1, 2], "cosine": [0.97, 0.97]})
    >>> label_pairs(found, ["claim", "claim", "paper"]).tolist()
    ['possible duplicate', 'candidate edge']
    """
    cut = check_min_cosine(duplicate_cosine, name="duplicate_cosine")
    missing = [c for c in ("i", "j", "cosine") if c not in pairs.columns]
    if missing:
        raise ParameterError(
            f"pairs must have columns i, j, cosine (from SimilarityIndex.pairs); missing {missing}."
        )
    kind = pd.Series(kinds.to_numpy() if isinstance(kinds, pd.Series) else list(kinds))
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    if len(i) and max(i.max(), j.max()) >= len(kind):
        raise ParameterError(
            f"kinds has {len(kind)} entries but pairs refer to position "
            f"{int(max(i.max(), j.max()))}; give one kind per fitted entity."
        )
    ki, kj = kind.iloc[i].to_numpy(), kind.iloc[j].to_numpy()
    same = (ki == kj) & pd.notna(ki) & pd.notna(kj)
    duplicate = same & (pairs["cosine"].to_numpy() >= np.float32(cut))
    labels = np.where(duplicate, POSSIBLE_DUPLICATE, CANDIDATE_EDGE)
    return pd.Series(
        pd.Categorical(labels, categories=[POSSIBLE_DUPLICATE, CANDIDATE_EDGE]),
        index=pairs.index,
        name="label",
    )


def plot_nearest_cosine_histogram(
    nearest: np.ndarray,
    min_cosine: float = DEFAULT_MIN_COSINE,
    *,
    ax: Axes | None = None,
    label: str | None = None,
    bins: int = 50,
) -> Axes:
    """Plot the distribution of nearest-neighbor cosines against a threshold.

    Parameters
    ----------
    nearest
        Each entity's best cosine to another, as from
        :meth:`SimilarityIndex.nearest_cosine`; NaN (no text) is left out and
        counted in the title.
    min_cosine
        The threshold, drawn as a vertical line.
    ax
        Axes to draw on; a new figure if ``None``.
    label
        What the entities are (for the legend), e.g. ``"claims"``.
    bins
        Number of histogram bins.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. Bars at or above the threshold are coloured apart,
        and the legend gives the counts above and below.
    """
    import matplotlib.pyplot as plt

    t = check_min_cosine(min_cosine)
    values = np.asarray(nearest, dtype=np.float64).ravel()
    n_missing = int(np.isnan(values).sum())
    values = values[~np.isnan(values)]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    what = label or "entities"
    above = values >= np.float32(t)
    edges = np.histogram_bin_edges(values if len(values) else [t], bins=bins)
    n_above = int(above.sum())
    ax.hist(
        values[~above],
        bins=edges,
        color="tab:gray",
        label=f"{what} below: {len(values) - n_above:,}",
    )
    ax.hist(values[above], bins=edges, color="tab:orange", label=f"{what} at/above: {n_above:,}")
    ax.axvline(t, color="tab:red", linestyle="--", label=f"min_cosine = {t:g}")
    ax.set_xlabel("cosine to the nearest other entity")
    ax.set_ylabel("entities")
    title = "Nearest-neighbor cosine"
    if n_missing:
        title += f" ({n_missing:,} without text not shown)"
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax
