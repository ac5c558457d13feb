r"""Texts as words: normalisation, TF-IDF cosine over the graph's own texts, and a blend.

:func:`normalize_text` is how :mod:`explorer.analysis.pair_labels` compares two texts.

The embedding cosine says two texts *mean* alike; the lexical score says they *use the
same words*, weighted by how rare each word is in this graph (a shared gene name counts
far more than a shared "cells"). :func:`combined_score` blends the two to rank pairs.

For the TF-IDF, words are runs of letters and digits (``(?u)\b\w+\b``, lowercased,
so one-letter words such as the D of "vitamin D" count); a word seen in a single text is
kept (it scores 0 against every other text anyway). Weights are sublinear tf
(1 + log tf) times smoothed idf, and every text's vector has unit length, so a pair's
score is a cosine in [0, 1]: 1 for the same words in the same proportions, 0 for no word
in common or a blank text.
:data:`TFIDF_ARGS` are the vectorizer's arguments; the Spark engine
(:mod:`explorer.scale.idf`) must build its scorers with the same ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from explorer.errors import ParameterError

__all__ = [
    "LEXICAL_WEIGHT", "TFIDF_ARGS", "LexicalScorer", "as_texts", "combined_score",
    "normalize_text", "normalize_texts",
]

_SCORE_CHUNK = 250_000  # the two row sets of a chunk: 0.15 GB at 1M entities (33 words each)
LEXICAL_WEIGHT = 0.5  #: weight of the lexical score in :func:`combined_score`
#: The TfidfVectorizer arguments of :meth:`LexicalScorer.fit` (word unigrams).
TFIDF_ARGS: dict[str, Any] = {
    "sublinear_tf": True, "dtype": np.float32, "token_pattern": r"(?u)\b\w+\b",
}


_QUOTES = "'\"`´‘’‚‛“”„‟′″‹›«»ʼ"
_QUOTE_RE = re.compile(f"[{_QUOTES}]")
_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}(?!\d))")
_PUNCT = re.compile(r"[^\w\s.<>=+%±≤≥]")
_STRAY_DOT = re.compile(r"\.(?:(?!\d)|(?<!\d\.))")  # a dot not between two digits
_KEEP = set(range(48, 58)) | set(range(97, 123)) | {ord(c) for c in " \n.<>=+%"}
_ASCII_PUNCT = bytes(c if c in _KEEP or c > 127 else 32 for c in range(256))


def normalize_text(text: str) -> str:
    """The text as the rules of :mod:`~explorer.analysis.pair_labels` compare it.

    Unicode NFKC (full-width letters, ligatures), casefold; quotes and apostrophes
    dropped (``don't`` -> ``dont``); brackets and other punctuation turned into spaces,
    keeping the words inside; a decimal point between digits and the signs ``< > = + %
    ± ≤ ≥`` kept; ``1,000`` -> ``1000``; runs of spaces collapsed.

    Examples
    --------
    >>> normalize_text("“[Brackets] around ﬁve  Ｗｏｒｄｓ” don't, p < 0.05.")
    'brackets around five words dont p < 0.05'
    """
    return normalize_texts([text])[0]


def normalize_texts(texts: Sequence[str]) -> list[str]:
    """:func:`normalize_text` of each text, in a few C-level passes over them all at once.

    Examples
    --------
    >>> normalize_texts(["BRCA2-deficient cells", "Ｐ53 (tumour) suppressor"])
    ['brca2 deficient cells', 'p53 tumour suppressor']
    """
    texts = [t.replace("\n", " ") for t in texts]
    out = [""] * len(texts)
    for ascii_ in (True, False):
        where = [k for k, t in enumerate(texts) if t.isascii() is ascii_]
        if not where:
            continue
        if ascii_:
            joined = "\n".join(texts[k] for k in where).lower()
        else:
            nfkc = (unicodedata.normalize("NFKC", texts[k]) for k in where)
            joined = unicodedata.normalize("NFKC", "\n".join(nfkc).casefold())
        if joined.isascii():
            joined = joined.encode().translate(None, _QUOTES[:3].encode()).decode()
            joined = _THOUSANDS.sub("", joined).encode().translate(_ASCII_PUNCT).decode()
        else:
            joined = _THOUSANDS.sub("", _QUOTE_RE.sub("", joined)).replace("_", " ")
            joined = _PUNCT.sub(" ", joined)
        for k, line in zip(where, _STRAY_DOT.sub(" ", joined).split("\n"), strict=True):
            out[k] = " ".join(line.split())
    return out


def as_texts(texts: Sequence[object]) -> list[str]:
    """The texts as a list of strings, missing values (None, NaN, NA) as "".

    Examples
    --------
    >>> as_texts(["a claim", None, float("nan")])
    ['a claim', '', '']
    """
    out = []
    for pos, text in enumerate(texts):
        if not isinstance(text, str):
            try:
                missing = text is None or bool(pd.isna(text))
            except (TypeError, ValueError):
                missing = False
            if not missing:
                raise ParameterError(
                    f"texts must be strings (or None for no text); position {pos} holds a "
                    f"{type(text).__name__}: {text!r}. Pass the entities' title or summary text."
                )
            text = ""
        out.append(text)
    return out


class LexicalScorer:
    """TF-IDF vectors of the graph's texts, fitted once; scores pairs by position.

    Attributes
    ----------
    matrix
        Entities x terms, CSR, float32, each row of unit length (or all zero).

    Examples
    --------
    >>> scorer = LexicalScorer.fit([
    ...     "BRCA2 loss sensitises cells to PARP inhibitors",
    ...     "(BRCA2) Loss sensitises cells to PARP inhibitors.",
    ...     "Coffee intake and sleep quality",
    ... ])
    >>> scorer.score(np.array([0, 0]), np.array([1, 2])).round(3).tolist()
    [1.0, 0.0]
    """

    def __init__(self, matrix: sp.csr_matrix) -> None:
        self.matrix = matrix

    @classmethod
    def fit(cls, texts: Sequence[str]) -> LexicalScorer:
        """Fit TF-IDF on ``texts`` (in entity-position order; None or NaN counts as blank).

        Examples
        --------
        >>> LexicalScorer.fit(["a claim", "", None]).matrix.shape[0]
        3
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        clean = as_texts(texts)
        try:
            matrix = TfidfVectorizer(**TFIDF_ARGS).fit_transform(clean)
        except ValueError:  # no word in any text: every score is 0
            matrix = sp.csr_matrix((len(clean), 1), dtype=np.float32)
        return cls(sp.csr_matrix(matrix, dtype=np.float32))

    def __len__(self) -> int:
        return self.matrix.shape[0]

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
        out = np.empty(len(i), dtype=np.float32)
        step = _SCORE_CHUNK  # pairs at a time: bounded memory at millions of pairs
        for s in range(0, len(i), step):
            products = self.matrix[i[s:s + step]].multiply(self.matrix[j[s:s + step]]).tocsr()
            total = np.concatenate([[0.0], np.cumsum(products.data, dtype=np.float64)])
            sums = total[products.indptr[1:]] - total[products.indptr[:-1]]
            out[s:s + step] = np.clip(sums, 0.0, 1.0)
        return out


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
    >>> [round(float(x), 2) for x in combined_score(np.array([0.9, 0.8]), np.array([0.1, 0.6]))]
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
