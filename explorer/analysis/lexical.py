"""Lexical similarity of pairs: TF-IDF cosine over the graph's own texts, and a blend.

The embedding cosine says two texts *mean* alike; the lexical score says they *use the
same words*, weighted by how rare each word is in this graph (a shared gene name counts
far more than a shared "cells"). :func:`combined_score` blends the two to rank pairs.

The texts are read through :func:`~explorer.analysis.pair_labels.normalize_text` (so
"[BRCA2]-deficient" and "BRCA2 deficient" have the same words), then split on spaces into
word unigrams and bigrams (:data:`NGRAM_RANGE`); a term seen in a single text is kept
(it scores 0 against every other text anyway). Term weights are sublinear tf
(1 + log tf) times smoothed idf, and every text's vector has unit length, so the score
of a pair is a cosine in [0, 1]: 1 for the same words in the same proportions, 0 for no
word in common or a blank text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from explorer.analysis.pair_labels import _normalize_many
from explorer.errors import ParameterError

__all__ = ["LEXICAL_WEIGHT", "NGRAM_RANGE", "LexicalScorer", "combined_score"]

LEXICAL_WEIGHT = 0.5  #: weight of the lexical score in :func:`combined_score`
NGRAM_RANGE = (1, 2)  #: word unigrams and bigrams


class LexicalScorer:
    """TF-IDF vectors of the graph's texts, fitted once; scores pairs by position.

    Attributes
    ----------
    matrix_
        Entities x terms, CSR, float32, each row of unit length (or all zero).

    Examples
    --------
    >>> scorer = LexicalScorer.fit([
    ...     "BRCA2 loss sensitises cells to PARP inhibitors",
    ...     "[BRCA2] loss sensitises cells to PARP inhibitors.",
    ...     "Coffee intake and sleep quality",
    ... ])
    >>> scorer.score(np.array([0, 0]), np.array([1, 2])).round(3).tolist()
    [1.0, 0.0]
    """

    def __init__(self, matrix: sp.csr_matrix) -> None:
        self.matrix_ = matrix

    @classmethod
    def fit(cls, texts: Sequence[str]) -> LexicalScorer:
        """Fit TF-IDF on ``texts`` (in entity-position order; None or NaN counts as blank).

        Examples
        --------
        >>> LexicalScorer.fit(["a claim", "", None]).matrix_.shape[0]
        3
        """
        clean = []
        for pos, text in enumerate(texts):
            if text is None or (isinstance(text, float) and text != text):
                text = ""
            if not isinstance(text, str):
                raise ParameterError(
                    f"texts must be strings (or None for no text); position {pos} holds a "
                    f"{type(text).__name__}: {text!r}. Pass the entities' title or summary text."
                )
            clean.append(text)
        vectorizer = TfidfVectorizer(
            lowercase=False, token_pattern=r"\S+", ngram_range=NGRAM_RANGE,
            sublinear_tf=True, dtype=np.float32,
        )
        try:
            matrix = vectorizer.fit_transform(_normalize_many(clean))
        except ValueError:  # no word in any text: every score is 0
            matrix = sp.csr_matrix((len(clean), 1), dtype=np.float32)
        return cls(sp.csr_matrix(matrix, dtype=np.float32))

    def __len__(self) -> int:
        return self.matrix_.shape[0]

    def score(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """TF-IDF cosine of each pair (positions ``i[k]``, ``j[k]``), float32 in [0, 1].

        Computed row by row on the sparse vectors (elementwise product, then sum); never
        an n x n matrix.

        Examples
        --------
        >>> scorer = LexicalScorer.fit(["tau spreads", "tau spreads fast", "sleep"])
        >>> bool(scorer.score([0], [1])[0] > scorer.score([0], [2])[0])
        True
        """
        i, j = np.asarray(i), np.asarray(j)
        if not (i.ndim == j.ndim == 1 and len(i) == len(j)):
            raise ParameterError(
                f"i and j must be 1-D arrays of the same length (one element per pair); got "
                f"shapes {i.shape} and {j.shape}. Pass the i and j columns of the pairs frame."
            )
        if not len(i):
            return np.zeros(0, dtype=np.float32)
        for name, x in (("i", i), ("j", j)):
            if not np.issubdtype(x.dtype, np.integer) or x.min() < 0 or x.max() >= len(self):
                raise ParameterError(
                    f"{name} must be integer entity positions in [0, {len(self)}); got dtype "
                    f"{x.dtype} with values {x.min()} to {x.max()}. Fit the scorer on all the "
                    "entities' texts and pass positions, not ids."
                )
        products = self.matrix_[i].multiply(self.matrix_[j]).tocsr()
        total = np.concatenate([[0.0], np.cumsum(products.data, dtype=np.float64)])
        out = total[products.indptr[1:]] - total[products.indptr[:-1]]
        return np.clip(out, 0.0, 1.0).astype(np.float32)


def combined_score(
    cosine: np.ndarray, lexical: np.ndarray, *, weight: float = LEXICAL_WEIGHT
) -> np.ndarray:
    """Blend of embedding cosine and lexical score: ``(1 - weight) * cosine + weight * lexical``.

    Higher ranks first. ``weight`` 0 is the cosine alone, 1 the lexical score alone; for
    weights in (0, 1) the score rises with either argument when the other is fixed. NaN
    in either argument gives NaN (pass 0 for an unknown lexical score).

    Parameters
    ----------
    cosine
        Embedding cosine of each pair, in [-1, 1].
    lexical
        Lexical score of each pair (:meth:`LexicalScorer.score`), same shape.
    weight
        In [0, 1]; default :data:`LEXICAL_WEIGHT`.

    Examples
    --------
    >>> combined_score(np.array([0.9, 0.8]), np.array([0.1, 0.6])).round(2).tolist()
    [0.5, 0.7]
    """
    if not (isinstance(weight, (int, float)) and 0.0 <= weight <= 1.0):
        raise ParameterError(
            f"weight must be a number in [0, 1] (0: cosine only, 1: lexical only); got "
            f"{weight!r}. The default is LEXICAL_WEIGHT = {LEXICAL_WEIGHT}."
        )
    cos = np.asarray(cosine, dtype=np.float32)
    lex = np.asarray(lexical, dtype=np.float32)
    if cos.shape != lex.shape:
        raise ParameterError(
            f"cosine and lexical must have the same shape (one value per pair); got "
            f"{cos.shape} and {lex.shape}. Score the same pairs with LexicalScorer.score."
        )
    return ((1.0 - weight) * cos + weight * lex).astype(np.float32)
