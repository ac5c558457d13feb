"""explorer.render without a browser: what goes into the page, and how it is escaped."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer.errors import ExplorerError, SchemaError, UnknownEntityError
from explorer.views import page as render
from explorer.views import vis_data
from explorer.views.page import NeighborhoodGraph, kind_colors, neighborhood_network

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_KIND = "<b>kind</b>&co"
NAN = float("nan")


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        {
            "id": ["c1", "p1", "f1", "m1", "h1", "q1"],
            "kind": ["claim", "paper", "finding", "method", HOSTILE_KIND, "question"],
            "title": [HOSTILE, "A paper", "A finding " + "x" * 60, None, "odd one", "Why?"],
            "summary": ["focus summary", NAN, "", "m summary", None, "q"],
            "degree": [12, 1, 5, 0, 3, 40],
            "hop": [0, 1, 1, 1, 2, 2],
        }
    )
    edges = pd.DataFrame(
        {
            "source": ["c1", "c1", "p1", "c1", "f1", "m1", "h1"],
            "target": ["p1", "p1", "c1", "f1", "m1", "c1", "q1"],
            "relation": [
                "extracted_from",
                "cites",
                "similar",
                "supports",
                "similar",
                "associated_with",
                "supports",
            ],
            "note": [None, "why <b>", "", NAN, None, "n", ""],
            "directed": [True, True, False, True, False, False, True],
            "cosine": [NAN, NAN, 0.79412, NAN, 0.65, NAN, NAN],
        }
    )
    return nodes, edges


@pytest.fixture
def graph() -> NeighborhoodGraph:
    nodes, edges = frames()
    return neighborhood_network(nodes, edges, focus="c1", omitted=7)


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def data_in_page(page: str, name: str) -> list[dict]:
    match = re.search(rf"var {name} = new vis\.DataSet\((.*?)\);\n", page)
    assert match, f"no {name} DataSet in the page"
    return json.loads(match.group(1))


class _IframeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.iframes: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.iframes.append(dict(attrs))


# ----------------------------------------------------------------- structure


def test_counts_match_frames(graph: NeighborhoodGraph) -> None:
    nodes, edges = frames()
    assert graph.n_nodes == len(graph.nodes) == len(nodes)
    assert graph.n_edges == len(graph.edges) == len(edges)
    assert [n["id"] for n in graph.nodes] == list(nodes["id"])
    page = graph.html()
    assert len(data_in_page(page, "nodes")) == len(nodes)
    assert len(data_in_page(page, "edges")) == len(edges)


def test_multi_edges_are_all_kept_and_curved_apart(graph: NeighborhoodGraph) -> None:
    between = [
        e for e in graph.edges if {e["from"], e["to"]} == {"c1", "p1"}
    ]  # extracted_from, cites, similar (the last one written p1 -> c1)
    assert sorted(e["relation"] for e in between) == ["cites", "extracted_from", "similar"]
    assert len({e["id"] for e in graph.edges}) == graph.n_edges
    # The first keeps the default curve; the others bend to different sides (seen from the
    # sorted pair: curvedCW from p1 to c1 is curvedCCW from c1 to p1) or further out.
    flip = {"curvedCW": "curvedCCW", "curvedCCW": "curvedCW"}
    shapes = set()
    for e in between:
        smooth = e.get("smooth")
        if smooth is None:
            shapes.add(None)
            continue
        side = smooth["type"] if e["from"] <= e["to"] else flip[smooth["type"]]
        shapes.add((side, smooth["roundness"]))
    assert len(shapes) == 3


def test_similarity_edges_dashed_without_arrow(graph: NeighborhoodGraph) -> None:
    edges = by_id(graph.edges)
    similar = [e for e in edges.values() if e["relation"] == "similar"]
    typed = [e for e in edges.values() if e["relation"] != "similar"]
    assert len(similar) == 2
    assert all(e["dashes"] is True for e in similar)
    assert all(e["arrows"]["to"]["enabled"] is False for e in similar)
    assert all("label" not in e for e in similar)
    assert edges["e2"]["title"] == "similar · cosine 0.794"
    assert all(e["dashes"] is False for e in typed)
    assert all(e["label"] == e["relation"] for e in typed)
    assert {e["color"] for e in similar} == {render.SIMILAR_EDGE_COLOR}
    assert {e["color"] for e in typed} == {render.TYPED_EDGE_COLOR}


def test_directed_edges_have_arrows(graph: NeighborhoodGraph) -> None:
    edges = by_id(graph.edges)
    assert edges["e0"]["arrows"]["to"]["enabled"] is True  # extracted_from, directed
    assert edges["e5"]["arrows"]["to"]["enabled"] is False  # associated_with, undirected
    assert "c1 → p1" in edges["e0"]["title"]
    assert "m1 — c1" in edges["e5"]["title"]


def test_focus_is_marked(graph: NeighborhoodGraph) -> None:
    nodes = by_id(graph.nodes)
    focus = nodes["c1"]
    others = [n for i, n in nodes.items() if i != "c1"]
    assert focus["shape"] == "star"
    assert focus.get("focus") is True
    assert all(n["shape"] == "dot" and "focus" not in n for n in others)
    assert focus["borderWidth"] > max(n["borderWidth"] for n in others)
    # Bigger than any node of a higher degree would be (q1 has degree 40).
    assert focus["size"] > nodes["q1"]["size"]


def test_node_size_grows_with_degree_and_is_bounded() -> None:
    nodes = pd.DataFrame(
        {
            "id": [f"n{i}" for i in range(6)],
            "kind": "claim",
            "title": "t",
            "summary": "",
            "degree": [0, 1, 10, 100, 10_000, 10**9],
            "hop": [0, 1, 1, 1, 1, 1],
        }
    )
    edges = pd.DataFrame(columns=list(render.EDGE_COLUMNS))
    g = neighborhood_network(nodes, edges, focus="n0")
    sizes = [n["size"] for n in g.nodes[1:]]
    assert sizes == sorted(sizes)
    assert sizes[0] < sizes[2]
    assert all(vis_data.MIN_SIZE <= s <= vis_data.MAX_SIZE for s in sizes)
    assert sizes[-1] == sizes[-2] == vis_data.MAX_SIZE


def test_labels_shortened_and_tooltips_plain(graph: NeighborhoodGraph) -> None:
    nodes = by_id(graph.nodes)
    assert len(nodes["f1"]["label"]) == 40 and nodes["f1"]["label"].endswith("…")
    assert nodes["m1"]["label"] == "m1"  # no title: the id
    assert nodes["p1"]["label"] == "A paper"
    # Plain text, one fact a line, nothing escaped and no "nan" from missing values.
    assert nodes["c1"]["title"].split("\n")[:2] == ["claim · c1", HOSTILE]
    assert "focus summary" in nodes["c1"]["title"]
    for item in graph.nodes + graph.edges:
        assert "nan" not in item["title"].lower()
        assert "&lt;" not in item["title"] and "&amp;" not in item["title"]
    assert by_id(graph.edges)["e1"]["title"].endswith("\nwhy <b>")


# ----------------------------------------------------------------- offline


def test_saved_page_is_offline(graph: NeighborhoodGraph, tmp_path: Path) -> None:
    path = graph.save(tmp_path / "n.html")
    assert path == tmp_path / "n.html"
    page = path.read_text(encoding="utf-8")
    assert page == graph.html()
    assert "http://" not in page and "https://" not in page
    # Nothing to fetch at all: no src/href attribute, no CSS url(), no @import.
    assert not re.search(r"\b(src|href)\s*=\s*[\"']", page)
    assert "url(" not in page and "@import" not in page
    assert "vis.Network" in page and "stabilizationIterationsDone" in page


def test_bundled_vis_urls_are_the_known_inert_ones() -> None:
    # The page writes these with ":\/\/" (same string to JS). A pyvis upgrade that brings a
    # new URL fails here, so someone checks that it is not something the page would load.
    assert render._vis_urls() == [
        "http://almende.com",
        "http://opensource.org/licenses/MIT",
        "http://www.apache.org/licenses/LICENSE-2.0",
        "http://www.w3.org/2000/svg",
        "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
        "https://github.com/visjs",
        "https://github.com/zloirock/core-js",
        "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
        "https://visjs.github.io/vis-network/",
    ]
    assert 'createElementNS("http:\\/\\/www.w3.org/2000/svg"' in render._vis_js()


def test_pyvis_html_features_are_off(graph: NeighborhoodGraph) -> None:
    assert all("from" in e and "to" in e for e in graph.edges)
    template = (Path(render.__file__).parents[1] / "templates" / "neighborhood.html").read_text()
    assert "innerHTML" not in template
    page = graph.html()
    assert "tom-select" not in page.lower() and "bootstrap" not in page.lower()


def test_layout_seed_and_bounded_stabilization() -> None:
    nodes, edges = frames()
    g = neighborhood_network(nodes, edges, focus="c1", seed=11, physics_max_iterations=123)
    options = g.options
    assert options["layout"]["randomSeed"] == 11
    assert options["physics"]["stabilization"] == {
        **options["physics"]["stabilization"],
        "enabled": True,
        "iterations": 123,
    }
    assert "network.setOptions({physics: false})" in g.html()


def test_same_seed_same_page() -> None:
    nodes, edges = frames()
    one = neighborhood_network(nodes, edges, focus="c1", seed=3).html()
    two = neighborhood_network(nodes.copy(), edges.copy(), focus="c1", seed=3).html()
    other = neighborhood_network(nodes, edges, focus="c1", seed=4).html()
    assert one == two
    assert one != other
    assert one.replace('"randomSeed": 3', '"randomSeed": 4') == other


# ----------------------------------------------------------------- escaping


def test_legend_lists_kinds_escaped(graph: NeighborhoodGraph) -> None:
    page = graph.html()
    legend = page[page.index('<div id="legend"') : page.index('<div id="mynetwork"')]
    for kind, color in kind_colors(frames()[0]["kind"]).items():
        assert html.escape(kind) in legend
        assert color in legend
    assert "&lt;b&gt;kind&lt;/b&gt;&amp;co" in legend
    assert HOSTILE_KIND not in legend
    assert "related by similarity" in legend and "typed relation" in legend
    # Known kinds first in their fixed order, then the others.
    assert [k for k, _ in graph.legend][:4] == ["claim", "finding", "method", "question"]


def test_hostile_title_escaped_once_in_every_html_sink(graph: NeighborhoodGraph) -> None:
    page = graph.html()
    escaped = html.escape(HOSTILE)
    # Never raw anywhere in the page: in JSON it is \u003cimg ...
    assert HOSTILE not in page and "<img" not in page
    # The <title> and the header: escaped exactly once.
    assert f"<title>Neighborhood of {escaped}</title>" in page
    assert f'<span class="title">Neighborhood of {escaped}</span>' in page
    assert html.escape(escaped) not in page  # not twice
    # In the JSON data it is the raw text (vis shows string tooltips as text).
    nodes = by_id(data_in_page(page, "nodes"))
    assert nodes["c1"]["label"] == HOSTILE
    assert HOSTILE in nodes["c1"]["title"].split("\n")
    assert nodes["h1"]["kind"] == HOSTILE_KIND
    edges = by_id(data_in_page(page, "edges"))
    assert edges["e1"]["title"].endswith("why <b>")


def test_srcdoc_escapes_the_page_once(graph: NeighborhoodGraph) -> None:
    out = graph._repr_html_()
    assert out.startswith('<iframe srcdoc="') and out.endswith("></iframe>")
    parser = _IframeParser()
    parser.feed(out)
    assert len(parser.iframes) == 1
    frame = parser.iframes[0]
    # The attribute decodes to exactly the page: escaped once, not zero or two times.
    assert frame["srcdoc"] == graph.html()
    assert frame["sandbox"] == "allow-scripts"
    assert "width:100%" in frame["style"] and "620px" in frame["style"]
    # Only the iframe tag itself is markup; everything inside the attribute is escaped.
    assert out.count("<") == 2 and out.count('"') == 6


def test_omitted_note() -> None:
    nodes, edges = frames()
    g = neighborhood_network(nodes, edges, focus="c1", omitted=1234)
    assert g.omitted == 1234
    assert g.omitted_note == "1,234 more neighbors not shown"
    assert '<span id="omitted">1,234 more neighbors not shown</span>' in g.html()
    one = neighborhood_network(nodes, edges, focus="c1", omitted=1)
    assert one.omitted_note == "1 more neighbor not shown"
    none = neighborhood_network(nodes, edges, focus="c1")
    assert none.omitted_note is None
    assert 'id="omitted"' not in none.html()


def test_repr_counts(graph: NeighborhoodGraph) -> None:
    assert repr(graph) == "NeighborhoodGraph(focus='c1', 6 nodes, 7 edges, 7 omitted)"


# ----------------------------------------------------------------- palette


def test_kind_colors_fixed_then_hash_stable() -> None:
    colors = kind_colors(["claim", "Paper", "dataset", "claim", "method"])
    assert list(colors) == ["claim", "Paper", "dataset", "method"]
    assert colors["claim"] == render.KNOWN_KIND_COLORS["claim"]
    assert colors["Paper"] == render.KNOWN_KIND_COLORS["paper"]
    assert colors["dataset"] in render.FALLBACK_COLORS
    # Stable across processes and sessions: sha1-based, not Python's salted hash().
    assert colors["dataset"] == "#bcbd22"
    known = set(render.KNOWN_KIND_COLORS.values())
    assert known.isdisjoint(render.FALLBACK_COLORS)
    assert len(set(render.KNOWN_KIND_COLORS.values())) == len(render.KNOWN_KIND_COLORS)


def test_nodes_colored_by_kind(graph: NeighborhoodGraph) -> None:
    palette = kind_colors(frames()[0]["kind"])
    for node in graph.nodes:
        assert node["color"]["background"] == palette[node["kind"]]


# ----------------------------------------------------------------- errors


def test_unknown_focus() -> None:
    nodes, edges = frames()
    with pytest.raises(UnknownEntityError) as info:
        neighborhood_network(nodes, edges, focus="nope")
    assert isinstance(info.value, ExplorerError)


@pytest.mark.parametrize("frame,column", [("nodes", "degree"), ("edges", "cosine")])
def test_missing_column(frame: str, column: str) -> None:
    nodes, edges = frames()
    tables = {"nodes": nodes, "edges": edges}
    tables[frame] = tables[frame].drop(columns=[column])
    with pytest.raises(SchemaError, match=column):
        neighborhood_network(tables["nodes"], tables["edges"], focus="c1")


def test_edge_to_unknown_node_and_duplicate_ids() -> None:
    nodes, edges = frames()
    bad = pd.concat([edges, edges.iloc[[0]].assign(target="ghost")], ignore_index=True)
    with pytest.raises(SchemaError, match="ghost"):
        neighborhood_network(nodes, bad, focus="c1")
    dup = pd.concat([nodes, nodes.iloc[[1]]], ignore_index=True)
    with pytest.raises(SchemaError, match="'p1'"):
        neighborhood_network(dup, edges, focus="c1")


@pytest.mark.parametrize("height", ["620", "100%", "1px;}body{display:none", "<x>", "", "-5px"])
def test_bad_height_rejected(height: str) -> None:
    nodes, edges = frames()
    with pytest.raises(ValueError, match="height"):
        neighborhood_network(nodes, edges, focus="c1", height=height)


def test_height_forms() -> None:
    nodes, edges = frames()
    g = neighborhood_network(nodes, edges, focus="c1", height=400)
    assert g.height == "400px"
    assert "height: 400px;" in g.html()
    g = neighborhood_network(nodes, edges, focus="c1", height="70vh")
    assert "calc(70vh + " in g._repr_html_()


@pytest.mark.parametrize(
    "kwargs", [{"omitted": -1}, {"seed": -1}, {"physics_max_iterations": 0}, {"seed": 1.5}]
)
def test_bad_numbers_rejected(kwargs: dict) -> None:
    nodes, edges = frames()
    with pytest.raises(ValueError):
        neighborhood_network(nodes, edges, focus="c1", **kwargs)


def test_numeric_ids_and_empty_edges() -> None:
    nodes = pd.DataFrame(
        {
            "id": [1, 2],
            "kind": ["claim", "note"],
            "title": ["a", "b"],
            "summary": [None, None],
            "degree": [np.int64(1), np.int64(1)],
            "hop": [0, 1],
        }
    )
    edges = pd.DataFrame(
        {
            "source": [1],
            "target": [2],
            "relation": ["supports"],
            "note": [None],
            "directed": [np.bool_(True)],
            "cosine": [NAN],
        }
    )
    g = neighborhood_network(nodes, edges, focus="1")
    assert [n["id"] for n in g.nodes] == ["1", "2"]
    assert g.edges[0]["arrows"]["to"]["enabled"] is True
    empty = neighborhood_network(nodes.iloc[:1], edges.iloc[:0], focus="1")
    assert (empty.n_nodes, empty.n_edges) == (1, 0)
    json.dumps(g.nodes)  # plain JSON types, no numpy scalars
