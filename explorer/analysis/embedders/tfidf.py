"""Hashed term counts projected to a dense vector: a stateless lexical embedder."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..vectors import l2_normalize

__all__ = ["TfidfEmbedder"]


class TfidfEmbedder:
    """Hashed term-frequency vectors folded into a small dense space.

    Stateless, so each text's vector depends on that text alone and can be
    cached: there is no corpus-wide IDF (English stop words are dropped
    instead). Steps: scikit-learn ``HashingVectorizer`` (word unigrams and
    bigrams, ``2**hash_bits`` features, sublinear term frequency) then a fixed
    sparse random projection to ``dim`` dimensions, then L2 normalisation.

    The projection is not scikit-learn's ``SparseRandomProjection``: its random
    matrix may change between scikit-learn versions, which would silently mix
    incompatible vectors in a cache. Here each hashed feature is sent to
    ``nnz`` output dimensions with signs, chosen by MurmurHash3 of the feature
    index: the same matrix on every machine and version, with an expected
    cosine of zero between texts that share no terms.

    Parameters
    ----------
    dim
        Output dimension.
    hash_bits
        The hashing space has ``2**hash_bits`` features.
    nnz
        Output dimensions each feature contributes to.
    seed
        Seed of the projection's hashes.
    """

    default_min_cosine: float = 0.40
    #: Measured on 2 cores (docs/similarity.md); decides whether a progress bar shows.
    texts_per_second: float = 20000

    def __init__(self, *, dim: int = 512, hash_bits: int = 18, nnz: int = 4, seed: int = 0) -> None:
        self.dim = dim
        self.hash_bits = hash_bits
        self.nnz = nnz
        self.seed = seed
        self._vectorizer: Any = None
        self._projection: Any = None

    @property
    def name(self) -> str:
        """Cache key naming every parameter, e.g. ``tfidf-h18-ng12-en-log-p512x4-s0``."""
        return f"tfidf-h{self.hash_bits}-ng12-en-log-p{self.dim}x{self.nnz}-s{self.seed}"

    def __repr__(self) -> str:
        return (
            f"TfidfEmbedder(dim={self.dim}, hash_bits={self.hash_bits}, "
            f"nnz={self.nnz}, seed={self.seed})"
        )

    def _build(self) -> None:
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.utils import murmurhash3_32

        n_features = 2**self.hash_bits
        self._vectorizer = HashingVectorizer(
            n_features=n_features,
            alternate_sign=False,
            ngram_range=(1, 2),
            stop_words="english",
            norm=None,
            dtype=np.float32,
        )
        features = np.arange(n_features, dtype=np.int32)
        rows = np.repeat(features, self.nnz)
        cols = np.empty((n_features, self.nnz), dtype=np.int64)
        signs = np.empty((n_features, self.nnz), dtype=np.float32)
        for j in range(self.nnz):
            h = murmurhash3_32(features, seed=self.seed * 1000 + j, positive=True)
            h = np.asarray(h, dtype=np.uint64)
            cols[:, j] = h % self.dim
            signs[:, j] = np.where((h // self.dim) % 2 == 0, 1.0, -1.0)
        self._projection = sp.csr_matrix(
            (signs.ravel(), (rows, cols.ravel())), shape=(n_features, self.dim)
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``; returns unit rows, shape ``(len(texts), dim)``, float32."""
        if self._vectorizer is None:
            self._build()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        counts = self._vectorizer.transform(list(texts))
        counts.data = np.log1p(counts.data)  # sublinear term frequency
        dense = np.asarray((counts @ self._projection).todense(), dtype=np.float32)
        return l2_normalize(dense)
