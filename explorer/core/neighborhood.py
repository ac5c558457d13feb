"""Neighborhoods: an entity's typed neighbors, ranked most connected first, grouped by kind.

:class:`NeighborRanking` ranks every neighbor of one entity from numbers alone (edge counts,
degrees, kinds) and builds the rows' details (titles, relations, notes, directions) only for
the rows asked for: the card's top of each kind, the table's first page. :func:`neighborhood`
is its whole frame. The ranking is :func:`~explorer.core.ranking.rank_order`, the one every
view uses (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np
import pandas as pd

from .graph import NEIGHBORHOOD_COLUMNS, GraphCore
from .neighbor_details import FocusEdges
from .ranking import RankKeys, rank_order
from .text_column import TextColumn

__all__ = ["NeighborRanking", "neighborhood", "rank_order", "top_per_kind"]


class NeighborRanking:
    """Every typed neighbor of one entity, ranked and grouped by kind; rows built on demand.

    Build one with :meth:`rank`; ``__init__`` only stores. It keeps what it read of the
    graph (arrays a decision replaces, never changes), so its rows stay those of the graph
    it was ranked on.

    Attributes
    ----------
    focus
        The focus entity's id.
    filtered
        Whether ``kinds`` or ``relations`` narrowed the neighbors.
    neighbors
        Neighbor positions, sorted, shape ``(n,)``; ``counts``, ``degree``, ``kind_codes``
        are theirs, ``(n,)``.
    kind_names
        The kind categories (``kind_codes`` index them).
    edges
        The focus's edges to them (:class:`~explorer.core.neighbor_details.FocusEdges`).
    keys
        The ranking's keys (:class:`~explorer.core.ranking.RankKeys`).
    ids, titles, summaries
        The graph's id index and its entity text columns (read by position).

    Examples
    --------
    >>> from explorer import load
    >>> kg = load("data/example")
    >>> ranking = NeighborRanking.rank(kg, kg.find("learned features reflect").iloc[0]["id"])
    >>> ranking.frame(head=2)[["kind", "edge_count"]].values.tolist()
    [['finding', 2], ['finding', 1]]
    >>> ranking.frame(head=2).attrs["n_neighbors"] == len(ranking) == len(ranking.frame())
    True
    """

    def __init__(self, focus: str, *, filtered: bool, neighbors: np.ndarray,
                 counts: np.ndarray, degree: np.ndarray, kind_codes: np.ndarray,
                 kind_names: np.ndarray, edges: FocusEdges, keys: RankKeys,
                 ids: pd.Index, titles: TextColumn, summaries: TextColumn) -> None:
        self.focus, self.filtered = focus, filtered
        self.neighbors, self.counts, self.degree = neighbors, counts, degree
        self.kind_codes, self.kind_names = kind_codes, kind_names
        self.edges, self.keys, self.ids = edges, keys, ids
        self.titles, self.summaries = titles, summaries

    @classmethod
    def rank(cls, graph: GraphCore, entity_id: str, *, kinds: Iterable[str] | None = None,
             relations: Iterable[str] | None = None) -> NeighborRanking:
        """Rank the typed neighbors of ``entity_id`` (of ``kinds``, by edges of ``relations``).

        Costs the entity's degree in numpy work; no row is built.
        """
        position = graph.position(entity_id)
        adjacency = graph.adjacency
        others = adjacency.neighbors_of(position)
        edge_ids = adjacency.edges_of(position)
        keep = np.ones(len(others), dtype=bool)
        if relations is not None:
            keep &= graph.relation_mask(relations, edge_ids)
        if kinds is not None:
            keep &= graph.kind_mask(kinds, others)
        if not keep.all():
            others, edge_ids = others[keep], edge_ids[keep]
        neighbors, inverse, counts = np.unique(others, return_inverse=True, return_counts=True)
        return cls(
            entity_id, filtered=kinds is not None or relations is not None,
            neighbors=neighbors, counts=counts, degree=adjacency.degree[neighbors],
            kind_codes=graph.kind_codes()[neighbors],
            kind_names=np.asarray(graph.entities["kind"].cat.categories, dtype=object),
            edges=FocusEdges.of(graph, position, edge_ids, inverse.reshape(-1)),
            keys=RankKeys.of(graph), ids=graph.ids,
            titles=graph.text_column("entities", "title"),
            summaries=graph.text_column("entities", "summary"),
        )

    def __len__(self) -> int:
        return len(self.neighbors)

    def __repr__(self) -> str:
        return f"NeighborRanking({self.focus!r}, {len(self):,} neighbors)"

    @cached_property
    def whole(self) -> pd.DataFrame:
        """Every row (:meth:`frame` without arguments), built once."""
        return self.frame()

    def frame(self, *, limit_per_kind: int | None = None, exclude: Iterable[str] = (),
              head: int | None = None) -> pd.DataFrame:
        """Rows of the ranking, as :func:`neighborhood` gives them.

        Parameters
        ----------
        limit_per_kind
            Keep the top ``limit_per_kind`` neighbors of each kind.
        exclude
            Neighbor ids to leave out (counts and groups are then without them).
        head
            Keep only the first ``head`` rows (kind by kind, each ranked).

        Returns
        -------
        pandas.DataFrame
            The columns of :func:`neighborhood`; ``attrs`` describe every neighbor not
            excluded (``n_neighbors``, ``n_edges``, ``kind_counts``), ``omitted`` how many
            of them are not rows.
        """
        rows = np.arange(len(self.neighbors))
        excluded = [self.ids.get_loc(e) for e in exclude if e in self.ids]
        if excluded:
            rows = rows[~np.isin(self.neighbors, excluded)]
        codes, counts = self.kind_codes[rows], self.counts[rows]
        group_size = np.bincount(codes, minlength=len(self.kind_names))
        group_edges = np.bincount(codes, weights=counts, minlength=len(self.kind_names))
        group_order = sorted(np.flatnonzero(group_size).tolist(), key=lambda k: (
            -group_size[k], -group_edges[k], str(self.kind_names[k])))

        chosen: list[np.ndarray] = []
        room = len(rows) if head is None else max(int(head), 0)
        for code in group_order:
            if room == 0:
                break
            members = rows[codes == code]
            want = room if limit_per_kind is None else min(room, limit_per_kind)
            ranked = members[self.keys.top(self.neighbors[members], self.counts[members], want)]
            chosen.append(ranked)
            room -= len(ranked)
        selected = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)

        frame = self._rows(selected)
        frame.attrs = {
            "focus": self.focus,
            "n_neighbors": int(len(rows)),
            "n_edges": int(counts.sum()),
            "kind_counts": {str(self.kind_names[k]): int(group_size[k]) for k in group_order},
            "omitted": int(len(rows) - len(selected)),
        }
        return frame

    def _rows(self, selected: np.ndarray) -> pd.DataFrame:
        relations_of, notes_of, directions_of = self.edges.details(selected)
        positions = self.neighbors[selected]
        return pd.DataFrame(
            {
                "id": self.ids.take(positions).to_numpy(dtype=object),
                "kind": self.kind_names[self.kind_codes[selected]],
                "title": self.titles.take(positions),
                "summary": self.summaries.take(positions),
                "relations": relations_of,
                "notes": notes_of,
                "directions": directions_of,
                "edge_count": self.counts[selected].astype(np.int64),
                "degree": self.degree[selected].astype(np.int64),
            },
            columns=NEIGHBORHOOD_COLUMNS,
        )


def neighborhood(
    graph: GraphCore,
    entity_id: str,
    *,
    kinds: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    limit_per_kind: int | None = None,
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Typed neighbors of an entity, ranked by edge count and grouped by kind.

    Edges are followed in both directions. Neighbors are ranked by the number of edges
    between them and the entity, ties broken by the neighbor's degree, then title, then id; they
    are grouped by kind, groups ordered by size (then total edges, then kind name).

    Parameters
    ----------
    graph
        The graph.
    entity_id
        The focus entity.
    kinds, relations
        Keep only neighbors of these kinds, reached by edges of these relations.
    limit_per_kind
        Keep the top ``limit_per_kind`` neighbors of each kind; the frame's
        ``attrs["kind_counts"]`` still holds every group's full size and
        ``attrs["omitted"]`` how many were left out.
    exclude
        Neighbor ids to leave out (the card leaves out the source paper).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, kind, title, summary, relations, notes, directions, edge_count,
        degree``; ``relations`` is a tuple of the distinct relations (alphabetical),
        ``notes`` the non-empty notes of those edges, ``directions`` ``"out"``, ``"in"``
        or ``"both"`` seen from the focus entity.

    Examples
    --------
    >>> from explorer import load
    >>> kg = load("data/example")
    >>> hood = neighborhood(kg, kg.find("learned features reflect").iloc[0]["id"])
    >>> hood[["kind", "edge_count"]].head(2).values.tolist()
    [['finding', 2], ['finding', 1]]
    """
    ranking = NeighborRanking.rank(graph, entity_id, kinds=kinds, relations=relations)
    return ranking.frame(limit_per_kind=limit_per_kind, exclude=exclude)


