"""Cosine similarity over entity vectors: per-entity neighbors and whole-graph pairs.

Arrays and ids only (typed edges are :mod:`explorer.analysis.related`'s concern).
Queries: scikit-learn ``NearestNeighbors(metric="cosine")``, imported on first use;
whole-graph pairs: the engines of :mod:`explorer.analysis.engines` (``"auto"``: exact up
to ``exact_max``, clustered above).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..choices import check_int
from ..errors import EmbeddingError, NotFittedError, UnknownEntityError
from ..suggest import closest
from .engines.clustered import DEFAULT_NPROBE
from .engines.dispatch import run_nearest, run_pairs
from .engines.exact import concat
from .engines.faiss_ivf import FAISS_NPROBE, build_ivf
from .engines.frames import empty_ids_frame, fitted_ids, pairs_frame
from .thresholds import DEFAULT_EXACT_MAX, DEFAULT_MIN_COSINE, Method, as_method, check_min_cosine
from .vectors import normalized

__all__ = ["SimilarityIndex"]


class SimilarityIndex:
    """Cosine similarity search over entity embeddings.

    Parameters
    ----------
    method
        Default engine of :meth:`pairs` and :meth:`nearest_cosine`: ``"auto"``, ``"exact"``,
        ``"brute"``, ``"faiss"`` or ``"clustered"`` (see the module docstring).
    exact_max
        With ``"auto"``, the most non-zero vectors listed exactly; above it the clustered
        engine (``docs/performance.md``). Default :data:`DEFAULT_EXACT_MAX`.
    block_size
        Tile side of the blocked matrix products (and query chunk of the other
        engines). A tile takes about ``5 * block_size**2`` bytes.
    nlist, nprobe
        Lists, and lists each vector probes (more: slower, more pairs); ``None``: about
        ``4 * sqrt(n)`` and 16 for faiss IVF, ``8 * sqrt(n)`` and 24 for clustered.
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
        nprobe: int | None = None,
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
        as_method(self.method)  # the choice is checked now; faiss trains on first use
        check_int(self.exact_max, "exact_max", 0)
        check_int(self.block_size, "block_size", 1)
        for name in ("nlist", "nprobe"):  # None: the engine's own default
            if getattr(self, name) is not None:
                check_int(getattr(self, name), name, 1)

        x, nonzero = normalized(vectors, copy=copy)
        id_array, position = fitted_ids(ids, x.shape[0])

        self._x = x
        self.nonzero_ = nonzero
        self._valid = np.flatnonzero(nonzero)  # fitted position of each searchable row
        # A view when every row has a vector: one copy of the vectors, not two.
        self._xv = x if nonzero.all() else np.ascontiguousarray(x[nonzero])
        self.ids_ = id_array
        self._position = position
        self._faiss_index: Any = None
        self._nn_model: Any = None
        return self

    # ------------------------------------------------------------ properties
    @property
    def vectors_(self) -> np.ndarray:
        """The fitted unit vectors, shape (n, dim), float32 (zero rows kept)."""
        self._check_fitted()
        return self._x

    @property
    def _nn(self) -> Any:
        """scikit-learn's neighbours of the searchable rows, built (and imported) on first use."""
        if self._nn_model is None and len(self._valid) > 0:
            from sklearn.neighbors import NearestNeighbors  # about a second to import
            self._nn_model = NearestNeighbors(metric="cosine", algorithm="brute").fit(self._xv)
        return self._nn_model

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
    def resolved_method(self, method: str | Method | None = None) -> Method:
        """The engine ``method`` (``None``: the index's own) runs on these vectors."""
        method = as_method(self.method if method is None else method)
        if method is not Method.AUTO:
            return method
        return Method.EXACT if len(self._valid) <= self.exact_max else Method.CLUSTERED

    def _positions(self, ids: Sequence[str]) -> np.ndarray:
        keys = [str(v) for v in ids]
        pos = self._position.get_indexer(keys)
        missing = np.flatnonzero(pos < 0)
        if len(missing):
            bad = keys[int(missing[0])]
            raise UnknownEntityError(bad, closest(bad, self._position))
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
        q, nonzero = normalized(X, what="query vectors")
        if q.shape[1] != self.dim_:
            raise EmbeddingError(
                f"query vectors have dimension {q.shape[1]} but the index was fitted on "
                f"{self.dim_}-d vectors; embed the queries with the same model."
            )
        labels = np.arange(len(q))
        return q[nonzero], labels[nonzero], None

    def _faiss(self) -> Any:
        """The trained faiss IVF index over the non-zero rows (built once, on first use)."""
        if self._faiss_index is None:
            self._faiss_index = build_ivf(
                self._xv, nlist=self.nlist, nprobe=self.nprobe or FAISS_NPROBE,
                seed=self.random_state,
            )
        return self._faiss_index

    def _engine_args(self, progress: bool | None) -> dict[str, Any]:
        clustered = {"nlist": self.nlist, "nprobe": self.nprobe or DEFAULT_NPROBE,
                     "seed": self.random_state}
        return {"block": int(self.block_size), "progress": progress, "nn": lambda: self._nn,
                "faiss_index": self._faiss, "clustered": clustered}

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
        n_neighbors = check_int(n_neighbors, "n_neighbors", 1)
        m = len(self._valid)
        if X is None:
            k = min(n_neighbors, m - 1)
            if k < 1 or self._nn is None:
                return empty_ids_frame()
            dist, ind = self._nn.kneighbors(None, n_neighbors=k)
            qlabels = self.ids_[self._valid]
        else:
            q, qlabels, self_row = self._queries(X)
            if len(q) == 0 or self._nn is None:
                return empty_ids_frame()
            if self_row is None:
                k = min(n_neighbors, m)
                dist, ind = self._nn.kneighbors(q, n_neighbors=k)
            else:
                k = min(n_neighbors, m - 1)
                if k < 1:
                    return empty_ids_frame()
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
            return empty_ids_frame()
        radius = (1.0 - t) + 1e-6  # slack; the cosine filter below is the real test
        if X is None:
            dist, ind = self._nn.radius_neighbors(None, radius=radius, sort_results=True)
            qlabels = self.ids_[self._valid]
            self_row = None
        else:
            q, qlabels, self_row = self._queries(X)
            if len(q) == 0:
                return empty_ids_frame()
            dist, ind = self._nn.radius_neighbors(q, radius=radius, sort_results=True)
        lengths = np.fromiter((len(a) for a in ind), dtype=np.int64, count=len(ind))
        query = np.repeat(np.arange(len(ind)), lengths)
        ind_flat = concat(list(ind), np.int64)
        cosine = np.clip(1.0 - concat(list(dist), np.float32), -1.0, 1.0)
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

    # ------------------------------------ whole graph, nearest cosine
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
            ``"exact"``, ``"brute"``, ``"faiss"``, ``"clustered"`` or ``"auto"``; ``None`` uses the
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
        resolved = self.resolved_method(method)
        if len(self._valid) < 2:
            return pairs_frame(*(np.array([], dt) for dt in (np.int64, np.int64, np.float32)))
        vi, vj, cos = run_pairs(resolved, self._xv, t, **self._engine_args(progress))
        return pairs_frame(self._valid[vi], self._valid[vj], cos)

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
        resolved = self.resolved_method(method)
        result = np.full(self.n_samples_fit_, np.nan, dtype=np.float32)
        m = len(self._valid)
        if m < 2:
            return result
        best = run_nearest(resolved, self._xv, **self._engine_args(progress))
        result[self._valid] = best
        return result

