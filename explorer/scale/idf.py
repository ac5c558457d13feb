"""The graph-wide TF-IDF of the ranking score, computed on Spark and shipped to each batch.

The local engine fits :class:`~explorer.analysis.lexical.LexicalScorer` on every text of
the graph, so a word's IDF counts the whole graph. On Spark the texts are split over
executors, so the document frequencies are counted there (:func:`document_words`, one
row per distinct word of each text, then a ``groupBy``), the IDF of each word is
computed on the driver exactly as scikit-learn does (:func:`idf_table`, float32,
smoothed), broadcast, and each batch of pairs builds its TF-IDF rows with it
(:func:`batch_scorer`). A batch's vocabulary is the batch's words in scikit-learn's
(alphabetical) order, the graph's restricted to them, so the sums run in the same
order and the lexical similarities equal the local ones.

The vectorizer is built with :data:`~explorer.analysis.lexical.TFIDF_ARGS`, the arguments
of ``LexicalScorer.fit``; the agreement test in ``tests/test_spark.py`` compares the
scores of both engines, so it fails if the two ever drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..analysis.lexical import TFIDF_ARGS, LexicalScorer

__all__ = ["WORDS_SCHEMA", "batch_scorer", "document_words", "idf_table"]

WORDS_SCHEMA = "word string"


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(**TFIDF_ARGS)


def document_words(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """One row per distinct word of each text (column ``text``), as the scorer splits it.

    Examples
    --------
    >>> batch = pd.DataFrame({"text": ["Sleep aids sleep", None]})
    >>> sorted(next(document_words(iter([batch])))["word"])
    ['aids', 'sleep']
    """
    analyze = _vectorizer().build_analyzer()
    for batch in batches:
        words = [w for text in batch["text"] if isinstance(text, str)
                 for w in set(analyze(text))]
        yield pd.DataFrame({"word": pd.Series(words, dtype=object)})


def idf_table(words: Sequence[str], document_frequency: np.ndarray,
              n_documents: int) -> dict[str, np.float32]:
    """Each word's IDF, as ``TfidfVectorizer(smooth_idf=True, dtype=float32)`` computes it.

    Examples
    --------
    >>> texts = ["sleep aids memory", "sleep aids memory", "gastric lavage"]
    >>> vec = _vectorizer().fit(texts)
    >>> words = vec.get_feature_names_out().tolist()
    >>> ours = idf_table(words, np.array([2, 1, 1, 2, 2]), 3)
    >>> bool((np.array([ours[w] for w in words]) == vec.idf_).all())
    True
    """
    df = np.asarray(document_frequency).astype(np.float32) + np.float32(1.0)
    idf = np.full_like(df, fill_value=n_documents + 1, dtype=np.float32)
    idf /= df
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    return dict(zip(words, idf.tolist(), strict=True))


def batch_scorer(texts: Sequence[str], idf: Mapping[str, float]) -> LexicalScorer:
    """A :class:`LexicalScorer` over ``texts`` with the graph's IDF instead of the batch's.

    Examples
    --------
    >>> texts = ["sleep aids memory", "sleep aids memory", "gastric lavage"]
    >>> idf = idf_table(["aids", "gastric", "lavage", "memory", "sleep"], [2, 1, 1, 2, 2], 3)
    >>> ours = batch_scorer(texts[:2], idf).score(np.array([0]), np.array([1]))
    >>> ours.tolist() == LexicalScorer.fit(texts).score(np.array([0]), np.array([1])).tolist()
    True
    """
    vectorizer = _vectorizer()
    try:
        vectorizer.fit(list(texts))
    except ValueError:  # no word in any text of the batch
        return LexicalScorer(sp.csr_matrix((len(texts), 1), dtype=np.float32))
    words = vectorizer.get_feature_names_out()
    vectorizer.idf_ = np.array([idf[w] for w in words], dtype=np.float32)
    return LexicalScorer(vectorizer.transform(list(texts)).tocsr())
