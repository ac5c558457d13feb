"""A focus change at scale ranks as before: Arrow's multi-key sort is numpy's lexsort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import explorer
from explorer.core.graph import GraphCore
from explorer.core.neighborhood import neighborhood, rank_order


def lexsort_order(graph: GraphCore, positions: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ranking as it was defined before (numpy strings, one lexsort)."""
    degree = graph.adjacency.degree[positions].astype(np.int64)
    titles = graph.entities["title"].to_numpy(dtype=object)[positions].astype(str)
    ids = graph.entities["id"].to_numpy(dtype=object)[positions].astype(str)
    return np.lexsort((ids, titles, -degree, -np.asarray(counts, np.int64)))


def tied_graph(string_dtype: str) -> GraphCore:
    """Many ties: few titles (some non-ASCII), a hub joined to everyone, few degrees."""
    rng = np.random.default_rng(42)
    n = 400
    words = np.array(["alpha", "Alpha", "beta", "ßeta", "éclair", "zeta", "a b"])
    entities = pd.DataFrame({
        "id": pd.array([f"e:{i:03d}" for i in rng.permutation(n)], dtype=string_dtype),
        "kind": rng.choice(["claim", "finding"], n),
        "title": pd.array(words[rng.integers(0, len(words), n)], dtype=string_dtype),
    })
    ids = entities["id"].astype(str).to_numpy()
    hub = np.repeat(ids[0], n - 1)
    extra = rng.integers(1, n, 300)
    sources = np.concatenate([hub, ids[extra], ids[extra[:100]]])
    targets = np.concatenate([ids[1:], ids[rng.integers(1, n, 300)], hub[:100]])
    edges = pd.DataFrame({"source": sources, "target": targets,
                          "relation": rng.choice(["supports", "refutes"], len(sources))})
    return GraphCore.from_frames(entities, edges)


@pytest.mark.parametrize("as_objects", [False, True])
def test_rank_order_is_the_lexsort_it_replaced(as_objects):
    graph = tied_graph("string[pyarrow]")
    if as_objects:  # frames given with Python strings (not Arrow): converted once
        graph.entities = graph.entities.astype({"id": object, "title": object})
        graph._arrays = {}
    rng = np.random.default_rng(0)
    for _ in range(20):
        positions = rng.choice(len(graph), size=int(rng.integers(0, 200)), replace=False)
        counts = rng.integers(1, 3, len(positions))
        assert rank_order(graph, positions, counts).tolist() == \
            lexsort_order(graph, positions, counts).tolist()


def test_the_hub_neighbors_rank_by_count_degree_title_id():
    graph = tied_graph("string[pyarrow]")
    hood = neighborhood(graph, graph.ids[0])
    for _kind, group in hood.groupby("kind", sort=False):
        keys = list(zip(-group["edge_count"], -group["degree"], group["title"].astype(str),
                        group["id"].astype(str), strict=True))
        assert keys == sorted(keys)


def test_the_explorer_table_lists_the_neighborhood_head():
    from explorer.widgets.explorer import Explorer

    kg = explorer.load("data/example")
    focus = kg.find("learned features reflect").iloc[0]["id"]
    ex = Explorer(kg, focus, table_rows=2)
    assert ex.neighborhood.equals(kg.neighborhood(focus))
    picked = [value for _label, value in ex.neighbor_picker.options[1:]]
    assert picked == kg.neighborhood(focus)["id"].head(2).tolist()
