"""The one ranking of entities, "most connected first": edge count, degree, title, id.

:func:`rank_order` is the single definition; the card, the neighbor table and the graph
view all rank through it (or through :func:`top_ranked`, its first ``k``), so they never
disagree about who comes first. :class:`RankKeys` holds what the ranking reads of a graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .graph import GraphCore

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["RankKeys", "rank_order", "top_ranked"]


@dataclass(frozen=True)
class RankKeys:
    """What the ranking reads of a graph: every entity's degree, title and id.

    The arrays are the graph's own (converted once, never changed in place: a decision
    gives the graph new ones), so keys taken before a change still rank as before it.

    Attributes
    ----------
    degree
        Edges at each entity, shape ``(n,)``.
    titles, ids
        Titles and ids as Arrow string arrays, length ``n``.
    """

    degree: np.ndarray
    titles: pa.Array
    ids: pa.Array

    @classmethod
    def of(cls, graph: GraphCore) -> RankKeys:
        """The keys of ``graph`` as it is now."""
        return cls(graph.adjacency.degree, _arrow_strings(graph, "title"),
                   _arrow_strings(graph, "id"))

    def order(self, positions: np.ndarray, edge_counts: np.ndarray) -> np.ndarray:
        """Indices into ``positions``, best first (see :func:`rank_order`)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) < 2:
            return np.arange(len(positions))
        taken = pa.array(positions)
        # Arrow sorts by several keys and compares strings only on ties (UTF-8 byte order is
        # code point order, as numpy's); it is stable.
        table = pa.table({"count": -np.asarray(edge_counts, np.int64),
                          "degree": -self.degree[positions].astype(np.int64),
                          "title": self.titles.take(taken), "id": self.ids.take(taken)})
        keys = [(name, "ascending") for name in ("count", "degree", "title", "id")]
        return np.asarray(pc.sort_indices(table, sort_keys=keys), dtype=np.int64)

    def top(self, positions: np.ndarray, edge_counts: np.ndarray, k: int | None) -> np.ndarray:
        """The first ``k`` of :meth:`order` (all when ``k`` is ``None``), costing ``k``, not ``m``.

        Only entities whose (edge count, degree) reach the ``k``-th best pair can be among
        the first ``k``; :meth:`order` ranks those (ties included), so the result is exactly
        the head of the full order.
        """
        positions = np.asarray(positions, dtype=np.int64)
        counts = np.asarray(edge_counts, dtype=np.int64)
        if k is None or k >= len(positions):
            return self.order(positions, counts)
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        degree = self.degree[positions].astype(np.int64)
        key = counts * (int(degree.max()) + 1) + degree  # (count, degree) as one number
        cut = np.partition(key, len(key) - k)[len(key) - k]
        near = np.flatnonzero(key >= cut)
        return near[self.order(positions[near], counts[near])][:k]


def rank_order(graph: GraphCore, positions: np.ndarray, edge_counts: np.ndarray) -> np.ndarray:
    """The order that ranks entities best first: edge count, degree, title, id.

    Parameters
    ----------
    graph
        The graph the entities belong to.
    positions
        Entity positions, shape ``(m,)``.
    edge_counts
        Edges joining each of them to the focus (or to the nodes already kept), ``(m,)``.

    Returns
    -------
    numpy.ndarray
        Indices into ``positions``, best first.

    Examples
    --------
    >>> import pandas as pd
    >>> g = GraphCore.from_frames(
    ...     pd.DataFrame({"id": ["f", "b", "a"], "kind": "claim", "title": ["F", "Beta", "Alpha"]}),
    ...     pd.DataFrame({"source": ["f", "f"], "target": ["b", "a"], "relation": "supports"}))
    >>> rank_order(g, np.array([1, 2]), np.array([1, 1])).tolist()
    [1, 0]
    """
    return RankKeys.of(graph).order(positions, edge_counts)


def top_ranked(graph: GraphCore, positions: np.ndarray, edge_counts: np.ndarray,
               k: int | None) -> np.ndarray:
    """``rank_order(graph, positions, edge_counts)[:k]``, without ranking the rest.

    Examples
    --------
    >>> import pandas as pd
    >>> g = GraphCore.from_frames(
    ...     pd.DataFrame({"id": list("fabc"), "kind": "claim", "title": list("FABC")}),
    ...     pd.DataFrame({"source": list("ffff"), "target": list("abcc"),
    ...                   "relation": "supports"}))
    >>> top_ranked(g, np.array([1, 2, 3]), np.array([1, 1, 2]), 2).tolist()
    [2, 0]
    """
    return RankKeys.of(graph).top(positions, edge_counts, k)


def _arrow_strings(graph: GraphCore, name: str) -> pa.Array:
    """An entity column as an Arrow string array (the frame's own, or converted once)."""
    import pyarrow as pa

    key = ("arrow", name)
    if key not in graph._arrays:  # emptied when the frames change
        array = graph.entities[name].array
        graph._arrays[key] = (
            array.__arrow_array__() if hasattr(array, "__arrow_array__")
            else pa.array(graph.entities[name].astype(str).to_numpy(dtype=object),
                          type=pa.large_string())
        )
    return graph._arrays[key]
