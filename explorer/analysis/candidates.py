"""Whole-graph candidates: pairs near in meaning with no typed edge, labelled, explained, ranked.

The steps, each one module:

1. the vectors' index proposes every pair with ``cosine >= min_cosine``
   (:class:`~explorer.analysis.index.SimilarityIndex`, the fast engine by default);
2. pairs a typed edge already joins, and pairs the curator rejected, are removed;
3. each pair gets a label and the reason for it, with the words the two texts share and
   the words only one has (:mod:`explorer.analysis.pair_labels`);
4. the pairs are ranked by ``score``, a blend of the cosine and a TF-IDF similarity over
   the graph's own texts (:mod:`explorer.analysis.lexical`); duplicates rank first;
5. no entity keeps more than ``per_entity`` pairs: its best ones.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..choices import check_int
from ..core.graph import GraphCore, as_list
from .graph_similarity import GraphSimilarity
from .pair_labels import DUPLICATE, LABELS, SUGGESTED_RELATION

__all__ = ["CANDIDATE_COLUMNS", "DEFAULT_PER_ENTITY", "bound_per_entity", "candidates",
           "explain_pairs", "summary"]

#: Pairs per entity in the default list: short enough to work through.
DEFAULT_PER_ENTITY = 10

CANDIDATE_COLUMNS = [
    "id_a", "kind_a", "title_a", "id_b", "kind_b", "title_b", "label", "score", "cosine",
    "lexical", "shared", "differs", "reason", "relation",
]


def explain_pairs(
    state: GraphSimilarity, i: np.ndarray, j: np.ndarray, cosine: np.ndarray
) -> pd.DataFrame:
    """Label, reason, shared/differing words, lexical similarity and score of each pair.

    Returns
    -------
    pandas.DataFrame
        One row per pair, in the order given: ``label, score, cosine, lexical, shared,
        differs, reason, relation``.
    """
    explained = state.pair_texts.explain(i, j, cosine)
    lexical = state.lexical.score(i, j) if len(i) else np.zeros(0, dtype=np.float32)
    score = state.score(cosine, lexical)
    score = np.where(explained["label"].to_numpy() == DUPLICATE, 1.0, score)
    labels = pd.Categorical(explained["label"].to_numpy(), categories=list(LABELS))
    return pd.DataFrame({
        "label": labels,
        "score": np.round(score.astype(float), 3),
        "cosine": np.round(np.asarray(cosine, dtype=float), 3),
        "lexical": np.round(lexical.astype(float), 3),
        "shared": explained["shared"].to_numpy(),
        "differs": explained["differs"].to_numpy(),
        "reason": explained["reason"].to_numpy(),
        "relation": [SUGGESTED_RELATION[str(label)] for label in explained["label"]],
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
    """Counts of pairs per label and kind pair (kinds in alphabetical order)."""
    if len(frame) == 0:
        return pd.DataFrame(columns=["label", "kinds", "pairs"])
    a, b = frame["kind_a"].astype(str), frame["kind_b"].astype(str)
    kinds = np.where(a <= b, a + "–" + b, b + "–" + a)
    counts = (
        pd.DataFrame({"label": frame["label"].astype(str), "kinds": kinds})
        .value_counts().rename("pairs").reset_index()
    )
    return counts.sort_values(["pairs", "label", "kinds"], ascending=[False, True, True],
                              ignore_index=True)


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
    pairs = state.index.pairs(threshold, method=method, progress=progress)
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    cosine = pairs["cosine"].to_numpy(dtype=np.float32)
    n = np.int64(len(kg))
    keys = np.minimum(i, j) * n + np.maximum(i, j)
    keep = ~np.isin(keys, kg.linked_pair_keys())
    if exclude is not None and len(exclude):
        keep &= ~np.isin(keys, exclude)
    if kinds is not None:
        keep &= kg.kind_mask(kinds, i) & kg.kind_mask(kinds, j)
    if kind_pairs is not None:
        keep &= _kind_pair_mask(kg, i, j, kind_pairs)
    i, j, cosine = i[keep], j[keep], cosine[keep]
    n_unbounded = len(i)

    why = explain_pairs(state, i, j, cosine)
    order = np.lexsort((j, i, -why["cosine"].to_numpy(), -why["score"].to_numpy()))
    i, j, why = i[order], j[order], why.iloc[order].reset_index(drop=True)
    if per_entity is not None:
        bounded = bound_per_entity(i, j, why["score"].to_numpy(), per_entity)
        i, j, why = i[bounded], j[bounded], why.loc[bounded].reset_index(drop=True)

    a = kg.entity_table(i).drop(columns="summary").add_suffix("_a")
    b = kg.entity_table(j).drop(columns="summary").add_suffix("_b")
    frame = pd.concat([a, b, why], axis=1)[CANDIDATE_COLUMNS]
    frame.attrs = {
        "min_cosine": threshold, "source": state.source, "per_entity": per_entity,
        "n_unbounded": n_unbounded, "summary": summary(frame),
        "score": state.score_rule,
    }
    return frame


def _kind_pair_mask(
    kg: GraphCore, i: np.ndarray, j: np.ndarray, kind_pairs: Iterable[tuple[str, str]]
) -> np.ndarray:
    names = np.asarray(kg.entities["kind"].cat.categories, dtype=object)
    ka, kb = names[kg.kind_codes()[i]], names[kg.kind_codes()[j]]
    mask = np.zeros(len(i), dtype=bool)
    for pair in kind_pairs:
        first, second = as_list(list(pair)) or ["", ""]
        mask |= ((ka == first) & (kb == second)) | ((ka == second) & (kb == first))
    return mask
