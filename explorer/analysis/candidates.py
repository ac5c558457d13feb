"""Whole-graph candidates: pairs near in meaning with no typed edge, labelled, explained, ranked.

The steps, each one module:

1. the vectors' index proposes every pair with ``cosine >= min_cosine``
   (:class:`~explorer.analysis.index.SimilarityIndex`, the fast engine by default);
   where it pays, all-MiniLM-L6-v2 proposes pairs too and supplies the cosine the
   ranking reads (:mod:`explorer.analysis.minilm_pairs`);
2. pairs a typed edge already joins, and pairs the curator rejected, are removed;
3. each pair gets a label and the reason for it, with the words the two texts share and
   the words only one has (:mod:`explorer.analysis.pair_labels`);
4. the pairs are ranked by ``score``, a blend of the cosine (MiniLM's where it took
   part) and a TF-IDF similarity over the graph's own texts
   (:mod:`explorer.analysis.lexical`); duplicates rank first;
5. no entity keeps more than ``per_entity`` pairs: its best ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from ..arrow_pool import release_unused
from ..choices import check_int
from ..core.graph import GraphCore, as_list
from . import minilm_pairs
from .candidate_pairs import listable_pairs, search
from .graph_similarity import GraphSimilarity
from .pair_labels import DUPLICATE, LABELS, SUGGESTED_RELATION

__all__ = ["CANDIDATE_COLUMNS", "DEFAULT_PER_ENTITY", "bound_per_entity", "candidates",
           "explain_pairs", "summary", "summary_counts"]

#: Pairs per entity in the default list: short enough to work through.
DEFAULT_PER_ENTITY = 10
#: Added to the score of a ``possible contradiction`` (docs/similarity.md, "Quality").
CONTRADICTION_BONUS = 0.25
#: Pairs from which the TF-IDF scores are computed on a second thread, beside the labels.
PARALLEL_FROM = 200_000
#: Threads that explain the pairs (:meth:`~explorer.analysis.pair_labels.PairTexts.explain`).
EXPLAIN_WORKERS = min(4, os.cpu_count() or 1)

CANDIDATE_COLUMNS = [
    "id_a", "kind_a", "title_a", "id_b", "kind_b", "title_b", "label", "score", "cosine",
    "lexical", "shared", "differs", "reason", "relation",
]


def explain_pairs(
    state: GraphSimilarity, i: np.ndarray, j: np.ndarray, cosine: np.ndarray,
    ranking_cosine: np.ndarray | None = None,
) -> pd.DataFrame:
    """Label, reason, shared/differing words, lexical similarity and score of each pair.

    ``score`` ranks the pairs (measured in ``docs/similarity.md``, "Quality"):

    - ``duplicate``: 1.0;
    - otherwise ``(1 - w) * c + w * lexical`` (:func:`~explorer.analysis.lexical.combined_score`,
      ``w`` = ``LEXICAL_WEIGHT``), plus 0.25 for a ``possible contradiction`` (at most
      0.999, so duplicates stay first). ``c`` is ``ranking_cosine`` when given (the MiniLM
      cosine of each pair, :mod:`explorer.analysis.minilm_pairs`), else the pair's
      ``cosine``.

    Parameters
    ----------
    state
        The graph's similarity state (texts, TF-IDF).
    i, j
        Entity positions of the pairs, shape ``(n_pairs,)``.
    cosine
        The embedder's cosine of each pair: the ``cosine`` column, and what the labels read.
    ranking_cosine
        Another model's cosine of each pair to rank by, same shape; ``None``: ``cosine``.

    Returns
    -------
    pandas.DataFrame
        One row per pair, in the order given: ``label, score, cosine, lexical, shared,
        differs, reason, relation``.
    """
    from .pair_labels import POSSIBLE_CONTRADICTION, POSSIBLE_DUPLICATE
    from .pair_words import reversed_by

    texts, scorer = state.pair_texts, state.lexical  # both made here, in this thread
    if len(i) < PARALLEL_FROM:
        explained = texts.explain(i, j, cosine, workers=EXPLAIN_WORKERS)
        lexical = scorer.score(i, j)
    else:  # scipy's sparse products let go of the GIL: the TF-IDF scores come meanwhile
        with ThreadPoolExecutor(max_workers=1) as pool:
            scored = pool.submit(scorer.score, i, j)
            explained = texts.explain(i, j, cosine, workers=EXPLAIN_WORKERS)
            lexical = scored.result()
    ranking = np.asarray(cosine if ranking_cosine is None else ranking_cosine,
                         dtype=np.float32)
    label = explained["label"].to_numpy().astype(object)
    reason = explained["reason"].copy()
    # A "possible duplicate" whose differing words are opposite in any inflection
    # ("decrease | increases", "increased | reduction") is worded alike with the
    # direction reversed (:func:`~explorer.analysis.pair_words.reversed_by`).
    maybe = np.flatnonzero(label == POSSIBLE_DUPLICATE)
    found = [reversed_by(str(d)) for d in explained["differs"].iloc[maybe]]
    hit = [k for k, f in zip(maybe.tolist(), found, strict=True) if f is not None]
    label[hit] = POSSIBLE_CONTRADICTION
    reason.iloc[hit] = ["differs by direction: {} | {}".format(*f) for f in found if f]
    score = state.score(ranking, lexical)
    score = np.where(label == POSSIBLE_CONTRADICTION,
                     np.minimum(score + CONTRADICTION_BONUS, 0.999), score)
    score = np.where(label == DUPLICATE, 1.0, score)
    labels = pd.Categorical(label, categories=list(LABELS))
    return pd.DataFrame({
        "label": labels,
        "score": np.round(score.astype(float), 3),
        "cosine": np.round(np.asarray(cosine, dtype=float), 3),
        "lexical": np.round(lexical.astype(float), 3),
        "shared": explained["shared"],
        "differs": explained["differs"],
        "reason": pd.Series(reason, dtype=object),  # a categorical once the list is final
        "relation": _relations(labels.codes),
    })


def bound_per_entity(i: np.ndarray, j: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Which pairs to keep so that no entity is in more than ``k`` of them (its best ones).

    A pair is kept when it is among the ``k`` best pairs of *both* its entities, so each
    entity keeps at most ``k`` pairs, and the pairs it keeps are its best.

    Examples
    --------
    >>> i, j = np.array([0, 0, 0, 1]), np.array([1, 2, 3, 2])
    >>> bound_per_entity(i, j, np.array([0.9, 0.8, 0.7, 0.95]), 2).tolist()
    [True, True, False, True]
    """
    n = len(i)
    if n == 0:
        return np.zeros(0, dtype=bool)
    ends = np.concatenate([i, j])
    pair = np.concatenate([np.arange(n), np.arange(n)])
    order = np.lexsort((pair, -np.concatenate([score, score]), ends))
    sorted_ends = ends[order]
    starts = np.flatnonzero(np.r_[True, sorted_ends[1:] != sorted_ends[:-1]])
    rank = np.arange(2 * n) - np.repeat(starts, np.diff(np.r_[starts, 2 * n]))
    good = np.zeros(2 * n, dtype=bool)
    good[order] = rank < k
    return good[:n] & good[n:]


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts of pairs per label and kind pair (kinds in alphabetical order).

    Counted on integer codes, so a million-row frame builds no million strings.

    Examples
    --------
    >>> f = pd.DataFrame({"kind_a": ["paper", "claim", "claim"], "kind_b": ["claim"] * 3,
    ...                   "label": ["candidate edge"] * 3})
    >>> summary(f).values.tolist()
    [['candidate edge', 'claim–claim', 2], ['candidate edge', 'claim–paper', 1]]
    """
    if len(frame) == 0:
        return pd.DataFrame(columns=["label", "kinds", "pairs"])
    code_a, names_a = _codes(frame["kind_a"])
    code_b, names_b = _codes(frame["kind_b"])
    names = np.array(sorted({str(x) for x in (*names_a, *names_b)}), dtype=object)
    rank = {name: r for r, name in enumerate(names.tolist())}
    a = np.array([rank[str(x)] for x in names_a], dtype=np.int64)[code_a]
    b = np.array([rank[str(x)] for x in names_b], dtype=np.int64)[code_b]
    label_code, labels = _codes(frame["label"])
    k = len(names)
    key = (label_code.astype(np.int64) * k + np.minimum(a, b)) * k + np.maximum(a, b)
    found, pairs = np.unique(key, return_counts=True)
    rest, high = np.divmod(found, k)
    label, low = np.divmod(rest, k)
    counts = pd.DataFrame({
        "label": np.asarray(labels, dtype=object)[label],
        "kinds": [f"{x}–{y}" for x, y in zip(names[low], names[high], strict=True)],
        "pairs": pairs.astype(np.int64),
    })
    return counts.sort_values(["pairs", "label", "kinds"], ascending=[False, True, True],
                              ignore_index=True)


def summary_counts(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """:func:`summary` as plain values: label -> kind pair -> pairs, most pairs first.

    What ``attrs["summary"]`` holds: a frame there would break ``pd.concat`` and
    ``astype`` of the list (pandas compares the attrs of what it joins).

    Examples
    --------
    >>> f = pd.DataFrame({"kind_a": ["paper", "claim", "claim"], "kind_b": ["claim"] * 3,
    ...                   "label": ["candidate edge"] * 3})
    >>> summary_counts(f)
    {'candidate edge': {'claim–claim': 2, 'claim–paper': 1}}
    """
    out: dict[str, dict[str, int]] = {}
    for label, kinds, pairs in summary(frame).itertuples(index=False):
        out.setdefault(str(label), {})[str(kinds)] = int(pairs)
    return out


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column; a categorical's own codes (no array of its values)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and not column.isna().any():
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=object)
    return pd.factorize(column.to_numpy())


def candidates(
    kg: GraphCore,
    state: GraphSimilarity,
    *,
    min_cosine: float | None = None,
    kinds: Iterable[str] | None = None,
    kind_pairs: Iterable[tuple[str, str]] | None = None,
    per_entity: int | None = DEFAULT_PER_ENTITY,
    method: str | None = None,
    progress: bool | None = None,
    exclude: np.ndarray | None = None,
) -> pd.DataFrame:
    """See :meth:`explorer.KnowledgeGraph.candidates`."""
    threshold = state.threshold(min_cosine)
    if per_entity is not None:
        per_entity = check_int(per_entity, "per_entity", 1)
    kinds = as_list(kinds)  # type: ignore[arg-type]  # read more than once below
    kind_pairs = None if kind_pairs is None else list(kind_pairs)
    i, j, cosine, minilm = search(kg, state, threshold, min_cosine, kinds, kind_pairs,
                                   method, progress, exclude)
    ranking, only_minilm = None, np.zeros(len(i), dtype=bool)
    if minilm is not None:
        mi, mj, _ = minilm.pairs(progress=progress)
        ok = listable_pairs(kg, mi, mj, kinds, kind_pairs, exclude)
        i, j, cosine, only_minilm = minilm_pairs.union_pairs(
            i, j, cosine, mi[ok], mj[ok], state.vectors)
        ranking = minilm.cosine(i, j, fallback=cosine)
    n_unbounded = len(i)

    if len(i) > len(kg) // 4:  # most texts take part: read them all, once, cached
        state.prepare_all()
    why = explain_pairs(state, i, j, cosine, ranking)
    if only_minilm.any():
        # Listed below min_cosine on the embedder's scale: the reason says why.
        at = np.flatnonzero(only_minilm)
        why.loc[at, "reason"] = [
            f"{r}; proposed by MiniLM (its cosine {c:.2f})"
            for r, c in zip(why["reason"].iloc[at], ranking[at], strict=True)]
    order = np.lexsort((j, i, -why["cosine"].to_numpy(), -why["score"].to_numpy()))
    i, j, why = i[order], j[order], _rows(why, order)
    only_minilm = only_minilm[order]
    if per_entity is not None:
        bounded = bound_per_entity(i, j, why["score"].to_numpy(), per_entity)
        i, j, why = i[bounded], j[bounded], _rows(why, np.flatnonzero(bounded))
        only_minilm = only_minilm[bounded]

    why["reason"] = _reasons(why["reason"])
    parts = [_entity_columns(kg, i, "_a"), _entity_columns(kg, j, "_b"), why]
    frame = pd.DataFrame({c: next(p[c] for p in parts if c in p) for c in CANDIDATE_COLUMNS},
                         copy=False)  # the columns as made: no second copy of the list
    del parts, why
    release_unused(heap=True)  # the explanation's buffers, freed: not kept resident
    rule = state.score_rule
    frame.attrs = {
        "min_cosine": threshold, "source": state.source, "per_entity": per_entity,
        "n_unbounded": n_unbounded, "summary": summary_counts(frame),
        "score": rule if minilm is None else rule.replace("× cosine", "× MiniLM cosine"),
        "minilm_min_cosine": None if minilm is None else minilm.threshold,
        "n_minilm_only": int(only_minilm.sum()),
    }
    return frame


def _rows(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.iloc[rows]`` with a fresh index, taken column by column (``frame`` empties).

    Each column of ``frame`` is let go once taken, so a million-row list is not held twice.
    """
    columns = {}
    for name in list(frame.columns):
        columns[name] = frame.pop(name).take(rows).reset_index(drop=True)
        release_unused()  # the column let go: Arrow's pool gives its memory back
    return pd.DataFrame(columns, copy=False)