def top_per_kind(
    hood: pd.DataFrame, *, limit_per_kind: int | None = None, exclude: Iterable[str] = ()
) -> pd.DataFrame:
    """What :func:`neighborhood` gives with ``limit_per_kind`` and ``exclude``, from its full frame.

    ``hood`` is ``neighborhood(graph, entity_id, ...)`` without a limit or an exclusion (the
    same ``kinds`` and ``relations``); nothing is computed again, so the card and the table
    of one focus share one neighborhood.

    Examples
    --------
    >>> from explorer import load
    >>> kg = load("data/example")
    >>> focus = kg.find("learned features reflect").iloc[0]["id"]
    >>> full = kg.neighborhood(focus)
    >>> top_per_kind(full, limit_per_kind=1).equals(kg.neighborhood(focus, limit_per_kind=1))
    True
    """
    if hood.attrs.get("omitted"):
        raise ValueError("top_per_kind needs the full neighborhood (no limit_per_kind).")
    excluded = hood["id"].isin(list(exclude)).to_numpy()
    kinds = hood["kind"].to_numpy(dtype=object)[~excluded]
    counts = hood["edge_count"].to_numpy()[~excluded]
    rows = np.flatnonzero(~excluded)
    names, codes = np.unique(kinds.astype(str), return_inverse=True)
    group_size = np.bincount(codes, minlength=len(names))
    group_edges = np.bincount(codes, weights=counts, minlength=len(names))
    group_order = sorted(range(len(names)),
                         key=lambda k: (-group_size[k], -group_edges[k], str(names[k])))
    chosen = [rows[codes == k][:limit_per_kind] for k in group_order]  # each kind is ranked
    picked = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    if len(picked):
        frame = hood.iloc[picked].reset_index(drop=True)
    else:  # as neighborhood() builds an empty frame (its dtypes)
        none = np.zeros(0, dtype=object)
        frame = pd.DataFrame({"id": none, "kind": none, "title": none, "summary": none,
                              "relations": [], "notes": [], "directions": [],
                              "edge_count": np.zeros(0, np.int64),
                              "degree": np.zeros(0, np.int64)}, columns=NEIGHBORHOOD_COLUMNS)
    frame.attrs = {
        "focus": hood.attrs.get("focus"),
        "n_neighbors": int(len(rows)),
        "n_edges": int(counts.sum()),
        "kind_counts": {str(names[k]): int(group_size[k]) for k in group_order},
        "omitted": int(len(rows) - len(picked)),
    }
    return frame
