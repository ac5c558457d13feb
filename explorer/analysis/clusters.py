"""Duplicate clusters: duplicates found transitively (a ~ b ~ c) offered as one cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .pair_labels import DUPLICATE, POSSIBLE_DUPLICATE

__all__ = ["duplicate_clusters"]


def duplicate_clusters(
    found: pd.DataFrame, labels: tuple[str, ...] = (DUPLICATE, POSSIBLE_DUPLICATE)
) -> list[list[str]]:
    """Groups of ids joined by duplicate pairs, largest first (ids sorted in each).

    Parameters
    ----------
    found
        A candidates frame (``id_a``, ``id_b``, ``label``).
    labels
        Which labels join two entities.

    Examples
    --------
    >>> pairs = pd.DataFrame({"id_a": ["a", "b", "x"], "id_b": ["b", "c", "y"],
    ...                       "label": ["duplicate", "possible duplicate", "candidate edge"]})
    >>> duplicate_clusters(pairs)
    [['a', 'b', 'c']]
    """
    dupes = found[found["label"].astype(str).isin(labels)]
    if len(dupes) == 0:
        return []
    ids, codes = np.unique(np.concatenate([dupes["id_a"].astype(str), dupes["id_b"].astype(str)]),
                           return_inverse=True)
    m = len(dupes)
    graph = coo_matrix((np.ones(m), (codes[:m], codes[m:])), shape=(len(ids), len(ids)))
    _, component = connected_components(graph, directed=False)
    groups = pd.Series(ids).groupby(component).apply(lambda s: sorted(s.tolist()))
    return sorted((g for g in groups if len(g) > 1), key=lambda g: (-len(g), g[0]))
