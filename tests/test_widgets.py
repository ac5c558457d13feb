"""The Explorer widget, tested by constructing it and driving its controls (no browser)."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import statistics
import time

import ipywidgets as widgets
import pandas as pd
import pytest

import explorer
from conftest import EXAMPLE
from explorer import KnowledgeGraph, ParameterError, UnknownEntityError
from explorer.testing.synth import synthesize
from explorer.widgets import controls, panes
from explorer.widgets.explorer import LARGE_GRAPH, Explorer, show_graph

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__pwned=1</script>"
SRCDOC = re.compile(r'srcdoc="([^"]*)"')
NODES = re.compile(r"var nodes = new vis\.DataSet\((\[.*?\])\);", re.S)


@pytest.fixture(scope="module")
def example_kg():
    return explorer.load(EXAMPLE)


@pytest.fixture(scope="module")
def claim(example_kg):
    return example_kg.find("learned features reflect").iloc[0]["id"]


@pytest.fixture
def ex(example_kg, claim):
    return Explorer(example_kg, claim)


@pytest.fixture(scope="module")
def hostile_kg():
    """A tiny in-memory graph whose every text field is hostile HTML."""
    entities = pd.DataFrame(
        {
            "id": ["c:1", "p:1", "c:2", "f:1"],
            "kind": ["claim", "paper", "claim", "finding"],
            "title": [IMG, f"paper {SCRIPT}", "Another claim on features", f"finding {IMG}"],
            "summary": [SCRIPT, IMG, "", ""],
        }
    )
    edges = pd.DataFrame(
        {
            "source": ["c:1", "c:2", "f:1", "f:1"],
            "target": ["p:1", "p:1", "c:1", "c:2"],
            "relation": ["extracted_from", "extracted_from", "supports", "supports"],
            "note": [IMG, "", SCRIPT, ""],
        }
    )
    return KnowledgeGraph.from_frames(entities, edges).set_embedder("tfidf")


def graph_nodes(pane_html: str) -> list[dict]:
    """The vis nodes inside an ``<iframe srcdoc>`` pane, read back from its HTML."""
    match = SRCDOC.search(pane_html)
    assert match, "the graph pane holds no iframe srcdoc"
    page = html.unescape(match.group(1))
    data = NODES.search(page)
    assert data, "no node data in the graph page"
    return json.loads(data.group(1))


def html_values(widget) -> list[str]:
    """Every ``HTML`` widget value in the tree under ``widget``."""
    found = []
    if isinstance(widget, widgets.HTML):
        found.append(widget.value)
    for child in getattr(widget, "children", ()):
        found.extend(html_values(child))
    return found


# ---------------------------------------------------------------------------- building


def test_constructs_with_every_pane_filled(ex, example_kg, claim):
    assert isinstance(ex, widgets.VBox)
    assert "claim-explorer" in ex._dom_classes
    assert ex.current == claim
    assert ex.history == ()
    assert ex.back_button.disabled
    assert "<iframe srcdoc=" in ex.graph_pane.value
    assert len(graph_nodes(ex.graph_pane.value)) == ex.graph.n_nodes > 1
    assert example_kg.entity(claim)["title"] in html.unescape(ex.card_pane.value)
    hood = example_kg.neighborhood(claim)
    assert f"{len(hood)} typed neighbors" in ex.neighbor_table.value
    assert f"{ex.graph.n_nodes} nodes" in ex.status.value
    # The picker lists every neighbor after its placeholder, and selects nothing.
    assert [v for _, v in ex.neighbor_picker.options[1:]] == hood["id"].tolist()
    assert ex.neighbor_picker.value == ""


def test_defaults_of_the_controls(ex, example_kg):
    assert (ex.hops.min, ex.hops.max, ex.hops.value) == (0, 3, 1)
    assert (ex.min_cosine.min, ex.min_cosine.max, ex.min_cosine.step) == (-1.0, 1.0, 0.01)
    assert ex.min_cosine.value == pytest.approx(example_kg.default_min_cosine)
    assert ex.search.continuous_update
    assert set(ex.kinds.value) == set(example_kg.entities["kind"].cat.categories)
    assert set(ex.relations.value) == set(example_kg.edges["relation"].cat.categories)
    assert ex.include_similar.value is True


def test_without_an_entity_it_waits_for_a_search(example_kg):
    ex = Explorer(example_kg)
    assert ex.current is None and ex.graph is None
    assert "16 entities" in ex.status.value
    ex.hops.value = 2  # no focus yet: nothing to redraw, no error
    assert ex.graph is None
    assert ex.back() is None


def test_unknown_id_raises_with_suggestions(ex):
    with pytest.raises(UnknownEntityError):
        ex.focus("method:logit-weight-analisys")


# ---------------------------------------------------------------------------- search


def test_typing_fills_the_matches_typo_tolerant(ex):
    ex.search.value = "logit weight analisys"
    ids = [value for _, value in ex.matches.options]
    assert ids[0] == "method:logit-weight-analysis"
    assert "Logit Weight Analysis" in ex.matches.options[0][0]
    assert ex.matches.value is None  # nothing picked yet
    assert "match" in ex.match_note.value


def test_short_or_unmatched_text_clears_the_matches(ex):
    ex.search.value = "logit"
    assert ex.matches.options
    ex.search.value = "l"
    assert ex.matches.options == ()
    ex.search.value = "zzzzqqqqxxxx"
    assert ex.matches.options == ()
    assert "No match" in ex.match_note.value


def test_choosing_a_match_focuses_it(ex, claim):
    ex.search.value = "pinned feature sampling"
    target = ex.matches.options[0][1]
    ex.matches.value = target
    assert ex.current == target
    assert ex.history == (claim,)
    assert ex.graph.focus == target
    assert not ex.back_button.disabled


def test_searching_does_not_redraw(ex):
    graph, card = ex.graph, ex.card_pane.value
    ex.search.value = "dictionary learning"
    assert ex.graph is graph and ex.card_pane.value == card


def test_search_is_debounced_when_an_event_loop_runs(example_kg, claim, monkeypatch):
    ex = Explorer(example_kg, claim, search_delay=0.05)
    calls = []
    find = example_kg.find

    def counting_find(text, limit=10):
        calls.append(text)
        return find(text, limit=limit)

    monkeypatch.setattr(example_kg, "find", counting_find)

    async def type_fast():
        for text in ("lo", "log", "logi", "logit weight"):
            ex.search.value = text
        assert calls == []  # nothing searched while typing
        await asyncio.sleep(0.5)

    asyncio.run(type_fast())
    assert calls == ["logit weight"]
    assert ex.matches.options[0][1] == "method:logit-weight-analysis"


# ------------------------------------------------------------------ graph controls


def test_hops_slider_changes_the_graph_pane(example_kg):
    finding = example_kg.find("randomly shuffled weights").iloc[0]["id"]
    ex = Explorer(example_kg, finding, include_similar=False)
    one = len(graph_nodes(ex.graph_pane.value))
    ex.hops.value = 2
    two = len(graph_nodes(ex.graph_pane.value))
    assert two > one
    assert two == ex.graph.n_nodes
    assert f"{two} nodes" in ex.status.value
    ex.hops.value = 0
    hop_of = {node["id"]: node["hop"] for node in graph_nodes(ex.graph_pane.value)}
    assert set(hop_of.values()) <= {0, 1}  # the focus, plus similar entities at most


def test_graph_controls_leave_the_card_alone(ex):
    card = ex.card_pane.value
    ex.hops.value = 2
    ex.max_nodes.value = 3
    assert ex.card_pane.value == card


def test_max_nodes_caps_the_graph_and_the_status_says_so(ex):
    ex.hops.value = 2
    ex.include_similar.value = False
    full = ex.graph.n_nodes
    ex.max_nodes.value = 3
    assert ex.graph.n_nodes == 3 < full
    assert ex.graph.omitted > 0
    assert f"{ex.graph.omitted} neighbors left out" in ex.status.value
    ex.max_nodes.value = 150
    assert ex.graph.n_nodes == full
    assert "left out" not in ex.status.value


def test_status_counts_each_left_out_neighbor_once(ex):
    ex.hops.value = 2
    ex.include_similar.value = False
    full = ex.graph.n_nodes
    ex.max_nodes.value = 3
    assert ex.graph.omitted == full - 3


def test_include_similar_and_threshold_change_the_graph(ex):
    with_similar = {n["id"] for n in graph_nodes(ex.graph_pane.value)}
    ex.include_similar.value = False
    without = {n["id"] for n in graph_nodes(ex.graph_pane.value)}
    assert without < with_similar
    ex.include_similar.value = True
    card = ex.card_pane.value
    ex.min_cosine.value = 0.99
    assert {n["id"] for n in graph_nodes(ex.graph_pane.value)} == without
    assert ex.card_pane.value != card  # the card's similar section follows the threshold


def test_filters_reduce_the_neighborhood(ex, example_kg, claim):
    everyone = len(ex.neighborhood)
    ex.kinds.value = ("finding",)
    assert 0 < len(ex.neighborhood) < everyone
    assert set(ex.neighborhood["kind"]) == {"finding"}
    assert {n["kind"] for n in graph_nodes(ex.graph_pane.value)} == {"claim", "finding"}
    assert f"{len(ex.neighborhood)} typed neighbor" in ex.neighbor_table.value
    ex.kinds.value = tuple(ex.kinds.options)
    assert len(ex.neighborhood) == everyone
    ex.relations.value = ("supports",)
    assert set().union(*ex.neighborhood["relations"]) == {"supports"}
    assert len(ex.neighborhood) == len(example_kg.neighborhood(claim, relations=["supports"]))
    ex.relations.value = ()
    assert len(ex.neighborhood) == 0
    assert "No typed neighbors" in ex.neighbor_table.value


# ------------------------------------------------------------------ moving around


def test_picking_a_neighbor_moves_the_focus_and_back_returns(ex, claim):
    neighbor = ex.neighbor_picker.options[1][1]
    ex.neighbor_picker.value = neighbor
    assert ex.current == neighbor
    assert ex.history == (claim,)
    assert ex.graph.focus == neighbor
    assert ex.neighbor_picker.value == ""  # reset for the next pick
    second = next(v for _, v in ex.neighbor_picker.options[1:] if v != claim)
    ex.neighbor_picker.value = second
    assert ex.history == (claim, neighbor)
    ex.back_button.click()
    assert ex.current == neighbor
    assert ex.back() == claim
    assert ex.history == ()
    assert ex.back_button.disabled
    assert ex.graph.focus == claim
    assert ex.back() == claim  # empty history: stays


def test_focusing_the_current_entity_changes_nothing(ex, claim):
    graph = ex.graph
    ex.focus(claim)
    assert ex.graph is graph and ex.history == ()


# ---------------------------------------------------------------------- escaping


def test_hostile_text_is_never_inserted_unescaped(hostile_kg):
    ex = Explorer(hostile_kg, "c:1", hops=2)
    ex.search.value = "img src"  # matches the hostile title
    assert ex.matches.options
    ex.matches.value = "f:1"
    ex.neighbor_picker.value = "c:1"
    ex.search.value = IMG + " nothing like it zzzz"
    ex.kinds.value = ("claim", "finding")
    seen = html_values(ex)
    assert len(seen) >= 6
    for value in seen:
        assert "<img" not in value.lower()
        assert "<script" not in value.lower()
    # ...yet the text is there, escaped, for the reader.
    assert html.escape(IMG) in ex.card_pane.value
    assert IMG in html.unescape(ex.status.value)


def test_table_escapes_titles_kinds_and_relations(hostile_kg):
    ex = Explorer(hostile_kg, "p:1")
    assert html.escape(IMG) in ex.neighbor_table.value
    assert "<img" not in ex.neighbor_table.value


# ------------------------------------------------------------------------- helper


def test_show_graph_wraps_the_graph_in_an_html_widget(example_kg, claim):
    pane = show_graph(example_kg, claim, hops=2, include_similar=False)
    assert isinstance(pane, widgets.HTML)
    assert len(graph_nodes(pane.value)) == example_kg.graph(
        claim, hops=2, include_similar=False
    ).n_nodes


def test_double_clicking_a_node_in_the_graph_focuses_it(ex, claim):
    """The graph view's front end reports a double-clicked node through `selected`."""
    neighbor = ex.neighborhood["id"].iloc[0]
    ex.graph_pane.selected = neighbor
    assert ex.current == neighbor and ex.history == (claim,)
    assert ex.graph_pane.selected == ""  # cleared, so the same node can be chosen again
    ex.graph_pane.selected = "no:such-entity"  # a stale page cannot break the explorer
    assert ex.current == neighbor
    assert 'window.parent.postMessage' in ex.graph.html()


