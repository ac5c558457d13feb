"""The neighborhood page in real chromium: it draws, runs nothing hostile, loads nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from browser import chromium_page
from explorer.views.page import NeighborhoodGraph, neighborhood_network

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__pwned=1</script>"
KINDS = ["claim", "finding", "method", "question", "paper", "note", "dataset"]

CANVAS_INK = """() => {
    const canvas = document.querySelector('#mynetwork canvas');
    const ctx = canvas.getContext('2d');
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) ink++; }
    return ink;
}"""

DOM_POSITION = """(id) => {
    const p = network.canvasToDOM(network.getPositions([id])[id]);
    const box = document.getElementById('mynetwork').getBoundingClientRect();
    return [p.x + box.left, p.y + box.top];
}"""


def make_frames(n: int, extra_edges: int, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A connected neighborhood of ``n`` nodes around ``n0``, typed and similarity edges."""
    rng = np.random.default_rng(seed)
    ids = [f"n{i}" for i in range(n)]
    titles = [f"Entity {i}: a claim about something rather specific" for i in range(n)]
    titles[0] = IMG
    titles[1] = SCRIPT
    nodes = pd.DataFrame(
        {
            "id": ids,
            "kind": [KINDS[i % len(KINDS)] for i in range(n)],
            "title": titles,
            "summary": [SCRIPT if i == 2 else f"summary {i}" for i in range(n)],
            "degree": rng.integers(1, 300, n),
            "hop": [0] + [1 if i < n // 3 else 2 for i in range(1, n)],
        }
    )
    sources, targets = [], []
    for i in range(1, n):  # a tree keeps it connected
        sources.append("n0" if i < n // 3 else ids[int(rng.integers(1, n // 3))])
        targets.append(ids[i])
    while len(sources) < n - 1 + extra_edges:
        a, b = rng.integers(0, n, 2)
        if a != b:
            sources.append(ids[a])
            targets.append(ids[b])
    sources += ["n0", "n1"]  # two more between n0 and n1: three parallel edges
    targets += ["n1", "n0"]
    k = len(sources)
    similar = rng.random(k) < 0.3
    edges = pd.DataFrame(
        {
            "source": sources,
            "target": targets,
            "relation": np.where(similar, "similar", "supports"),
            "note": [IMG if i == 0 else "" for i in range(k)],
            "directed": ~similar,
            "cosine": np.where(similar, rng.uniform(0.65, 1.0, k), np.nan),
        }
    )
    return nodes, edges


def watch(page) -> tuple[list[str], list[str]]:
    """Record every request and every dialog of ``page`` (dialogs are dismissed)."""
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return requests, dialogs


def wait_stable(target) -> None:
    target.wait_for_function(
        "window.stabilized === true && network.physics.options.enabled === false",
        timeout=60_000,
    )


@pytest.fixture(scope="module")
def small() -> tuple[NeighborhoodGraph, int, int]:
    nodes, edges = make_frames(30, 15)
    graph = neighborhood_network(nodes, edges, focus="n0", omitted=5)
    return graph, len(nodes), len(edges)


def test_page_draws_runs_nothing_and_loads_nothing(small, tmp_path: Path) -> None:
    graph, n_nodes, n_edges = small
    path = graph.save(tmp_path / "small.html")
    with chromium_page(viewport={"width": 1000, "height": 720}) as page:
        requests, dialogs = watch(page)
        page.goto(path.as_uri())
        wait_stable(page)
        assert page.evaluate("network.body.data.nodes.length") == n_nodes
        assert page.evaluate("network.body.data.edges.length") == n_edges
        assert page.evaluate("Object.keys(network.body.nodes).length") >= n_nodes
        assert page.evaluate(CANVAS_INK) > 1000

        # Hostile titles ran nothing and read as themselves.
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("document.scripts.length") == 2  # vis-network + ours
        assert page.title() == f"Neighborhood of {IMG}"
        assert page.inner_text("#header .title") == f"Neighborhood of {IMG}"
        assert page.inner_text("#omitted") == "5 more neighbors not shown"
        legend = page.inner_text("#legend")
        assert all(kind in legend for kind in KINDS)

        # The tooltip of the hostile node shows the original text, not &lt;...
        x, y = page.evaluate(DOM_POSITION, "n0")
        page.mouse.move(x, y)
        page.wait_for_selector(".vis-tooltip", state="visible")
        tip = page.inner_text(".vis-tooltip")
        assert IMG in tip and "&lt;" not in tip
        # innerText turns each newline into a <br>; there is no other element.
        tags = page.evaluate(
            "Array.from(document.querySelector('.vis-tooltip').children, c => c.tagName)"
        )
        assert set(tags) == {"BR"}

        page.wait_for_timeout(300)  # give any stray handler a chance to fire
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
    assert requests and all(url.startswith("file://") for url in requests), requests


def test_script_title_tooltip_is_text(small, tmp_path: Path) -> None:
    graph, _, _ = small
    path = graph.save(tmp_path / "small.html")
    with chromium_page(viewport={"width": 1000, "height": 720}) as page:
        _, dialogs = watch(page)
        page.goto(path.as_uri())
        wait_stable(page)
        x, y = page.evaluate(DOM_POSITION, "n1")
        page.mouse.move(x, y)
        page.wait_for_selector(".vis-tooltip", state="visible")
        assert SCRIPT in page.inner_text(".vis-tooltip")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []


def test_large_neighborhood_settles_and_freezes(tmp_path: Path) -> None:
    nodes, edges = make_frames(300, 300, seed=7)
    graph = neighborhood_network(nodes, edges, focus="n0", physics_max_iterations=300)
    path = graph.save(tmp_path / "large.html")
    with chromium_page(viewport={"width": 1200, "height": 800}) as page:
        requests, _ = watch(page)
        page.goto(path.as_uri())
        wait_stable(page)
        assert page.evaluate("network.body.data.nodes.length") == len(nodes)
        assert page.evaluate("network.body.data.edges.length") == len(edges)
        before = page.evaluate("network.getPositions()")
        page.wait_for_timeout(500)
        after = page.evaluate("network.getPositions()")
        assert before == after  # physics is off: nothing drifts
        assert page.evaluate(CANVAS_INK) > 1000
    assert all(url.startswith("file://") for url in requests), requests


def test_same_seed_same_layout(tmp_path: Path) -> None:
    nodes, edges = make_frames(30, 15)
    positions = []
    for name in ("a", "b"):
        graph = neighborhood_network(nodes, edges, focus="n0", seed=5)
        path = graph.save(tmp_path / f"{name}.html")
        with chromium_page(viewport={"width": 1000, "height": 720}) as page:
            page.goto(path.as_uri())
            wait_stable(page)
            positions.append(page.evaluate("network.getPositions()"))
    assert positions[0] == positions[1]


def test_iframe_srcdoc_form_draws(small, tmp_path: Path) -> None:
    graph, n_nodes, n_edges = small
    host = tmp_path / "host.html"
    host.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>host</title></head><body>"
        f"<p>notebook output:</p>{graph._repr_html_()}</body></html>",
        encoding="utf-8",
    )
    with chromium_page(viewport={"width": 1000, "height": 800}) as page:
        requests, dialogs = watch(page)
        page.goto(host.as_uri())
        page.wait_for_function("document.querySelector('iframe') !== null")
        frame = page.frame_locator("iframe")
        frame.locator("#mynetwork canvas").wait_for()
        inner = next(f for f in page.frames if f is not page.main_frame)
        wait_stable(inner)
        assert inner.evaluate("network.body.data.nodes.length") == n_nodes
        assert inner.evaluate("network.body.data.edges.length") == n_edges
        assert inner.evaluate(CANVAS_INK) > 1000
        assert inner.evaluate("document.title") == f"Neighborhood of {IMG}"
        # The iframe is tall enough for the header and the whole drawing.
        frame_box = page.locator("iframe").bounding_box()
        assert frame_box is not None and frame_box["height"] >= 620 + 34
        assert inner.evaluate("document.documentElement.scrollHeight") <= frame_box["height"] + 1
        assert inner.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert dialogs == []
    assert all(url.startswith(("file://", "about:")) for url in requests), requests
