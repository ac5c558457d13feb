"""Lexical similarity over the graph's own texts: TF-IDF cosine (scikit-learn), and the blend.

A pair that an embedding finds close and that also shares the graph's rare words is more
likely related than either signal alone says; ``combined_score`` is the ranking score of
:func:`explorer.analysis.candidates.candidates` (measured in ``docs/similarity.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["LEXICAL_WEIGHT", "LexicalScorer", "combined_score"]

#: Weight of the TF-IDF cosine in the ranking score (the rest is the embedding cosine).
LEXICAL_WEIGHT = 0.5


class LexicalScorer:
    """TF-IDF cosine between texts of the graph (word unigrams, sublinear tf, l2 rows).

    Examples
    --------
    >>> s = LexicalScorer.fit(["sleep aids memory", "sleep aids memory", "gastric lavage"])
    >>> s.score(np.array([0, 0]), np.array([1, 2])).round(3).tolist()
    [1.0, 0.0]
    """

    def __init__(self, matrix: sp.csr_matrix) -> None:
        self.matrix = matrix

    @classmethod
    def fit(cls, texts: Sequence[str]) -> LexicalScorer:
        """Fit the vocabulary and IDF on ``texts`` (entity-position order)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        values = [t if isinstance(t, str) else "" for t in texts]
        vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32,
                                     token_pattern=r"(?u)\b\w+\b")
        try:
            matrix = vectorizer.fit_transform(values).tocsr()
        except ValueError:  # no word at all in any text
            matrix = sp.csr_matrix((len(values), 1), dtype=np.float32)
        return cls(matrix)

    def score(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """TF-IDF cosine of each pair ``(i[k], j[k])``, float32 in [0, 1]."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        if len(i) == 0:
            return np.zeros(0, dtype=np.float32)
        out = np.empty(len(i), dtype=np.float32)
        step = 200_000
        for start in range(0, len(i), step):
            a = self.matrix[i[start : start + step]]
            b = self.matrix[j[start : start + step]]
            out[start : start + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        return np.clip(out, 0.0, 1.0)


def combined_score(
    cosine: np.ndarray, lexical: np.ndarray, *, weight: float = LEXICAL_WEIGHT
) -> np.ndarray:
    """``(1 - weight) * cosine + weight * lexical``: the ranking score of a pair.

    Examples
    --------
    >>> [round(float(x), 2) for x in combined_score(np.array([0.8]), np.array([0.4]))]
    [0.6]
    """
    return ((1.0 - weight) * np.asarray(cosine, dtype=np.float32)
            + weight * np.asarray(lexical, dtype=np.float32)).astype(np.float32)
