"""Integer-coded adjacency: the structure that answers graph questions.

The pandas tables are the user's view; this is built once at load and makes a
neighborhood cost in proportion to the entity's degree, not to the size of the graph.
Memory: 8 bytes per edge end (two int32 arrays over both directions), i.e. 16 bytes per
edge, plus 8 bytes per entity for the row pointers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Adjacency"]


@dataclass(frozen=True)
class Adjacency:
    """Undirected incidence lists in CSR form.

    For entity ``i``, ``neighbors[indptr[i]:indptr[i+1]]`` are the other ends of its edges
    and ``edge_ids[...]`` the rows of those edges in the edge table (either direction;
    a self-loop appears once).

    Examples
    --------
    >>> adj = Adjacency.from_codes(np.array([0, 0, 1]), np.array([1, 1, 2]), 3)
    >>> adj.degree.tolist()
    [2, 3, 1]
    >>> adj.neighbors_of(1).tolist(), adj.edges_of(1).tolist()
    ([2, 0, 0], [2, 0, 1])
    """

    indptr: np.ndarray
    neighbors: np.ndarray
    edge_ids: np.ndarray
    degree: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Edges incident to each entity (multi-edges counted, a self-loop once); kept
        # because neighborhoods index it on every call.
        object.__setattr__(self, "degree", np.diff(self.indptr))

    @classmethod
    def from_codes(cls, source: np.ndarray, target: np.ndarray, n_entities: int) -> Adjacency:
        """Build from edge endpoints given as entity positions.

        Parameters
        ----------
        source, target
            Integer arrays of shape (n_edges,), values in ``[0, n_entities)``.
        n_entities
            Number of entities (rows of the CSR).
        """
        source = np.asarray(source)
        target = np.asarray(target)
        n_edges = source.shape[0]
        index_type = np.int32 if max(n_entities, n_edges) < 2**31 - 1 else np.int64
        loops = source == target
        ends = np.concatenate([source, target[~loops]]).astype(index_type, copy=False)
        others = np.concatenate([target, source[~loops]]).astype(index_type, copy=False)
        edge_ids = np.arange(n_edges, dtype=index_type)
        edge_ids = np.concatenate([edge_ids, edge_ids[~loops]])
        order = np.argsort(ends, kind="stable")
        counts = np.bincount(ends, minlength=n_entities)
        indptr = np.zeros(n_entities + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr=indptr, neighbors=others[order], edge_ids=edge_ids[order])

    def neighbors_of(self, position: int) -> np.ndarray:
        """Other ends of the edges of one entity (with repeats for multi-edges)."""
        return self.neighbors[self.indptr[position] : self.indptr[position + 1]]

    def edges_of(self, position: int) -> np.ndarray:
        """Rows in the edge table of the edges of one entity."""
        return self.edge_ids[self.indptr[position] : self.indptr[position + 1]]

    def around(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Other ends and edge rows of the edges of several entities, concatenated."""
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        starts, ends = self.indptr[positions], self.indptr[positions + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        take = np.arange(int(lengths.sum()), dtype=np.int64) + offsets
        return self.neighbors[take], self.edge_ids[take]

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        arrays = (self.indptr, self.neighbors, self.edge_ids, self.degree)
        return sum(a.nbytes for a in arrays)
