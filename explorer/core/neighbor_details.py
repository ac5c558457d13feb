"""The details of a neighbor row: the relations, notes and directions of its edges to the focus.

A neighborhood ranks every neighbor from numbers alone; these details are built only for
the rows asked for (:meth:`explorer.core.neighborhood.NeighborRanking.frame`): a hub with
tens of thousands of neighbors costs one numpy pass over its edges, then the rows shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import GraphCore

__all__ = ["FocusEdges"]


@dataclass(frozen=True)
class FocusEdges:
    """The focus entity's edges, one entry per edge end, as the details need them.

    Attributes
    ----------
    neighbor
        Index of each edge's neighbor (into the neighborhood's sorted neighbors), ``(m,)``.
    relation_codes
        Each edge's relation, as a code into ``relation_names``, ``(m,)``.
    relation_names
        The relation categories (object array).
    notes
        Each edge's note (``str``, or missing), ``(m,)``.
    outgoing, incoming
        Whether the focus is the edge's source, its target, ``(m,)`` booleans.
    """

    neighbor: np.ndarray
    relation_codes: np.ndarray
    relation_names: np.ndarray
    notes: np.ndarray
    outgoing: np.ndarray
    incoming: np.ndarray

    @classmethod
    def of(cls, graph: GraphCore, position: int, edge_ids: np.ndarray,
           neighbor: np.ndarray) -> FocusEdges:
        """The edges ``edge_ids`` at ``position``; ``neighbor`` is each one's neighbor index."""
        return cls(
            neighbor=neighbor,
            relation_codes=graph.relation_codes()[edge_ids],
            relation_names=np.asarray(graph.edges["relation"].cat.categories, dtype=object),
            notes=graph.text_column("edges", "note").take(edge_ids),
            outgoing=graph.source_codes[edge_ids] == position,
            incoming=graph.target_codes[edge_ids] == position,
        )

    def details(self, selected: np.ndarray
                ) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[str]]:
        """Relations, notes and directions of the edges to each selected neighbor.

        Parameters
        ----------
        selected
            Neighbor indices, shape ``(k,)``, each once.

        Returns
        -------
        tuple of three lists, each of length ``k``
            The distinct relations (alphabetical); the non-empty notes (by relation, then
            edge order); ``"out"``, ``"in"`` or ``"both"`` seen from the focus.

        Notes
        -----
        Vectorised: one sort of the selected neighbors' edges by (neighbor, relation name),
        edge order kept within; Python only builds the tuples.
        """
        if len(selected) == 0:
            return [], [], []
        wanted = np.flatnonzero(np.isin(self.neighbor, selected))
        group, relation_codes = self.neighbor[wanted], self.relation_codes[wanted]
        name_rank = np.argsort(np.argsort(self.relation_names.astype(str), kind="stable"))
        order = np.lexsort((name_rank[relation_codes], group))  # stable: edge order kept
        wanted, group, relation_codes = wanted[order], group[order], relation_codes[order]
        starts = np.searchsorted(group, selected, side="left")
        ends = np.searchsorted(group, selected, side="right")

        first = np.ones(len(group), dtype=bool)  # the first edge of each (neighbor, relation)
        first[1:] = (group[1:] != group[:-1]) | (relation_codes[1:] != relation_codes[:-1])
        distinct = np.cumsum(first) - 1  # index of each edge's (neighbor, relation) pair
        names = [str(r) for r in self.relation_names[relation_codes[first]]]
        low, high = distinct[starts], distinct[ends - 1] + 1
        relations_of = [tuple(names[a:b]) for a, b in zip(low.tolist(), high.tolist(),
                                                          strict=True)]

        notes = self.notes[wanted]
        has_note = np.fromiter((isinstance(n, str) and n != "" for n in notes), dtype=bool,
                               count=len(notes))
        if has_note.any():
            kept = [str(n) for n in notes[has_note]]
            before = np.concatenate([[0], np.cumsum(has_note)])
            notes_of = [tuple(kept[a:b]) for a, b in
                        zip(before[starts].tolist(), before[ends].tolist(), strict=True)]
        else:
            notes_of = [()] * len(selected)

        n = int(self.neighbor.max()) + 1
        out = np.bincount(group, weights=self.outgoing[wanted], minlength=n)[selected] > 0
        into = np.bincount(group, weights=self.incoming[wanted], minlength=n)[selected] > 0
        directions_of = np.where(out & into, "both", np.where(out, "out", "in")).tolist()
        return relations_of, notes_of, directions_of
