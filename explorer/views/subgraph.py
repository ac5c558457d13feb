"""Pick the part of the graph a neighborhood view shows: nodes and edges as two frames.

This is the step between the graph and the picture: it decides which entities are
drawn (hops out from the focus, filtered, capped at ``max_nodes`` keeping the
highest-ranked) and hands :mod:`explorer.render` plain frames. It imports no pyvis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..choices import check_int
from ..core.graph import GraphCore
from ..core.ranking import RankKeys

__all__ = ["Subgraph", "neighborhood_subgraph"]

NODE_COLUMNS = ["id", "kind", "title", "summary", "degree", "hop"]
EDGE_COLUMNS = ["source", "target", "relation", "note", "directed", "cosine"]


@dataclass
class Subgraph:
    """Nodes and edges to draw, and how many neighbors were left out."""

    focus: str
    nodes: pd.DataFrame
    edges: pd.DataFrame
    omitted: int


def neighborhood_subgraph(
    kg: GraphCore,
    entity_id: str,
    *,
    hops: int = 1,
    similar: pd.DataFrame | None = None,
    kinds: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    max_nodes: int = 150,
    max_similar: int = 10,
) -> Subgraph:
    """The entity's neighborhood out to ``hops`` typed edges, capped at ``max_nodes``.

    Neighbors at each hop are ranked by :func:`~explorer.core.ranking.rank_order` on
    the number of edges that join them to the nodes already kept (at hop 1: to the focus,
    so the graph draws exactly the top of ``kg.neighborhood``); past ``max_nodes`` the
    lowest-ranked are left out and counted in ``omitted``. ``similar`` (the frame of
    :func:`explorer.analysis.related.similar`) adds dashed links to the focus, up to
    ``max_similar``.
    """
    check_int(hops, "hops", 0)
    check_int(max_nodes, "max_nodes", 1)
    focus = kg.position(entity_id)
    adjacency = kg.adjacency
    degree = adjacency.degree
    edge_ok = kg.relation_mask(relations)
    node_ok = kg.kind_mask(kinds)

    keys = RankKeys.of(kg)
    kept = [focus]
    hop_of = {focus: 0}
    frontier = np.array([focus])
    left_out: list[np.ndarray] = []
    for hop in range(1, hops + 1):
        if len(frontier) == 0:
            break
        others, edge_ids = adjacency.around(frontier)
        mask = edge_ok[edge_ids] & node_ok[others] & ~np.isin(others, kept)
        others = others[mask]
        if len(others) == 0:
            break
        candidates, counts = np.unique(others, return_counts=True)
        room = max(max_nodes - len(kept), 0)
        best = keys.top(candidates, counts, room)  # the first `room` of the ranking
        ranked = candidates[best]
        if len(candidates) > room:
            out = np.ones(len(candidates), dtype=bool)
            out[best] = False
            left_out.append(candidates[out])
        for node in ranked:
            hop_of[int(node)] = hop
        kept.extend(int(n) for n in ranked)
        frontier = ranked

    omitted = len(np.unique(np.concatenate(left_out))) if left_out else 0
    kept_array = np.array(kept)
    edge_rows = _induced_edges(kg, kept_array, edge_ok)
    relation_names = np.asarray(kg.edges["relation"].cat.categories.astype(str), dtype=object)
    edges = pd.DataFrame(
        {
            "source": kg.ids[kg.source_codes[edge_rows]],
            "target": kg.ids[kg.target_codes[edge_rows]],
            "relation": relation_names[kg.relation_codes()[edge_rows]],
            "note": kg.text_column("edges", "note").take(edge_rows),
            "directed": True,
            "cosine": np.nan,
        },
        columns=EDGE_COLUMNS,
    )

    if similar is not None:
        if kinds is not None:
            similar = similar[node_ok[kg.ids.get_indexer(similar["id"])]]
        similar = similar.head(max_similar)
        new = [i for i in similar["id"] if kg.position(i) not in hop_of]
        for i in new:
            hop_of[kg.position(i)] = 1
        kept_array = np.concatenate([kept_array, [kg.position(i) for i in new]]).astype(int)
        links = pd.DataFrame(
            {
                "source": entity_id,
                "target": similar["id"].to_numpy(),
                "relation": "similar",
                "note": _why(similar),
                "directed": False,
                "cosine": similar["cosine"].to_numpy(dtype=float),
            },
            columns=EDGE_COLUMNS,
        )
        edges = pd.concat([edges, links], ignore_index=True) if len(links) else edges

    nodes = kg.entity_table(kept_array)  # id, kind, title, summary: then NODE_COLUMNS
    nodes["degree"] = degree[kept_array].astype(int)
    nodes["hop"] = [hop_of[int(p)] for p in kept_array]
    return Subgraph(focus=entity_id, nodes=nodes, edges=edges, omitted=omitted)


def _induced_edges(kg: GraphCore, kept: np.ndarray, edge_ok: np.ndarray) -> np.ndarray:
    """Rows of the edges whose two ends are both kept (and whose relation passes)."""
    others, edge_ids = kg.adjacency.around(kept)  # every edge end at a kept node
    inside = np.zeros(len(kg), dtype=bool)
    inside[kept] = True
    # An edge at a kept node is induced when its other end is kept too; seen from both.
    found = edge_ids[inside[others]]
    return np.unique(found[edge_ok[found]])


def _why(similar: pd.DataFrame) -> list[str]:
    """The tooltip line of each similarity link: its label and the words that differ."""
    if "label" not in similar.columns:
        return [""] * len(similar)
    differs = similar["differs"] if "differs" in similar.columns else [""] * len(similar)
    return [f"{label}" + (f" · differs: {d}" if d else "")
            for label, d in zip(similar["label"].astype(str), differs, strict=True)]
