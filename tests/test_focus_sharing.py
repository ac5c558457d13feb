"""One focus change computes its neighborhood and its similar list once, and shows the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer
from conftest import EXAMPLE
from explorer.core import neighborhood as core_neighborhood
from explorer.core.graph import GraphCore
from explorer.core.neighborhood import NeighborRanking, neighborhood, top_per_kind
from explorer.widgets.explorer import Explorer


@pytest.fixture(scope="module")
def example():
    return explorer.load(EXAMPLE)


def hubs(kg, n=4):
    return list(kg.ids[np.argsort(-kg.adjacency.degree, kind="stable")[:n]])


class Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, function):
        self.function, self.calls = function, []

    def __call__(self, *args, **kwargs):
        self.calls.append((args[1:2], kwargs))
        return self.function(*args, **kwargs)


def test_a_focus_change_computes_the_neighborhood_and_similar_once(example, monkeypatch):
    first, second = hubs(example, 2)
    ex = Explorer(example, first)
    assert ex.similarity_on  # the example is small: similarity is on, so both are shared
    hood = Counter(core_neighborhood.neighborhood)
    rank = Counter(NeighborRanking.rank.__func__)
    similar = Counter(type(example).similar)
    monkeypatch.setattr("explorer.knowledge_graph._neighborhood", hood)
    monkeypatch.setattr("explorer.views.card.neighborhood", hood)
    monkeypatch.setattr(NeighborRanking, "rank", classmethod(lambda c, *a, **k: rank(c, *a, **k)))
    monkeypatch.setattr(type(example), "similar", lambda self, *a, **k: similar(self, *a, **k))
    ex.focus(second)
    assert len(rank.calls) == 1 and len(similar.calls) == 1
    assert not hood.calls  # the card and the table take the rows they show from the ranking
    # a filter recomputes the table's ranking only; the card keeps the unfiltered one
    ex.kinds.value = list(ex.kinds.options)[:1]
    assert len(rank.calls) == 2 and len(similar.calls) == 1 and not hood.calls


def test_the_shared_panes_show_what_the_facade_gives(example):
    first, second = hubs(example, 2)
    ex = Explorer(example, first).focus(second)
    card = example.card(second, min_cosine=float(ex.min_cosine.value))
    assert ex.card_pane.value == card._repr_html_()
    pd.testing.assert_frame_equal(ex.neighborhood, example.neighborhood(second))
    page = example.graph(second, min_cosine=float(ex.min_cosine.value), height="520px")
    assert ex.graph_pane.value == page._repr_html_()


def test_a_decision_elsewhere_is_seen_at_the_next_update(tmp_path):
    import shutil

    shutil.copytree(EXAMPLE, tmp_path / "example")
    kg = explorer.load(tmp_path / "example")
    focus, *_ = hubs(kg, 1)
    ex = Explorer(kg, focus, similarity=False)
    other = next(i for i in kg.ids if i != focus and i not in set(ex.neighborhood["id"]))
    kg.accept(focus, other, "supports")
    ex.refresh()
    assert other in set(ex.neighborhood["id"])
    assert other in ex.card_pane.value


def random_graph(seed: int, n: int, m: int) -> GraphCore:
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["claim", "finding", "paper"], n)
    entities = pd.DataFrame({"id": [f"e:{i}" for i in range(n)], "kind": kinds,
                             "title": rng.choice(["A", "B", "C"], n)})
    edges = pd.DataFrame({"source": [f"e:{i}" for i in rng.integers(0, n, m)],
                          "target": [f"e:{i}" for i in rng.integers(0, n, m)],
                          "relation": rng.choice(["supports", "cites", "extracted_from"], m),
                          "note": rng.choice(["", "", "why", "because"], m)})
    return GraphCore.from_frames(entities, edges)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30), m=st.integers(0, 120),
       limit=st.one_of(st.none(), st.integers(1, 5)), n_exclude=st.integers(0, 3))
def test_top_per_kind_is_the_limited_neighborhood(seed, n, m, limit, n_exclude):
    g = random_graph(seed, n, m)
    rng = np.random.default_rng(seed + 1)
    for focus in rng.choice(g.ids, min(4, n), replace=False):
        exclude = list(rng.choice(g.ids, n_exclude))
        expected = neighborhood(g, focus, limit_per_kind=limit, exclude=exclude)
        got = top_per_kind(neighborhood(g, focus), limit_per_kind=limit, exclude=exclude)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 25), m=st.integers(0, 150))
def test_neighborhood_details_match_the_edges(seed, n, m):
    """Relations (alphabetical, distinct), notes (by relation, then edge order), direction."""
    g = random_graph(seed, n, m)
    for focus in g.ids[: min(5, n)]:
        hood = neighborhood(g, focus)
        edges = g.edges.iloc[g.adjacency.edges_of(g.position(focus))]  # in adjacency order
        for row in hood.itertuples(index=False):
            mine = edges[((edges["source"] == focus) & (edges["target"] == row.id))
                         | ((edges["target"] == focus) & (edges["source"] == row.id))]
            rel = mine["relation"].astype(str).tolist()
            assert row.relations == tuple(sorted(set(rel)))
            pairs = sorted(zip(rel, mine["note"].tolist(), strict=True), key=lambda p: p[0])
            # (a self-loop is one edge end: seen once)
            assert row.notes == tuple(note for _, note in pairs if note)
            out = (mine["source"] == focus).any()
            into = (mine["target"] == focus).any()
            assert row.directions == ("both" if out and into else "out" if out else "in")
            assert row.edge_count == len(mine)


def test_the_graph_page_escapes_like_before(example):
    import html

    page = example.graph(hubs(example, 1)[0], include_similar=False)
    assert page._repr_html_().startswith(f'<iframe srcdoc="{html.escape(page.html(), quote=True)}"')
