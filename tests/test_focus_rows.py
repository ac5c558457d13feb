"""A focus change builds only the rows it shows, and they are the full computation's first rows.

The Explorer ranks a hub's neighbors once (``NeighborRanking``) and builds the details of the
card's top of each kind and the table's first page only; the graph ranks only what it can
draw (``RankKeys.top``). Each is checked here against the full computation: every neighbor
ranked and built, then cut, on hubs with thousands of neighbors and many ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import KnowledgeGraph
from explorer.core.neighborhood import NeighborRanking, neighborhood, rank_order, top_per_kind
from explorer.core.ranking import RankKeys
from explorer.views.subgraph import neighborhood_subgraph
from explorer.widgets import panes
from explorer.widgets.explorer import Explorer

KINDS = ["claim", "finding", "paper", "method"]
RELATIONS = ["supports", "refutes", "extracted_from", "cites"]


def hub_graph(seed: int, n: int = 2_500, spokes: int = 2_000) -> KnowledgeGraph:
    """A hub joined to most entities (some several times), few titles and degrees: ties."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"e:{i:05d}" for i in rng.permutation(n)])
    entities = pd.DataFrame({"id": ids, "kind": rng.choice(KINDS, n, p=[.5, .3, .15, .05]),
                             "title": rng.choice(["Alpha", "alpha", "Beta", "ßeta", "Z"], n)})
    spoke = rng.choice(ids[1:], spokes, replace=False)
    again = rng.choice(spoke, spokes // 4)  # multi-edges: edge counts 1 to 3
    ends = np.concatenate([spoke, again, again[: spokes // 10], [ids[0]]])  # and a self-loop
    out = rng.random(len(ends)) < 0.5
    others = rng.choice(ids[1:], 3 * n)  # the rest of the graph: degrees differ a little
    sources = np.concatenate([np.where(out, ids[0], ends), others[::2]])
    targets = np.concatenate([np.where(out, ends, ids[0]), others[1::2]])
    edges = pd.DataFrame({"source": sources, "target": targets,
                          "relation": rng.choice(RELATIONS, len(sources)),
                          "note": rng.choice(["", "", "", "why", "because <b>"], len(sources))})
    return KnowledgeGraph.from_frames(entities, edges)


@pytest.fixture(scope="module")
def hub():
    return hub_graph(0)


def test_rank_keys_top_is_the_head_of_the_order():
    kg = hub_graph(1)
    keys = RankKeys.of(kg)
    rng = np.random.default_rng(0)
    for _ in range(30):
        positions = rng.choice(len(kg), size=int(rng.integers(0, 1_500)), replace=False)
        counts = rng.integers(1, 4, len(positions))
        full = rank_order(kg, positions, counts)
        for k in (0, 1, 7, 100, len(positions) // 2, len(positions), len(positions) + 3):
            assert keys.top(positions, counts, k).tolist() == full[:k].tolist()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), head=st.integers(1, 300),
       limit=st.none() | st.integers(1, 40), n_exclude=st.integers(0, 5),
       kinds=st.none() | st.lists(st.sampled_from(KINDS), min_size=1, unique=True),
       relations=st.none() | st.lists(st.sampled_from(RELATIONS), min_size=1, unique=True))
def test_the_rows_built_are_the_first_rows_of_the_full_neighborhood(
        seed, head, limit, n_exclude, kinds, relations):
    kg = hub_graph(seed % 7, n=600, spokes=450)
    focus = kg.ids[np.argmax(kg.adjacency.degree)]
    full = neighborhood(kg, focus, kinds=kinds, relations=relations)
    ranking = NeighborRanking.rank(kg, focus, kinds=kinds, relations=relations)
    assert len(ranking) == len(full)
    pd.testing.assert_frame_equal(ranking.frame(), full)
    first = ranking.frame(head=head)  # the table's page, details built for these rows only
    pd.testing.assert_frame_equal(first, full.head(head))
    assert {k: first.attrs[k] for k in ("n_neighbors", "n_edges", "kind_counts")} == \
        {k: full.attrs[k] for k in ("n_neighbors", "n_edges", "kind_counts")}
    rng = np.random.default_rng(seed)
    exclude = list(rng.choice(full["id"], min(n_exclude, len(full)), replace=False))
    carded = ranking.frame(limit_per_kind=limit, exclude=exclude)  # what the card lists
    expected = top_per_kind(full, limit_per_kind=limit, exclude=exclude)
    pd.testing.assert_frame_equal(carded, expected)
    assert carded.attrs == expected.attrs


def reference_subgraph_ids(kg, focus, max_nodes):
    """Hop 1 as it was computed before: every candidate ranked, then cut."""
    position = kg.position(focus)
    others = kg.adjacency.neighbors_of(position)
    candidates, counts = np.unique(others[others != position], return_counts=True)
    ranked = candidates[rank_order(kg, candidates, counts)]
    return [focus, *kg.ids[ranked[: max_nodes - 1]]], max(len(ranked) - (max_nodes - 1), 0)


@pytest.mark.parametrize("max_nodes", [1, 2, 40, 150, 5_000])
def test_the_graph_draws_the_top_of_the_full_ranking(hub, max_nodes):
    focus = hub.ids[np.argmax(hub.adjacency.degree)]
    part = neighborhood_subgraph(hub, focus, max_nodes=max_nodes)
    ids, omitted = reference_subgraph_ids(hub, focus, max_nodes)
    assert part.nodes["id"].tolist() == ids
    assert part.omitted == omitted


def test_the_explorer_shows_the_full_computation_s_first_rows(hub):
    focus = hub.ids[np.argmax(hub.adjacency.degree)]
    ex = Explorer(hub, focus, similarity=False, table_rows=60)
    full = hub.neighborhood(focus)
    assert len(full) > 1_000
    assert ex.neighbor_table.value == panes.table_html(full, 60)
    assert [v for _label, v in ex.neighbor_picker.options[1:]] == full["id"].head(60).tolist()
    card = hub.card(focus, similar=False, neighborhood=full)  # the card cut from every row
    assert ex.card_pane.value.split("Related by similarity")[0] == \
        card._repr_html_().split("Related by similarity")[0]
    assert f"{len(full):,} typed neighbors" in ex.status.value
    pd.testing.assert_frame_equal(ex.neighborhood, full)
    ex.kinds.value = ("finding", "method")
    filtered = hub.neighborhood(focus, kinds=["finding", "method"])
    assert ex.neighbor_table.value == panes.table_html(filtered, 60)
    pd.testing.assert_frame_equal(ex.neighborhood, filtered)


def test_a_ranking_keeps_the_rows_of_the_graph_it_was_ranked_on(tmp_path):
    import shutil

    from conftest import EXAMPLE

    shutil.copytree(EXAMPLE, tmp_path / "example")
    import explorer

    kg = explorer.load(tmp_path / "example")
    focus = kg.ids[np.argmax(kg.adjacency.degree)]
    ranking = NeighborRanking.rank(kg, focus)
    before = kg.neighborhood(focus)
    other = next(i for i in kg.ids if i != focus and i not in set(before["id"]))
    kg.accept(focus, other, "supports")
    pd.testing.assert_frame_equal(ranking.frame(), before)
    assert other in set(NeighborRanking.rank(kg, focus).frame()["id"])


def test_the_card_refuses_a_filtered_or_foreign_ranking(hub):
    from explorer.errors import ParameterError

    focus, other = hub.ids[np.argmax(hub.adjacency.degree)], hub.ids[1]
    for wrong in (NeighborRanking.rank(hub, focus, kinds=["claim"]),
                  NeighborRanking.rank(hub, other)):
        with pytest.raises(ParameterError, match="unfiltered ranking"):
            hub.card(focus, similar=False, neighborhood=wrong)
