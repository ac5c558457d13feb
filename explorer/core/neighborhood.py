"""Neighborhoods: an entity's typed neighbors, and the one ranking every view uses.

:func:`rank_order` is the single definition of "most connected first" (edge count, then
degree, then title, then id); the card, the neighbor table and the graph view all rank
through it, so they never disagree about who comes first.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .graph import NEIGHBORHOOD_COLUMNS, GraphCore

__all__ = ["neighborhood", "rank_order", "top_per_kind"]


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
    >>> from explorer.core.graph import GraphCore
    >>> g = GraphCore.from_frames(
    ...     pd.DataFrame({"id": ["f", "b", "a"], "kind": "claim", "title": ["F", "Beta", "Alpha"]}),
    ...     pd.DataFrame({"source": ["f", "f"], "target": ["b", "a"], "relation": "supports"}))
    >>> rank_order(g, np.array([1, 2]), np.array([1, 1])).tolist()
    [1, 0]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    positions = np.asarray(positions, dtype=np.int64)
    if len(positions) < 2:
        return np.arange(len(positions))
    degree = graph.adjacency.degree[positions].astype(np.int64)
    taken = pa.array(positions)
    # Arrow sorts by several keys and compares strings only on ties (UTF-8 byte order is
    # code point order, as numpy's); it is stable.
    table = pa.table({"count": -np.asarray(edge_counts, np.int64), "degree": -degree,
                      "title": _arrow_strings(graph, "title").take(taken),
                      "id": _arrow_strings(graph, "id").take(taken)})
    keys = [(name, "ascending") for name in ("count", "degree", "title", "id")]
    return np.asarray(pc.sort_indices(table, sort_keys=keys), dtype=np.int64)


def _arrow_strings(graph: GraphCore, name: str) -> object:
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
    position = graph.position(entity_id)
    adjacency = graph.adjacency
    others = adjacency.neighbors_of(position)
    edge_ids = adjacency.edges_of(position)
    keep = np.ones(len(others), dtype=bool)
    if relations is not None:
        keep &= graph.relation_mask(relations, edge_ids)
    if kinds is not None:
        keep &= graph.kind_mask(kinds, others)
    excluded = [graph.ids.get_loc(e) for e in exclude if e in graph]
    if excluded:
        keep &= ~np.isin(others, excluded)
    if not keep.all():
        others, edge_ids = others[keep], edge_ids[keep]

    neighbors, inverse, counts = np.unique(others, return_inverse=True, return_counts=True)
    degree = adjacency.degree[neighbors]
    kind_codes = graph.kind_codes()[neighbors]
    kind_names = np.asarray(graph.entities["kind"].cat.categories, dtype=object)
    group_size = np.bincount(kind_codes, minlength=len(kind_names))
    group_edges = np.bincount(kind_codes, weights=counts, minlength=len(kind_names))
    present = np.flatnonzero(group_size)
    group_order = sorted(
        present, key=lambda k: (-group_size[k], -group_edges[k], str(kind_names[k]))
    )

    titles = graph.column_array("entities", "title")
    chosen: list[np.ndarray] = []
    omitted = 0
    for code in group_order:
        members = np.flatnonzero(kind_codes == code)
        if limit_per_kind is not None and len(members) > limit_per_kind:
            key = counts[members].astype(np.int64) * (int(degree.max()) + 1) + degree[members]
            cut = np.partition(key, len(key) - limit_per_kind)[len(key) - limit_per_kind]
            members = members[key >= cut]
        ranked = members[rank_order(graph, neighbors[members], counts[members])]
        if limit_per_kind is not None and len(ranked) > limit_per_kind:
            ranked = ranked[:limit_per_kind]
        omitted += int(group_size[code]) - len(ranked)
        chosen.append(ranked)
    selected = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)

    relations_of, notes_of, directions_of = _edge_details(graph,
        position, selected, inverse, edge_ids
    )
    rows = neighbors[selected]
    frame = pd.DataFrame(
        {
            "id": graph.column_array("entities", "id")[rows],
            "kind": kind_names[kind_codes[selected]],
            "title": titles[rows],
            "summary": graph.column_array("entities", "summary")[rows],
            "relations": relations_of,
            "notes": notes_of,
            "directions": directions_of,
            "edge_count": counts[selected].astype(np.int64),
            "degree": degree[selected].astype(np.int64),
        },
        columns=NEIGHBORHOOD_COLUMNS,
    )
    frame.attrs = {
        "focus": entity_id,
        "n_neighbors": int(len(neighbors)),
        "n_edges": int(len(edge_ids)),
        "kind_counts": {str(kind_names[k]): int(group_size[k]) for k in group_order},
        "omitted": omitted,
    }
    return frame

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


def _edge_details(
    graph: GraphCore,
    position: int,
    selected: np.ndarray,
    inverse: np.ndarray,
    edge_ids: np.ndarray,
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[str]]:
    """Relations, notes and directions of the edges to each selected neighbor.

    Vectorised: one sort of the edges by (neighbor, relation name), edge order kept within;
    Python only builds the tuples (one per neighbor, shared when empty).
    """
    if len(selected) == 0:
        return [], [], []
    wanted = np.isin(inverse, selected)
    group, edges = inverse[wanted], edge_ids[wanted]
    relation_names = np.asarray(graph.edges["relation"].cat.categories, dtype=object)
    name_rank = np.argsort(np.argsort(relation_names.astype(str), kind="stable"))
    relation_codes = graph.relation_codes()[edges]
    order = np.lexsort((name_rank[relation_codes], group))  # stable: edge order kept
    group, edges, relation_codes = group[order], edges[order], relation_codes[order]
    starts = np.searchsorted(group, selected, side="left")
    ends = np.searchsorted(group, selected, side="right")

    first = np.ones(len(group), dtype=bool)  # the first edge of each (neighbor, relation)
    first[1:] = (group[1:] != group[:-1]) | (relation_codes[1:] != relation_codes[:-1])
    distinct = np.cumsum(first) - 1  # index of each edge's (neighbor, relation) pair
    names = [str(r) for r in relation_names[relation_codes[first]]]
    low, high = distinct[starts], distinct[ends - 1] + 1
    relations_of = [tuple(names[a:b]) for a, b in zip(low.tolist(), high.tolist(), strict=True)]

    notes = graph.column_array("edges", "note")[edges]
    has_note = np.fromiter((isinstance(n, str) and n != "" for n in notes), dtype=bool,
                           count=len(notes))
    if has_note.any():
        kept = [str(n) for n in notes[has_note]]
        before = np.concatenate([[0], np.cumsum(has_note)])
        notes_of = [tuple(kept[a:b]) for a, b in
                    zip(before[starts].tolist(), before[ends].tolist(), strict=True)]
    else:
        notes_of = [()] * len(selected)

    n = int(inverse.max()) + 1
    out = np.bincount(group, weights=graph.source_codes[edges] == position, minlength=n) > 0
    into = np.bincount(group, weights=graph.target_codes[edges] == position, minlength=n) > 0
    out, into = out[selected], into[selected]
    directions_of = np.where(out & into, "both", np.where(out, "out", "in")).tolist()
    return relations_of, notes_of, directions_of
