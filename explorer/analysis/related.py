"""Related by similarity: the entities near in meaning to one entity that no typed edge joins.

A function over a :class:`~explorer.core.graph.GraphCore` and its
:class:`~explorer.analysis.graph_similarity.GraphSimilarity`: the index proposes the
neighbors, the typed edges (and the curator's rejections) decide what is *not* a
candidate, and each one is labelled and explained as the whole-graph candidates are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.graph import GraphCore
from ..sorted_keys import in_sorted
from .candidates import explain_pairs
from .graph_similarity import NO_TEXT, GraphSimilarity

__all__ = ["SIMILAR_COLUMNS", "similar"]

SIMILAR_COLUMNS = [
    "id", "kind", "title", "summary", "cosine", "label", "score", "shared", "differs",
    "reason", "relation",
]


def similar(
    kg: GraphCore, state: GraphSimilarity, entity_id: str, *, min_cosine: float | None = None,
    k: int | None = None, exclude: np.ndarray | None = None,
) -> pd.DataFrame:
    """See :meth:`explorer.KnowledgeGraph.similar`."""
    threshold = state.threshold(min_cosine)
    position = kg.position(entity_id)
    frame = pd.DataFrame(columns=SIMILAR_COLUMNS)
    message = ""
    if not state.index.nonzero_[position]:
        reason = state.set_aside.loc[state.set_aside["id"] == entity_id, "reason"]
        message = f"not compared: {reason.iloc[0] if len(reason) else NO_TEXT}"
    else:
        found = state.index.radius_neighbors([entity_id], min_cosine=threshold)
        linked = np.append(kg.adjacency.neighbors_of(position), position)
        positions = kg.ids.get_indexer(found["neighbor_id"])
        keep = ~np.isin(positions, linked)
        if exclude is not None and len(exclude):
            n = np.int64(len(kg))
            keys = np.minimum(positions, position) * n + np.maximum(positions, position)
            keep &= ~in_sorted(keys, exclude)  # sorted, distinct: rejected_pair_keys()
        positions = positions[keep].astype(np.int64)
        cosine = found["cosine"].to_numpy(dtype=np.float32)[keep]
        why = explain_pairs(state, np.full(len(positions), position), positions, cosine)
        frame = pd.concat([kg.entity_table(positions), why.drop(columns="lexical")], axis=1)
        # Best first by cosine, as the page curators read every day (its rule line is
        # "cosine >= t"); the whole-graph list ranks by score instead.
        frame = frame.sort_values(["cosine", "title"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)[SIMILAR_COLUMNS]
        if k is not None:
            frame = frame.head(k)
    frame.attrs = {"min_cosine": threshold, "source": state.source, "message": message}
    return frame