def _reasons(reason: pd.Series) -> pd.Categorical:
    """The reasons as a categorical: most pairs share a few reasons, each stored once."""
    codes, values = pd.factorize(reason.to_numpy(dtype=object))
    return pd.Categorical.from_codes(codes.astype(np.int32),
                                     categories=pd.Index(values, dtype="str"), validate=False)


def _relations(label_codes: np.ndarray) -> pd.Categorical:
    """The relation suggested for each label (codes into :data:`LABELS`), as a categorical."""
    names = [SUGGESTED_RELATION[x] for x in LABELS]
    codes, relations = pd.factorize(np.asarray(names, dtype=object))
    return pd.Categorical.from_codes(codes[label_codes], categories=relations, validate=False)


def _entity_columns(kg: GraphCore, positions: np.ndarray, suffix: str) -> pd.DataFrame:
    """``id, kind, title`` (+ suffix) of these entities, as categoricals of what they use.

    Each entity's id and title is stored once however many pairs it is in (at 1M entities
    and 3.1M pairs: 0.3 GB of codes for 1.5 GB of copied text), and only the ids and titles
    of these entities are categories (``value_counts`` lists them, not the whole graph).
    """
    (ids, id_values), (titles, title_values) = kg.sorted_codes("id"), kg.sorted_codes("title")
    out = {
        "id": _used(ids[positions], id_values),
        "kind": _used(kg.kind_codes()[positions], kg.entities["kind"].cat.categories),
        "title": _used(titles[positions], title_values),
    }
    return pd.DataFrame({k + suffix: v for k, v in out.items()})


def _used(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """A categorical of ``codes`` into ``categories`` (-1: missing), over the used ones only."""
    used = np.zeros(len(categories) + 1, dtype=bool)  # the last: code -1
    used[codes] = True
    used[-1] = False
    renumber = np.cumsum(used, dtype=np.int64) - 1
    renumber[-1] = -1
    kept = categories[used[:-1]]
    dtype = np.int32 if len(kept) < 2**31 - 1 else np.int64
    return pd.Categorical.from_codes(renumber[codes].astype(dtype, copy=False),
                                     dtype=pd.CategoricalDtype(kept), validate=False)