# ------------------------------------------------------------------------ the split


def test_the_explorer_is_split_into_modules_of_one_concept():
    import explorer.widgets.explorer as module

    assert explorer.Explorer is Explorer
    assert not hasattr(module, "_shorten")  # explorer.words.shorten is the one shortener
    assert panes.match_label("x" * 200, "claim", "c:1").startswith("x" * 89 + "…")
    fields = {name for name, _ in controls.build_controls(
        explorer.load(EXAMPLE), hops=1, threshold=0.5, include_similar=True, max_nodes=10,
        similarity_on=True).items()}
    assert {"search", "hops", "card_pane", "graph_pane", "similarity_button"} <= fields


def test_the_explorer_has_explore_and_review_tabs(ex):
    assert isinstance(ex.tabs, widgets.Tab)
    assert ex.tabs.titles == ("Explore", "Review")
    assert ex.tabs.selected_index == 0
    assert ex.review_tab.review is None  # built only when the Review tab opens


# ------------------------------------------------------------- similarity on demand


def test_a_small_graph_opens_with_similarity_on(ex):
    assert ex.similarity_on
    assert ex.similarity_box.layout.display == "none"
    assert not ex.include_similar.disabled and not ex.min_cosine.disabled
    assert "Related by similarity (" in ex.card_pane.value


