"""The word index behind :class:`~.search.TitleIndex`: each title's words, built in chunks.

Titles are lower-cased and split on non-word characters (pyarrow, vectorised) a chunk at a
time, so a thread building it lets go of the interpreter between chunks and a notebook
stays responsive meanwhile. The vocabulary keeps the order in which words first appear;
``postings[indptr[c]:indptr[c + 1]]`` are the titles holding word ``c``, in title order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = ["CHUNK", "WordIndex", "build_word_index"]

#: Titles lower-cased and split per step of the build.
CHUNK = 65_536


@dataclass(frozen=True)
class WordIndex:
    """A vocabulary and, for each word, the positions of the titles that hold it."""

    vocabulary: list[str]
    postings: np.ndarray  # (n_word_occurrences,) title positions, grouped by word
    indptr: np.ndarray  # (len(vocabulary) + 1,) where each word's postings start

    def rows(self, code: int) -> np.ndarray:
        """Positions of the titles holding word ``code`` (ascending)."""
        return self.postings[self.indptr[code] : self.indptr[code + 1]]


def build_word_index(titles: object, *, pause: float = 0.0) -> WordIndex:
    """Build the word index of an Arrow string array (chunked or not) of titles.

    ``pause`` seconds are slept between chunks (a background build gives way with it).

    Examples
    --------
    >>> import pyarrow as pa
    >>> index = build_word_index(pa.array(["Deep nets", "deep, shallow"]))
    >>> index.vocabulary, index.rows(0).tolist()
    (['deep', 'nets', 'shallow'], [0, 1])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(titles)
    codes_of: dict[str, int] = {}
    code_parts: list[np.ndarray] = []
    parent_parts: list[np.ndarray] = []
    position_type = np.int32 if n < 2**31 else np.int64
    for start in range(0, n, CHUNK):
        words = pc.split_pattern_regex(pc.utf8_lower(titles.slice(start, CHUNK)), r"[^\w]+")
        if isinstance(words, pa.ChunkedArray):
            words = words.combine_chunks()
        encoded = pc.dictionary_encode(pc.list_flatten(words))
        parents = np.asarray(pc.list_parent_indices(words)).astype(position_type) + start
        local = encoded.dictionary.to_pylist()
        # "" (between leading or trailing punctuation) is no word: -1, dropped below.
        to_global = np.array([codes_of.setdefault(w, len(codes_of)) if w else -1
                              for w in local], dtype=np.int64)
        codes = to_global[np.asarray(encoded.indices)] if len(local) else np.zeros(0, np.int64)
        kept = codes >= 0
        code_parts.append(codes[kept].astype(np.int32))
        parent_parts.append(parents[kept])
        if pause:
            time.sleep(pause)
    codes = np.concatenate(code_parts) if code_parts else np.zeros(0, np.int32)
    parents = np.concatenate(parent_parts) if parent_parts else np.zeros(0, position_type)
    n_words = len(codes_of)
    # A stable sort keeps title order within a word; 16-bit keys sort by radix (fast).
    keys = codes.astype(np.uint16) if n_words <= 2**16 else codes
    order = np.argsort(keys, kind="stable")
    indptr = np.zeros(n_words + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=n_words), out=indptr[1:])
    return WordIndex(vocabulary=list(codes_of), postings=parents[order], indptr=indptr)
