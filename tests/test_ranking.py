"""One ranking: the neighbors the graph view draws are exactly the top of the neighborhood."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_graph import KINDS, RELATIONS, random_graph

from explorer import KnowledgeGraph
from explorer.views.subgraph import neighborhood_subgraph


def top_of_neighborhood(kg, focus, count, kinds=None, relations=None):
    hood = kg.neighborhood(focus, kinds=kinds, relations=relations)
    hood = hood[hood["id"] != focus]  # a self-loop is drawn on the focus, not as a neighbor
    ranked = hood.sort_values(
        ["edge_count", "degree", "title", "id"], ascending=[False, False, True, True],
        kind="stable",
    )
    return ranked["id"].head(count).tolist()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000), n=st.integers(2, 30), m=st.integers(0, 90),
    max_nodes=st.integers(1, 12),
    kinds=st.none() | st.lists(st.sampled_from(KINDS), min_size=1, unique=True),
    relations=st.none() | st.lists(st.sampled_from(RELATIONS), min_size=1, unique=True),
)
def test_graph_draws_the_top_of_the_neighborhood(seed, n, m, max_nodes, kinds, relations):
    entities, edges = random_graph(seed, n, m)
    kg = KnowledgeGraph.from_frames(entities, edges)
    focus = kg.ids[seed % n]
    part = neighborhood_subgraph(kg, focus, hops=1, kinds=kinds, relations=relations,
                                 max_nodes=max_nodes)
    drawn = part.nodes.loc[part.nodes["hop"] == 1, "id"].tolist()
    assert drawn == top_of_neighborhood(kg, focus, max_nodes - 1, kinds, relations)
    # and the page drawn by the public call holds the same nodes
    page = kg.graph(focus, hops=1, include_similar=False, kinds=kinds, relations=relations,
                    max_nodes=max_nodes)
    assert [node["id"] for node in page.nodes] == [focus, *drawn]


def test_ties_broken_by_title_then_id_in_both_views():
    # Four one-edge neighbors whose ids and titles sort differently (the reported case).
    entities = pd.DataFrame({
        "id": ["f", "z1", "y2", "x3", "w4"], "kind": "claim",
        "title": ["Focus", "Alpha", "Beta", "Delta", "Gamma"],
    })
    edges = pd.DataFrame({"source": "f", "target": ["z1", "y2", "x3", "w4"],
                          "relation": "supports"})
    kg = KnowledgeGraph.from_frames(entities, edges)
    assert kg.neighborhood("f")["title"].tolist() == ["Alpha", "Beta", "Delta", "Gamma"]
    page = kg.graph("f", include_similar=False, max_nodes=3)
    assert [node["label"] for node in page.nodes] == ["Focus", "Alpha", "Beta"]