def test_similarity_off_until_the_button_is_pressed(claim):
    kg = explorer.load(EXAMPLE)
    ex = Explorer(kg, claim, similarity=False)
    assert not ex.similarity_on and not kg.similarity_ready
    assert ex.similarity_box.layout.display != "none"
    assert ex.include_similar.disabled and ex.include_similar.value is False
    assert "not computed yet" in ex.card_pane.value
    assert "similarity off" in ex.status.value
    plain = {n["id"] for n in graph_nodes(ex.graph_pane.value)}
    ex.similarity_button.click()
    assert ex.similarity_on and kg.similarity_ready
    assert ex.include_similar.value is True and not ex.include_similar.disabled
    assert ex.similarity_box.layout.display == "none"
    assert "not computed yet" not in ex.card_pane.value
    assert plain < {n["id"] for n in graph_nodes(ex.graph_pane.value)}  # dashed links
    assert "similarity computed in" in ex.status.value


def test_similarity_must_be_true_false_or_auto(example_kg):
    with pytest.raises(ParameterError, match="similarity must be"):
        Explorer(example_kg, similarity="sometimes")


def test_a_failed_computation_shows_in_the_status_line(claim, monkeypatch, caplog):
    kg = explorer.load(EXAMPLE)
    ex = Explorer(kg, claim, similarity=False)

    def broken(progress=None):
        raise OSError("disk full <b>")

    monkeypatch.setattr(kg, "compute_similarity", broken)
    with caplog.at_level(logging.ERROR):
        ex.similarity_button.click()
    assert "OSError: disk full &lt;b&gt;" in ex.status.value
    assert not ex.similarity_on and not ex.similarity_button.disabled
    assert "computing similarity failed" in caplog.text


