"""Which pairs a candidate list starts from: the search, then what may be listed.

The vectors' index proposes every pair with ``cosine >= min_cosine``; pairs a typed edge
already joins, pairs the curator rejected, and pairs of other kinds than asked for are
removed; where it pays, all-MiniLM-L6-v2 is embedded for the entities in pairs
(:mod:`explorer.analysis.minilm_pairs`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..arrow_pool import release_unused
from ..core.graph import GraphCore, as_list
from ..sorted_keys import in_sorted
from . import minilm_pairs
from .graph_similarity import GraphSimilarity

__all__ = ["listable_pairs", "search"]


def search(
    kg: GraphCore, state: GraphSimilarity, threshold: float, min_cosine: float | None,
    kinds: list[str] | None, kind_pairs: list[tuple[str, str]] | None, method: str | None,
    progress: bool | None, exclude: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, minilm_pairs.MiniLMVectors | None]:
    """The listable pairs ``(i, j, cosine)``, and MiniLM's where it takes part."""
    pairs = state.pairs(threshold, method=method, progress=progress)
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    cosine = pairs["cosine"].to_numpy(dtype=np.float32)
    del pairs
    keep = listable_pairs(kg, i, j, kinds, kind_pairs, exclude)
    i, j, cosine = i[keep], j[keep], cosine[keep]
    del keep
    release_unused(heap=True)  # what the search freed (0.27 GB at 1M), given back

    minilm = None
    if minilm_pairs.takes_part(state.source, len(kg)):
        positions, propose = minilm_pairs.entities_to_embed(
            listable_entities(kg, state, kinds, kind_pairs), i, j)
        if len(positions):
            minilm = minilm_pairs.embed_for_pairs(
                state.texts, positions,
                minilm_pairs.minilm_threshold(min_cosine, state.default_min_cosine)
                if propose else None,
                cache_dir=state.cache_dir, progress=progress,
            )
    return i, j, cosine, minilm


def listable_pairs(
    kg: GraphCore, i: np.ndarray, j: np.ndarray, kinds: Iterable[str] | None,
    kind_pairs: list[tuple[str, str]] | None, exclude: np.ndarray | None,
) -> np.ndarray:
    """Which pairs may be listed: no typed edge, not rejected, of the kinds asked for."""
    n = np.int64(len(kg))
    keys = np.minimum(i, j) * n + np.maximum(i, j)
    keep = ~in_sorted(keys, kg.linked_pair_keys())
    if exclude is not None and len(exclude):
        keep &= ~in_sorted(keys, exclude)  # sorted, distinct: rejected_pair_keys()
    if kinds is not None:
        keep &= kg.kind_mask(kinds, i) & kg.kind_mask(kinds, j)
    if kind_pairs is not None:
        keep &= kind_pair_mask(kg, i, j, kind_pairs)
    return keep


def listable_entities(
    kg: GraphCore, state: GraphSimilarity, kinds: Iterable[str] | None,
    kind_pairs: list[tuple[str, str]] | None,
) -> np.ndarray:
    """Sorted positions of the entities with text that can be in a listed pair."""
    mask = np.asarray(state.index.nonzero_, dtype=bool).copy()
    if kinds is not None:
        mask &= kg.kind_mask(kinds)
    if kind_pairs is not None:
        named = {k for pair in kind_pairs for k in (as_list(list(pair)) or [])}
        mask &= kg.kind_mask(sorted(named))
    return np.flatnonzero(mask).astype(np.int64)


def kind_pair_mask(
    kg: GraphCore, i: np.ndarray, j: np.ndarray, kind_pairs: Iterable[tuple[str, str]]
) -> np.ndarray:
    """Which pairs join one of ``kind_pairs`` (either way round)."""
    names = np.asarray(kg.entities["kind"].cat.categories, dtype=object)
    ka, kb = names[kg.kind_codes()[i]], names[kg.kind_codes()[j]]
    mask = np.zeros(len(i), dtype=bool)
    for pair in kind_pairs:
        first, second = as_list(list(pair)) or ["", ""]
        mask |= ((ka == first) & (kb == second)) | ((ka == second) & (kb == first))
    return mask

