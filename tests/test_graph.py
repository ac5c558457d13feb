"""Neighborhoods from the adjacency agree with plain pandas on random graphs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import KnowledgeGraph, UnknownEntityError
from explorer.core.adjacency import Adjacency

KINDS = ["claim", "finding", "method", "paper"]
RELATIONS = ["supports", "associated_with", "extracted_from", "cites"]


def random_graph(seed: int, n: int, m: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    entities = pd.DataFrame(
        {
            "id": [f"e:{i}" for i in range(n)],
            "kind": rng.choice(KINDS, n),
            "title": [f"title {rng.integers(0, n // 2 + 1)}" for _ in range(n)],
        }
    )
    edges = pd.DataFrame(
        {
            "source": [f"e:{i}" for i in rng.integers(0, n, m)],
            "target": [f"e:{i}" for i in rng.integers(0, n, m)],
            "relation": rng.choice(RELATIONS, m),
            "note": rng.choice(["", "a note", "another"], m),
        }
    )
    return entities, edges


def pandas_neighborhood(entities, edges, focus):
    """What a user would write: filter the edge table, count, sort."""
    out = edges[edges["source"] == focus].assign(other=lambda d: d["target"])
    inc = edges[(edges["target"] == focus) & (edges["source"] != focus)]
    both = pd.concat([out, inc.assign(other=inc["source"])])
    counts = both.groupby("other").size().rename("edge_count")
    ends = pd.concat([edges["source"], edges["target"].where(edges["source"] != edges["target"])])
    degree = ends.value_counts().rename("degree")
    table = (
        counts.to_frame().join(degree).join(entities.set_index("id")[["kind", "title"]])
        .reset_index(names="id")
    )
    sizes = table.groupby("kind")["id"].transform("size")
    totals = table.groupby("kind")["edge_count"].transform("sum")
    table = table.assign(size=-sizes, total=-totals, ec=-table["edge_count"], dg=-table["degree"])
    return table.sort_values(["size", "total", "kind", "ec", "dg", "title", "id"], kind="stable")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), m=st.integers(0, 120))
def test_neighborhood_equals_the_pandas_answer(seed, n, m):
    entities, edges = random_graph(seed, n, m)
    kg = KnowledgeGraph.from_frames(entities, edges)
    for focus in entities["id"].sample(min(n, 5), random_state=seed):
        ours = kg.neighborhood(focus)
        expected = pandas_neighborhood(entities, edges, focus)
        assert ours["id"].tolist() == expected["id"].tolist()
        assert ours["edge_count"].tolist() == expected["edge_count"].tolist()
        assert ours["degree"].tolist() == expected["degree"].tolist()
        assert ours.attrs["n_edges"] == int(((edges["source"] == focus) |
                                            (edges["target"] == focus)).sum())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), m=st.integers(0, 80))
def test_adjacency_degree_counts_every_edge_end(seed, n, m):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    adjacency = Adjacency.from_codes(src, dst, n)
    loops = src == dst
    expected = np.bincount(src, minlength=n) + np.bincount(dst[~loops], minlength=n)
    assert adjacency.degree.tolist() == expected.tolist()
    for node in range(n):
        edge_rows = set(adjacency.edges_of(node).tolist())
        assert edge_rows == set(np.flatnonzero((src == node) | (dst == node)).tolist())


def test_filters_and_limits(tiny_kg):
    hood = tiny_kg.neighborhood("c:1", kinds=["finding"])
    assert set(hood["kind"]) == {"finding"} and len(hood) == 2
    hood = tiny_kg.neighborhood("c:1", relations=["extracted_from"])
    assert hood["id"].tolist() == ["p:1"]
    hood = tiny_kg.neighborhood("c:1", limit_per_kind=1)
    assert hood.attrs["kind_counts"] == {"finding": 2, "method": 1, "paper": 1}
    assert hood.attrs["omitted"] == 1 and hood["id"].tolist()[0] == "f:1"
    first = hood.iloc[0]
    assert first["relations"] == ("associated_with", "supports") and first["notes"] == ("why",)
    assert first["directions"] == "in"


def test_find_is_typo_tolerant_and_ranks_exact_ids_first(tiny_kg):
    assert tiny_kg.find("f:2").iloc[0]["id"] == "f:2"
    assert tiny_kg.find("shufled wieghts").iloc[0]["id"] == "f:2"
    assert tiny_kg.find("LOGIT").iloc[0]["id"] == "m:1"
    assert tiny_kg.find("").empty


def test_unknown_id_in_neighborhood(tiny_kg):
    with pytest.raises(UnknownEntityError, match="Did you mean"):
        tiny_kg.neighborhood("c:3")


def test_sources_give_year_and_authors(tiny_kg):
    sources = tiny_kg.sources("c:1")
    assert sources["id"].tolist() == ["p:1"] and int(sources["year"].iloc[0]) == 2023


def test_a_search_before_the_index_is_built_is_a_quick_scan_then_typo_tolerant(monkeypatch):
    import explorer
    from explorer.core import search

    monkeypatch.setattr(search, "QUICK_ABOVE", 0)  # as on a graph of a million titles
    kg = explorer.load("data/example")
    first = kg.find("logit weight analysis")
    assert first.iloc[0]["title"] == "Logit Weight Analysis"
    assert first.iloc[0]["match"] in {"quick", "id"}
    index = kg._title_index
    index._thread.join(timeout=60)
    assert index.ready
    typo = kg.find("logit weight analisys")  # needs the word index: a typo
    assert typo.iloc[0]["title"] == "Logit Weight Analysis" and typo.iloc[0]["match"] != "quick"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), min_size=1, max_size=40),
       st.data())
def test_a_text_column_reads_the_rows_asked_for_as_the_whole_column_would(values, data):
    from explorer.core.text_column import TextColumn

    for dtype in ("str", object):
        series = pd.Series(values, dtype=dtype)
        positions = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=30)),
                             dtype=np.int64)
        got = TextColumn(series).take(positions)
        want = series.to_numpy(dtype=object)[positions]
        assert got.dtype == object and len(got) == len(positions)
        assert [None if pd.isna(v) else v for v in got] == \
            [None if pd.isna(v) else v for v in want]


def test_a_text_column_keeps_the_values_of_the_frame_it_was_made_from(tiny_kg):
    column = tiny_kg.text_column("entities", "title")
    before = column.take(np.arange(len(column)))
    tiny_kg.entities = tiny_kg.entities.assign(title="renamed")
    assert column.take(np.arange(len(column))).tolist() == before.tolist() != ["renamed"]
    assert set(tiny_kg.text_column("entities", "title").take([0, 1])) == {"renamed"}