def test_similarity_computed_elsewhere_turns_on_at_the_next_focus(claim):
    kg = explorer.load(EXAMPLE)
    ex = Explorer(kg, claim, similarity="auto")
    ex.similarity_on = False  # as if the graph were large
    kg.compute_similarity(progress=False)
    ex.focus(ex.neighborhood["id"].iloc[0])
    assert ex.similarity_on and ex.include_similar.value


def test_the_search_index_is_built_in_the_background(claim):
    kg = explorer.load(EXAMPLE)
    ex = Explorer(kg, claim)
    ex.search_warmer.join(10)
    assert not ex.search_warmer.is_alive()
    assert ex.search_warmer.daemon


def test_a_search_typed_while_the_index_builds_runs_once_it_is_ready(claim, monkeypatch):
    kg = explorer.load(EXAMPLE)
    find = kg.find

    def slow_to_build(text, limit=10):
        if text == "a":  # the background thread's first call
            time.sleep(0.3)
        return find(text, limit=limit)

    monkeypatch.setattr(kg, "find", slow_to_build)

    async def type_at_once():
        ex = Explorer(kg, claim, search_delay=0)
        ex.search.value = "logit weight"
        assert "Building the search index" in ex.match_note.value  # the kernel is free
        assert ex.matches.options == ()
        ex.search_warmer.join(10)
        await asyncio.sleep(0.1)
        return ex

    ex = asyncio.run(type_at_once())
    assert ex.matches.options[0][1] == "method:logit-weight-analysis"
    assert "match" in ex.match_note.value


