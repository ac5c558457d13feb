"""Label and explain candidate pairs: two entities near in meaning with no typed edge.

:class:`PairTexts` reads the two texts of each pair and applies these rules in order;
the first that applies gives the label and the reason:

1. **Nothing to compare** -> ``candidate edge``. Either text blank (empty or spaces):
   "no text to compare". Either text without one informative word (a lone stop word,
   punctuation only): "too little text to compare".
2. **Duplicate**: equal after :func:`normalize_text` (NFKC, casefold, brackets, quotes
   and punctuation removed, spaces collapsed), whatever the cosine.
3. **Numbers differ** -> ``candidate edge``, e.g. "numbers differ: 2010 | 2017". The
   numbers are every run of digits (years, doses, the 2 of BRCA2) compared as multisets;
   texts about different numbers are never duplicates.
4. **Possible contradiction**: worded nearly alike -- lexical ratio >=
   :data:`CONTRADICTION_RATIO`, or at most :data:`MAX_OTHER_DIFFERING` differing word
   besides the ones below and inflections (same first 4 letters) -- and the differing
   words hold a negation (:data:`NEGATIONS`) on one side only, or two opposite words, one
   on each side (:data:`OPPOSITES`, e.g. decreases | increases, plus a word and its
   un-/non-/in-/im-/anti- form, pro-/anti-, hyper-/hypo-, over-/under-, up-/down-).
5. **Possible duplicate**: lexical ratio >= :data:`DUPLICATE_RATIO` and cosine >=
   :data:`DUPLICATE_COSINE`.
6. Otherwise **candidate edge**.

*Words* are the normalised text split on spaces; *informative* words are those not in
:data:`STOP_WORDS` (negations and direction words are never stop words). ``shared`` and
``differs`` list informative words, rarest first among the texts read so far (ties in
order of first appearance). The *lexical ratio* is rapidfuzz ``fuzz.ratio`` / 100 of the
normalised texts cut to their first :data:`MAX_RATIO_CHARS` characters (word order counts,
so "A causes B" is not "B causes A"). It is computed only where it can matter: cosine >=
:data:`RATIO_MIN_COSINE`, Jaccard of the informative words >= :data:`RATIO_MIN_JACCARD`,
or an opposite difference; elsewhere it is NaN (1.0 for duplicates). A NaN cosine never
reaches :data:`DUPLICATE_COSINE`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from explorer.analysis.lexical import as_texts, normalize_text, normalize_texts
from explorer.arrow_pool import release_unused
from explorer.choices import check_int
from explorer.errors import ParameterError

from .pair_numbers import numbers_reasons as _numbers_reasons
from .pair_rows import join_rows as _join
from .pair_rows import row_flags as _flags
from .pair_rows import split_both as _split_both
from .pair_words import NEGATIONS, STOP_WORDS, counterparts, opposition
from .string_codes import StringCodes

__all__ = [
    "CANDIDATE_EDGE", "DUPLICATE", "LABELS", "POSSIBLE_CONTRADICTION", "POSSIBLE_DUPLICATE",
    "SUGGESTED_RELATION", "PairTexts", "normalize_text",
]

DUPLICATE = "duplicate"
POSSIBLE_DUPLICATE = "possible duplicate"
POSSIBLE_CONTRADICTION = "possible contradiction"
CANDIDATE_EDGE = "candidate edge"
LABELS = (DUPLICATE, POSSIBLE_CONTRADICTION, POSSIBLE_DUPLICATE, CANDIDATE_EDGE)
SUGGESTED_RELATION = {
    POSSIBLE_CONTRADICTION: "contradicts", DUPLICATE: "same_as",
    POSSIBLE_DUPLICATE: "same_as", CANDIDATE_EDGE: "associated_with",
}
COLUMNS = ["label", "reason", "shared", "differs", "lexical_ratio", "numbers_differ", "opposite"]

DUPLICATE_RATIO = 0.90  #: rule 5, lexical ratio
DUPLICATE_COSINE = 0.90  #: rule 5, cosine
CONTRADICTION_RATIO = 0.80  #: rule 4, lexical ratio that counts as "worded nearly alike"
MAX_OTHER_DIFFERING = 1  #: rule 4, other differing words that still count as nearly alike
RATIO_MIN_COSINE = 0.80  #: the lexical ratio is computed from this cosine up ...
RATIO_MIN_JACCARD = 0.5  #: ... or from this share of informative words in common
MAX_RATIO_CHARS = 2000  #: the lexical ratio compares this many characters of each text
MAX_SHARED = 8  #: words shown in ``shared``
MAX_DIFFERS = 6  #: words shown on each side of ``differs``
_FEW = 12  # rule 4 counts the other differing words only up to this many in all
_CHUNK = 500_000  # pairs explained at a time (by all the workers together)
#: Pairs from which :meth:`PairTexts.explain` splits the work between its ``workers``.
PARALLEL_FROM = 20_000


_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_OK, _LITTLE, _BLANK = 0, 1, 2  # a pair takes the worse of its two


class PairTexts:
    """Each entity's text, read once (lazily, on first use in a pair), to label pairs.

    Examples
    --------
    >>> texts = PairTexts.from_texts([
    ...     "Pyridostatin decreases telomere fragility in BRCA2-deficient cells.",
    ...     "Pyridostatin increases telomere fragility in BRCA2-deficient cells.",
    ...     "[Pyridostatin] decreases telomere fragility in BRCA2 deficient cells",
    ... ])
    >>> out = texts.explain(np.array([0, 0]), np.array([1, 2]), np.array([0.97, 0.8]))
    >>> out[["label", "reason", "differs"]].values.tolist()
    [['possible contradiction', 'differs by direction: decreases | increases', \
'decreases | increases'], ['duplicate', 'same text after normalisation', '']]
    """

    def __init__(self, texts: list[str]) -> None:
        n = len(texts)
        self._texts: list[str] | None = texts  # let go once every text is read
        self._done = np.zeros(n, dtype=bool)
        self._status = np.zeros(n, dtype=np.int8)
        self._norm = StringCodes(n)  # normalised texts: equal codes, equal texts
        self._numbers = StringCodes(n)  # each text's numbers, sorted, space-separated
        self._entries: list[tuple[np.ndarray, np.ndarray]] = []  # (positions, word ids), int32
        self._vocab: dict[str, int] = {}
        self._words: list[str] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._marks = np.zeros((2, 0), dtype=bool)  # per word: negation, has an opposite
        self._matrix: tuple[sp.csr_matrix, pa.Array, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> PairTexts:
        """Wrap the texts, in entity-position order; missing values (None, NaN) are blank.

        Examples
        --------
        >>> len(PairTexts.from_texts(["a claim", None]))
        2
        """
        return cls(as_texts(texts))

    def __len__(self) -> int:
        return len(self._done)

    @property
    def all_read(self) -> bool:
        """Whether every text has been read (as whole-graph candidates need)."""
        return bool(self._done.all())

    def read_all(self) -> PairTexts:
        """Read every text not read yet (what whole-graph candidates need); returns self."""
        if not self.all_read:
            self._read(np.flatnonzero(~self._done))
        return self

    def state(self) -> dict[str, object]:
        """Everything read from the texts, as arrays (:mod:`~explorer.analysis.text_cache`)."""
        self.read_all()
        none = [(np.zeros(0, np.int32),) * 2]
        return {
            "status": self._status, "norm": self._norm.to_list(),
            "numbers": self._numbers.to_list(), "words": list(self._words), "df": self._df,
            "marks": self._marks, "rows": np.concatenate([e[0] for e in self._entries or none]),
            "word_ids": np.concatenate([e[1] for e in self._entries or none]),
        }

    @classmethod
    def from_state(cls, n: int, state: dict) -> PairTexts:
        """The :class:`PairTexts` of ``n`` texts that :meth:`state` described, every one read.

        ``state["norm"]`` and ``state["numbers"]``: one string per text, as a list or an
        Arrow array (:func:`~explorer.analysis.string_codes.packed_strings`).
        """
        out = cls([])
        out._done, out._texts = np.ones(n, dtype=bool), None  # every text read
        out._status = np.asarray(state["status"], np.int8)
        everyone = np.arange(n)
        out._norm, out._numbers = StringCodes(n), StringCodes(n)
        out._norm.set(everyone, state["norm"])
        out._numbers.set(everyone, state["numbers"])
        out._words = list(state["words"])
        out._vocab = {w: k for k, w in enumerate(out._words)}
        out._df, out._marks = np.asarray(state["df"], np.int64), np.asarray(state["marks"], bool)
        out._entries = [(np.asarray(state["rows"], np.int32),
                         np.asarray(state["word_ids"], np.int32))]
        return out

    def _read(self, positions: np.ndarray) -> None:
        """Normalise, tokenise and count the texts at ``positions`` (all at once)."""
        assert self._texts is not None  # only let go once every text is read
        texts = [self._texts[p] for p in positions.tolist()]
        norms = normalize_texts(texts)
        lengths = [n.count(" ") + 1 if n else 0 for n in norms]
        codes, uniques = pd.factorize(np.array(" ".join(norms).split(), dtype=object))
        vocab, words, first_new = self._vocab, self._words, len(self._words)
        ids = np.array([-1 if u in STOP_WORDS else vocab.setdefault(u, len(vocab))
                        for u in uniques.tolist()], dtype=np.int64)
        words.extend(list(vocab)[first_new:])
        text_of = np.repeat(np.arange(len(texts)), lengths)
        keep = ids[codes] >= 0 if len(codes) else np.zeros(0, dtype=bool)
        key = np.sort(text_of[keep] * len(words) + ids[codes[keep]])  # sort: faster than unique
        key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
        text_k, ids_k = np.divmod(key, max(len(words), 1))
        self._entries.append((positions[text_k].astype(np.int32), ids_k.astype(np.int32)))
        self._df = np.concatenate([self._df, np.zeros(len(words) - first_new, np.int64)])
        self._df += np.bincount(ids_k, minlength=len(words))
        numbers: list[list[str]] = [[] for _ in texts]
        digits = [_NUMBER.findall(u) for u in uniques.tolist()]
        has = np.array([bool(d) for d in digits] or [False])[codes]
        for t, c in zip(text_of[has].tolist(), codes[has].tolist(), strict=True):
            numbers[t].extend(digits[c])
        blank = np.array([not t.strip() for t in texts], dtype=bool)
        little = np.bincount(text_k, minlength=len(texts)) == 0
        self._status[positions] = np.where(blank, _BLANK, np.where(little, _LITTLE, _OK))
        self._norm.set(positions, norms)
        self._numbers.set(positions, [" ".join(sorted(n)) for n in numbers])
        marks = np.zeros((2, len(words)), dtype=bool)
        marks[:, :first_new] = self._marks
        for k in range(first_new, len(words)):
            marks[0, k] = words[k] in NEGATIONS
            for other in counterparts(words[k]):
                if other in vocab:
                    marks[1, k] = marks[1, vocab[other]] = True
        self._marks = marks
        self._done[positions] = True
        if self._done.all():
            self._texts = None  # everything needed is read: the texts themselves are not
        self._matrix = None

    def _csr(self) -> tuple[sp.csr_matrix, pa.Array, np.ndarray, np.ndarray]:
        """Entities x words (columns rarest first), the words as Arrow strings, words, marks."""
        if self._matrix is None:
            order = np.argsort(self._df, kind="stable")
            rank = np.empty(len(order), dtype=np.int32)
            rank[order] = np.arange(len(order), dtype=np.int32)
            none = [(np.zeros(0, np.int32),) * 2]
            rows = np.concatenate([e[0] for e in self._entries or none])
            cols = rank[np.concatenate([e[1] for e in self._entries or none])]
            m = sp.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)),
                              shape=(len(self), len(order)))
            m.sort_indices()
            words = np.array(self._words, dtype=object)[order]
            self._matrix = (m, pa.array(words.tolist(), type=pa.string()),
                            words, self._marks[:, order])
        return self._matrix

    def explain(
        self, i: np.ndarray, j: np.ndarray, cosine: np.ndarray, *, workers: int = 1
    ) -> pd.DataFrame:
        """Label and explain each pair (entity positions ``i[k]``, ``j[k]``).

        Parameters
        ----------
        i, j
            Entity positions (integers in ``[0, len(self))``), one pair per element.
        cosine
            The pairs' embedding cosine, same length (NaN allowed: never a duplicate).
        workers
            Threads that explain parts of a long list at once (from
            :data:`PARALLEL_FROM` pairs). Most of the work is in numpy, scipy, Arrow and
            rapidfuzz, which let go of the GIL: at 100k entities two threads take 0.6
            of one's time (``docs/performance.md``). The result is the same.

        Returns
        -------
        pandas.DataFrame
            One row per pair, in order, with columns ``label`` (categorical over
            :data:`LABELS`), ``reason``, ``shared``, ``differs`` (``"a-only | b-only"``,
            ``""`` when nothing differs), ``lexical_ratio``, ``numbers_differ``, ``opposite``.

        Examples
        --------
        >>> texts = PairTexts.from_texts(["2010 general election", "2017 general election"])
        >>> texts.explain([0], [1], [0.97]).iloc[0][["label", "reason", "shared"]].tolist()
        ['candidate edge', 'numbers differ: 2010 | 2017', 'general, election']
        """
        i, j, cos = self._check(i, j, cosine)
        workers = check_int(workers, "workers", 1) if len(i) >= PARALLEL_FROM else 1
        if workers > 1 or len(i) > _CHUNK:
            # Bounded memory (the sparse row products grow with the pairs): parts of at
            # most _CHUNK pairs in all at a time. Every text the parts need is read first,
            # so that the parts only read this object, and word order (rarest first among
            # the texts read) is what one call over all the pairs gives.
            self._need(i, j)
            self._csr()
            size = min(_CHUNK // workers, -(-len(i) // (4 * workers)))
            parts = [slice(s, s + size) for s in range(0, len(i), size)]
            with ThreadPoolExecutor(workers) as pool:
                done = list(pool.map(lambda part: self._explained_part(i[part], j[part],
                                                                       cos[part]), parts))
            return pd.concat(done, ignore_index=True)
        return self._explain(i, j, cos)

    def _explained_part(self, i: np.ndarray, j: np.ndarray, cos: np.ndarray) -> pd.DataFrame:
        """:meth:`_explain` of one part, then what it freed given back to the system.

        Else Arrow's pool and glibc's heap keep it: 3.1M pairs kept 0.5 GB past the list.
        """
        explained = self._explain(i, j, cos)
        release_unused(heap=True)
        return explained

    def _need(self, i: np.ndarray, j: np.ndarray) -> None:
        """Read the texts of these pairs' entities that are not read yet."""
        need = np.zeros(len(self), dtype=bool)
        need[i] = need[j] = True
        if (need & ~self._done).any():
            self._read(np.flatnonzero(need & ~self._done))

    def _explain(self, i: np.ndarray, j: np.ndarray, cos: np.ndarray) -> pd.DataFrame:
        """:meth:`explain` of checked arrays, in one piece."""
        self._need(i, j)
        m, arrow_words, words, marks = self._csr()
        code = marks[0].astype(np.uint8) | (marks[1].astype(np.uint8) << 1)
        a, b = m[i], m[j]
        both, a_only, b_only = _split_both(a, b)
        n_both, n_a, n_b = (np.diff(x[0]) for x in (both, a_only, b_only))
        neg_a, opp_a = _flags(a_only, code)
        neg_b, opp_b = _flags(b_only, code)
        maybe = (neg_a != neg_b) | (opp_a & opp_b)

        status = np.maximum(self._status[i], self._status[j])
        ok = status == _OK
        dup = ok & self._norm.equal(i, j)
        numbers_differ = ~self._numbers.equal(i, j)
        jaccard = n_both / np.maximum(n_both + n_a + n_b, 1)
        ratio = np.where(dup, 1.0, np.nan)
        todo = np.flatnonzero(
            ok & ~dup & ((cos >= RATIO_MIN_COSINE) | (jaccard >= RATIO_MIN_JACCARD) | maybe)
        )
        if len(todo):
            ratio[todo] = process.cpdist(
                self._cut(i[todo]), self._cut(j[todo]), scorer=fuzz.ratio,
                workers=-1 if len(todo) > 20_000 else 1,
            ) / 100.0

        label = np.full(len(i), LABELS.index(CANDIDATE_EDGE), dtype=np.int8)
        reason = np.full(len(i), "related in meaning, worded differently", dtype=object)
        reason[ok & (ratio >= DUPLICATE_RATIO)] = (
            f"near-identical wording but cosine below {DUPLICATE_COSINE:.2f}"
        )
        opposite = np.zeros(len(i), dtype=bool)
        marker = code > 0
        # Rule 4 can change the label only of a comparable pair worded nearly alike (ratio,
        # or few other differing words); elsewhere ``opposite`` is left False.
        few = (n_both > 0) & (n_a + n_b <= _FEW)
        for k in np.flatnonzero(maybe & ok & ~dup & ~numbers_differ
                                & ((ratio >= CONTRADICTION_RATIO) | few)).tolist():
            ca = a_only[1][a_only[0][k]:a_only[0][k + 1]]
            cb = b_only[1][b_only[0][k]:b_only[0][k + 1]]
            found = opposition(
                words[ca[marker[ca]]].tolist(), words[cb[marker[cb]]].tolist(),
                (words[ca].tolist(), words[cb].tolist()) if few[k] else None,
                bool(ratio[k] >= CONTRADICTION_RATIO), MAX_OTHER_DIFFERING,
            )
            if found is not None:
                opposite[k] = True
                if found[1]:
                    label[k], reason[k] = LABELS.index(POSSIBLE_CONTRADICTION), found[0]
        near = ok & ~dup & ~numbers_differ & ~opposite
        near &= (ratio >= DUPLICATE_RATIO) & (cos >= DUPLICATE_COSINE)
        label[near] = LABELS.index(POSSIBLE_DUPLICATE)
        reason[near] = [f"near-identical wording (ratio {r:.2f})" for r in ratio[near]]
        rows = ok & ~dup & numbers_differ
        reason[rows] = _numbers_reasons(self._numbers.arrow(i[rows]),
                                        self._numbers.arrow(j[rows]))
        label[dup], reason[dup] = LABELS.index(DUPLICATE), "same text after normalisation"
        reason[status == _LITTLE] = "too little text to compare"
        reason[status == _BLANK] = "no text to compare"

        differs = pc.binary_join_element_wise(
            _join(a_only, arrow_words, MAX_DIFFERS), _join(b_only, arrow_words, MAX_DIFFERS),
            " | ")
        differs = pc.if_else(pa.array((n_a == 0) & (n_b == 0)), "", differs)
        label = pd.Categorical.from_codes(label, categories=list(LABELS))
        values = (label, pd.Series(reason, dtype=object),  # strings, most of them shared
                  _join(both, arrow_words, MAX_SHARED).to_pandas(),
                  differs.to_pandas(), ratio, numbers_differ, opposite)
        return pd.DataFrame(dict(zip(COLUMNS, values, strict=True)), columns=COLUMNS)

    def _cut(self, positions: np.ndarray) -> list[str]:
        """The normalised texts at ``positions``, cut to what the lexical ratio compares."""
        texts = self._norm.arrow(positions)
        if len(texts) and pc.max(pc.binary_length(texts)).as_py() > MAX_RATIO_CHARS:
            texts = pc.utf8_slice_codeunits(texts, 0, MAX_RATIO_CHARS)  # bytes >= chars
        return texts.to_pylist()

    def _check(self, i: object, j: object, cosine: object) -> tuple[np.ndarray, ...]:
        i, j, cos = np.asarray(i), np.asarray(j), np.asarray(cosine, dtype=np.float64)
        if not (i.ndim == j.ndim == cos.ndim == 1 and len(i) == len(j) == len(cos)):
            raise ParameterError(
                "i, j and cosine must be 1-D arrays of the same length (one element per "
                f"pair); got shapes {i.shape}, {j.shape}, {cos.shape}. Pass the i, j and "
                "cosine columns of the pairs frame."
            )
        for name, x in (("i", i), ("j", j)):
            if len(x) and (not np.issubdtype(x.dtype, np.integer)
                           or x.min() < 0 or x.max() >= len(self)):
                raise ParameterError(
                    f"{name} must be integer entity positions in [0, {len(self)}); got dtype "
                    f"{x.dtype} with values {x.min()} to {x.max()}. Pass positions, not ids, "
                    "and build PairTexts from all the entities' texts."
                )
        return i.astype(np.int64), j.astype(np.int64), cos

