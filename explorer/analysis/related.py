"""Related by similarity: the entities near in meaning that no typed edge joins.

Functions over a :class:`~explorer.core.graph.GraphCore` and its
:class:`~explorer.analysis.graph_similarity.GraphSimilarity`: the vectors' index proposes
pairs, the typed edges decide what is *not* a candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.graph import GraphCore
from ..errors import ParameterError
from .graph_similarity import NO_TEXT, GraphSimilarity
from .thresholds import check_min_cosine

__all__ = ["CANDIDATE_COLUMNS", "SIMILAR_COLUMNS", "candidates", "similar"]

SIMILAR_COLUMNS = ["id", "kind", "title", "summary", "cosine"]
CANDIDATE_COLUMNS = [
    "id_a", "kind_a", "title_a", "id_b", "kind_b", "title_b", "cosine", "label",
]
DEFAULT_DUPLICATE_COSINE = 0.95
POSSIBLE_DUPLICATE = "possible duplicate"
CANDIDATE_EDGE = "candidate edge"


def similar(
    kg: GraphCore, state: GraphSimilarity, entity_id: str, *, min_cosine: float | None = None,
    k: int | None = None,
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
        linked = set(kg.adjacency.neighbors_of(position).tolist()) | {position}
        positions = kg.ids.get_indexer(found["neighbor_id"])
        keep = ~np.isin(positions, list(linked))
        positions, cosine = positions[keep], found["cosine"].to_numpy()[keep]
        frame = kg.entity_table(positions).assign(cosine=np.round(cosine.astype(float), 3))
        frame = frame.sort_values(["cosine", "title"], ascending=[False, True], kind="stable")
        frame = frame.reset_index(drop=True)
        if k is not None:
            frame = frame.head(k)
    frame.attrs = {"min_cosine": threshold, "source": state.source, "message": message}
    return frame


def candidates(
    kg: GraphCore,
    state: GraphSimilarity,
    *,
    min_cosine: float | None = None,
    kinds: Iterable[str] | None = None,
    duplicate_cosine: float = DEFAULT_DUPLICATE_COSINE,
    method: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """See :meth:`explorer.KnowledgeGraph.candidates`."""
    threshold = state.threshold(min_cosine)
    pairs = state.index.pairs(threshold, method=method, progress=progress)
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    n = np.int64(len(kg))
    keep = ~np.isin(np.minimum(i, j) * n + np.maximum(i, j), kg.linked_pair_keys())
    if kinds is not None:
        keep &= kg.kind_mask(kinds, i) & kg.kind_mask(kinds, j)
    pairs = pairs.loc[keep].reset_index(drop=True)
    labels = label_pairs(pairs, kg.entities["kind"].astype(str), duplicate_cosine=duplicate_cosine)
    a = kg.entity_table(pairs["i"].to_numpy()).add_suffix("_a")
    b = kg.entity_table(pairs["j"].to_numpy()).add_suffix("_b")
    frame = pd.concat([a, b], axis=1).assign(
        cosine=np.round(pairs["cosine"].to_numpy(dtype=float), 3), label=labels.to_numpy()
    )[CANDIDATE_COLUMNS]
    frame.attrs = {"min_cosine": threshold, "source": state.source,
                   "duplicate_cosine": duplicate_cosine}
    return frame


def label_pairs(
    pairs: pd.DataFrame,
    kinds: np.ndarray | pd.Series | Sequence[Any],
    *,
    duplicate_cosine: float = DEFAULT_DUPLICATE_COSINE,
) -> pd.Series:
    """Label similar pairs as possible duplicates or candidate edges.

    Parameters
    ----------
    pairs
        A frame with integer position columns ``i``, ``j`` and ``cosine``, as
        returned by :meth:`SimilarityIndex.pairs`.
    kinds
        The kind of each entity by fitted position (a Series is read by
        position, not by label). Missing kinds never match.
    duplicate_cosine
        Cut-off in [-1, 1]; default :data:`DEFAULT_DUPLICATE_COSINE` (0.95).

    Returns
    -------
    pandas.Series
        Categorical, aligned with ``pairs``: ``"possible duplicate"`` where both
        entities have the same kind and cosine >= ``duplicate_cosine``, else
        ``"candidate edge"``.

    Examples
    --------
    >>> import pandas as pd
    >>> found = pd.DataFrame({"i": [0, 0], "j": [1, 2], "cosine": [0.97, 0.97]})
    >>> label_pairs(found, ["claim", "claim", "paper"]).tolist()
    ['possible duplicate', 'candidate edge']
    """
    cut = check_min_cosine(duplicate_cosine, name="duplicate_cosine")
    missing = [c for c in ("i", "j", "cosine") if c not in pairs.columns]
    if missing:
        raise ParameterError(
            f"pairs must have columns i, j, cosine (from SimilarityIndex.pairs); missing {missing}."
        )
    kind = pd.Series(kinds.to_numpy() if isinstance(kinds, pd.Series) else list(kinds))
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    if len(i) and max(i.max(), j.max()) >= len(kind):
        raise ParameterError(
            f"kinds has {len(kind)} entries but pairs refer to position "
            f"{int(max(i.max(), j.max()))}; give one kind per fitted entity."
        )
    ki, kj = kind.iloc[i].to_numpy(), kind.iloc[j].to_numpy()
    same = (ki == kj) & pd.notna(ki) & pd.notna(kj)
    duplicate = same & (pairs["cosine"].to_numpy() >= np.float32(cut))
    labels = np.where(duplicate, POSSIBLE_DUPLICATE, CANDIDATE_EDGE)
    return pd.Series(
        pd.Categorical(labels, categories=[POSSIBLE_DUPLICATE, CANDIDATE_EDGE]),
        index=pairs.index,
        name="label",
    )