def test_an_error_while_building_the_index_is_logged_and_shown(claim, monkeypatch, caplog):
    kg = explorer.load(EXAMPLE)

    def broken(text, limit=10):
        raise RuntimeError("index <broken>")

    monkeypatch.setattr(kg, "find", broken)
    with caplog.at_level(logging.ERROR):
        ex = Explorer(kg, claim)
        ex.search_warmer.join(10)
    assert "building the search index failed" in caplog.text
    ex.search.value = "logit"
    assert "RuntimeError: index &lt;broken&gt;" in ex.match_note.value


# -------------------------------------------------------------------- a big graph


@pytest.fixture(scope="module")
def big_kg():
    entities, edges = synthesize(60_000, seed=0)
    return KnowledgeGraph.from_frames(entities, edges).set_embedder("tfidf", cache=None)


@pytest.mark.slow
def test_a_big_graph_opens_at_once_without_computing_vectors(big_kg):
    assert len(big_kg) > LARGE_GRAPH
    hub = str(big_kg.ids[int(big_kg.degree.to_numpy().argmax())])  # thousands of edges
    started = time.perf_counter()
    ex = Explorer(big_kg, hub)
    assert time.perf_counter() - started < 10
    assert not ex.similarity_on and not big_kg.similarity_ready
    assert ex.similarity_box.layout.display != "none"
    assert ex.similarity_button.description == "Compute similarity"
    assert "not computed yet" in ex.card_pane.value
    times = []
    for neighbor in ex.neighborhood["id"].head(5):
        ex.focus(neighbor)
        times.append(ex.last_update_seconds)
    assert not big_kg.similarity_ready
    assert statistics.median(times) < 1.0
    ex.search_warmer.join(60)
    started = time.perf_counter()
    ex.search.value = "sleep memory"
    assert time.perf_counter() - started < 2.0
    assert ex.matches.options
    ex.similarity_button.click()
    assert big_kg.similarity_ready and ex.similarity_on
    assert ex.include_similar.value is True
    assert "not computed yet" not in ex.card_pane.value
