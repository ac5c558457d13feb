r"""Draw a neighborhood as a self-contained, offline vis-network page (the pyvis adapter).

This is the only module that imports pyvis (for its bundled vis-network, nothing else).
The graph layer hands over two tidy frames (nodes and edges of a neighborhood);
:func:`neighborhood_network` turns them into vis-network data (:mod:`explorer.views.vis_data`)
wrapped in a :class:`NeighborhoodGraph`, which renders one HTML page that needs no network
access and can be saved or shown inline in a notebook.

Escaping, sink by sink
----------------------
Every text that comes from the data is untrusted.

* Tooltips (node and edge ``title``) are plain strings, lines separated by ``\n``.
  vis-network shows a string tooltip with ``innerText``, so it is text and is *not*
  escaped beforehand (escaped text would show ``&lt;`` to the reader).
* Labels are drawn on the canvas: text, never parsed.
* The page title, the header, the legend and the "more neighbors" note are HTML: the
  page is a Jinja2 template with autoescape on, so each is escaped exactly once.
* Node and edge data reach the page as JSON inside ``<script>``; Jinja's ``tojson``
  escapes ``<``, ``>``, ``&`` and ``'`` as ``\u003c``... so no text can end the script.
* ``_repr_html_`` puts the whole page in an ``<iframe srcdoc="...">``: the page is
  escaped once more for that attribute (:func:`html.escape`), as it must be.

pyvis's own template is not used: its ``tooltip_link`` popup and select/filter menus insert
data with ``innerHTML``, and it links Bootstrap from a CDN even in line. Our page has none.

Offline
-------
The page inlines pyvis's bundled vis-network 9.1.2 (JavaScript only; the few CSS rules
needed are in the template) and has no ``src=``, ``href=`` or ``url(`` at all. The bundled
JavaScript contains a few ``http(s)://`` strings that are never fetched: licence comments,
core-js metadata, an error message and the SVG namespace name. They are written with
``:\/\/`` instead of ``://`` (the same string to JavaScript), so the saved page contains no
``http://`` or ``https://`` substring produced by us. Text from the data is shown as it is:
a summary that quotes a URL keeps it (as text, never as a link or a resource).
"""

from __future__ import annotations

import html
import re
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyvis

from ..atomic import atomic_path
from ..errors import ParameterError, SchemaError, UnknownEntityError
from .palette import FALLBACK_COLORS, KNOWN_KIND_COLORS, kind_colors
from .vis_data import (
    SIMILAR_EDGE_COLOR,
    TYPED_EDGE_COLOR,
    edge_data,
    node_data,
    records,
    text_of,
    vis_options,
    without_gc,
)

__all__ = [
    "FALLBACK_COLORS",
    "KNOWN_KIND_COLORS",
    "NeighborhoodGraph",
    "kind_colors",
    "neighborhood_network",
]

NODE_COLUMNS = ("id", "kind", "title", "summary", "degree", "hop")
EDGE_COLUMNS = ("source", "target", "relation", "note", "directed", "cosine")

_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
_VIS_JS = "lib/vis-9.1.2/vis-network.min.js"
_HEIGHT = re.compile(r"^\d+(\.\d+)?(px|em|rem|vh)$")
_HEADER_PX = 34  # the page header's fixed height, see neighborhood.html


class NeighborhoodGraph:
    """A drawn neighborhood: a pyvis network plus what the page shows around it.

    Built by :func:`neighborhood_network`; ``__init__`` only stores.

    Attributes
    ----------
    nodes, edges
        The vis-network data: one dict per node (``id``, ``label``, ``title``, ...) and
        per edge (``from``, ``to``, ``relation``, ...).
    options
        The vis-network options (layout seed, physics, interaction).
    focus
        The id of the entity the neighborhood is centred on.
    omitted
        How many neighbors were left out by the graph layer (0 if none).
    page_title
        The page's title (plain text; escaped when rendered).
    legend
        ``(kind, colour)`` pairs of the kinds drawn.
    height
        CSS height of the drawing area, e.g. ``"620px"``.
    """

    def __init__(
        self,
        nodes: list[dict[str, Any]],
        edges: list[dict[str, Any]],
        options: dict[str, Any],
        *,
        focus: str,
        omitted: int,
        page_title: str,
        legend: list[tuple[str, str]],
        height: str,
    ) -> None:
        self.nodes = nodes
        self.edges = edges
        self.options = options
        self.focus = focus
        self.omitted = omitted
        self.page_title = page_title
        self.legend = legend
        self.height = height

    @property
    def n_nodes(self) -> int:
        """How many nodes are drawn."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """How many edges are drawn."""
        return len(self.edges)

    @property
    def omitted_note(self) -> str | None:
        """The note shown when neighbors were left out, e.g. ``"12 more neighbors not shown"``."""
        if self.omitted <= 0:
            return None
        noun = "neighbor" if self.omitted == 1 else "neighbors"
        return f"{self.omitted:,} more {noun} not shown"

    def html(self) -> str:
        """Render the full self-contained page.

        Returns
        -------
        str
            One HTML document with vis-network inlined; it loads nothing from anywhere.
        """
        return self._render(_vis_js())

    def _render(self, vis_js: str) -> str:
        template = _environment().get_template("neighborhood.html")
        return template.render(
            page_title=self.page_title,
            omitted_note=self.omitted_note,
            legend=self.legend,
            height=self.height,
            typed_color=TYPED_EDGE_COLOR,
            similar_color=SIMILAR_EDGE_COLOR,
            vis_js=vis_js,
            nodes=self.nodes,
            edges=self.edges,
            options=self.options,
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to one self-contained HTML file.

        Parameters
        ----------
        path
            Where to write (an existing file is replaced).

        Returns
        -------
        Path
            The path written.
        """
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(self.html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """Show the page in a sandboxed ``<iframe srcdoc>``: JupyterLab, Notebook and VS Code."""
        # The page escaped for the attribute; vis-network (700 kB) is escaped once, cached:
        # escaping is character by character, so the pieces escaped apart are the whole.
        token = f"explorer-vis-js-{secrets.token_hex(16)}"  # no data can hold it
        page = html.escape(self._render(token), quote=True).replace(token, _vis_js_escaped(), 1)
        return (
            f'<iframe srcdoc="{page}" '
            f'style="width:100%;height:calc({self.height} + {_HEADER_PX + 6}px);border:none" '
            'sandbox="allow-scripts"></iframe>'
        )

    def __repr__(self) -> str:
        text = (
            f"NeighborhoodGraph(focus={self.focus!r}, "
            f"{self.n_nodes:,} nodes, {self.n_edges:,} edges"
        )
        if self.omitted:
            text += f", {self.omitted:,} omitted"
        return text + ")"


@without_gc  # tens of thousands of small dicts: collections would cost as much as the build
def neighborhood_network(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    focus: str,
    omitted: int = 0,
    height: str = "620px",
    seed: int = 7,
    physics_max_iterations: int = 300,
) -> NeighborhoodGraph:
    """Turn a neighborhood's nodes and edges into an offline vis-network drawing.

    Parameters
    ----------
    nodes
        One row per entity, columns ``id``, ``kind``, ``title``, ``summary`` (may be
        empty or NaN), ``degree`` (whole-graph degree) and ``hop`` (0 for the focus).
    edges
        One row per edge, columns ``source``, ``target`` (ids in ``nodes``), ``relation``
        (``"similar"`` for similarity links), ``note`` (may be empty or NaN), ``directed``
        (bool) and ``cosine`` (float, NaN for typed edges). Several edges between the same
        two entities are all drawn, curved apart.
    focus
        The id the neighborhood is centred on; drawn as a bigger star with a bold border.
    omitted
        How many neighbors the graph layer left out; the page says so when > 0.
    height
        CSS height of the drawing area: a number with ``px``, ``em``, ``rem`` or ``vh``.
    seed
        ``layout.randomSeed``: the same inputs and seed give the same page and layout.
    physics_max_iterations
        Upper bound of the stabilization iterations; physics is switched off afterwards.

    Returns
    -------
    NeighborhoodGraph
        Holds the pyvis network; ``.html()``, ``.save(path)``, inline display in Jupyter.

    Raises
    ------
    SchemaError
        A column is missing, an id repeats, or an edge names an id that is not a node.
    UnknownEntityError
        ``focus`` is not among the nodes.
    ValueError
        ``height``, ``omitted``, ``seed`` or ``physics_max_iterations`` is out of range.

    Examples
    --------
    >>> nodes = pd.DataFrame({"id": ["c1", "p1"], "kind": ["claim", "paper"],
    ...                       "title": ["A claim", "A paper"], "summary": ["", None],
    ...                       "degree": [3, 1], "hop": [0, 1]})
    >>> edges = pd.DataFrame({"source": ["c1"], "target": ["p1"],
    ...                       "relation": ["extracted_from"], "note": [None],
    ...                       "directed": [True], "cosine": [float("nan")]})
    >>> g = neighborhood_network(nodes, edges, focus="c1", omitted=4)
    >>> g
    NeighborhoodGraph(focus='c1', 2 nodes, 1 edges, 4 omitted)
    >>> g.omitted_note
    '4 more neighbors not shown'
    >>> "https://" in g.html()
    False
    """
    height = _check_height(height)
    for name, value, low in (
        ("omitted", omitted, 0),
        ("seed", seed, 0),
        ("physics_max_iterations", physics_max_iterations, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}.")
    _check_columns(nodes, NODE_COLUMNS, "nodes")
    _check_columns(edges, EDGE_COLUMNS, "edges")

    node_rows = records(nodes, NODE_COLUMNS)
    ids = [str(row["id"]) for row in node_rows]
    id_set = set(ids)
    if len(id_set) != len(ids):
        dup = next(i for i, n in Counter(ids).items() if n > 1)
        raise SchemaError(
            f"node id {dup!r} appears more than once.",
            column="id",
            hint="Pass one row per entity.",
        )
    focus = str(focus)
    if focus not in id_set:
        raise UnknownEntityError(focus)

    vis_nodes: list[dict[str, Any]] = []
    vis_edges: list[dict[str, Any]] = []
    colors = kind_colors(text_of(row["kind"]) or "unknown" for row in node_rows)
    focus_title = focus
    for row, node_id in zip(node_rows, ids, strict=True):
        kind = text_of(row["kind"]) or "unknown"
        title = text_of(row["title"])
        is_focus = node_id == focus
        if is_focus and title:
            focus_title = title
        vis_nodes.append(node_data(row, node_id, kind, title, colors[kind], is_focus))

    edge_rows = records(edges, EDGE_COLUMNS)
    parallel: dict[tuple[str, str], int] = {}
    for number, row in enumerate(edge_rows):
        source, target = str(row["source"]), str(row["target"])
        for end, column in ((source, "source"), (target, "target")):
            if end not in id_set:
                raise SchemaError(
                    f"edge {number} has {column} {end!r}, which is not among the nodes.",
                    row=number + 1,
                    column=column,
                    hint="Every edge endpoint must be a row of the nodes frame.",
                )
        pair = (source, target) if source <= target else (target, source)
        rank = parallel.get(pair, 0)
        parallel[pair] = rank + 1
        vis_edges.append(edge_data(row, number, source, target, rank))

    legend = sorted(colors.items(), key=_legend_order)
    return NeighborhoodGraph(
        vis_nodes,
        vis_edges,
        vis_options(seed, physics_max_iterations),
        focus=focus,
        omitted=omitted,
        page_title=f"Neighborhood of {focus_title}",
        legend=legend,
        height=height,
    )


# ---------------------------------------------------------------- building blocks


def _legend_order(item: tuple[str, str]) -> tuple[int, str]:
    known = list(KNOWN_KIND_COLORS)
    kind = item[0].lower()
    return (known.index(kind) if kind in known else len(known), item[0])


def _check_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"the {name} frame lacks column(s) {', '.join(map(repr, missing))}.",
            column=missing[0],
            hint=f"Expected columns: {', '.join(columns)}.",
        )


def _check_height(height: str | int) -> str:
    if isinstance(height, int) and not isinstance(height, bool):
        height = f"{height}px"
    text = str(height).strip()
    if not _HEIGHT.match(text):
        raise ParameterError(
            f"height must be a CSS length such as '620px', '40em' or '70vh', got {height!r}."
        )
    return text


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
                              autoescape=True, keep_trailing_newline=True)


@lru_cache(maxsize=1)
def _vis_js_escaped() -> str:
    return html.escape(_vis_js(), quote=True)


@lru_cache(maxsize=1)
def _vis_js() -> str:
    """Return pyvis's bundled vis-network, ready to inline (see "Offline" above)."""
    text = (Path(pyvis.__file__).parent / _VIS_JS).read_text(encoding="utf-8")
    if "</script" in text.lower():  # pragma: no cover - not so in vis-network 9.1.2
        raise RuntimeError("the bundled vis-network contains '</script' and cannot be inlined")
    # "://" only occurs in strings and comments; "\/" is "/" in a JS string or regex.
    return text.replace("://", ":\\/\\/")


def _vis_urls() -> list[str]:
    """List the ``http(s)://`` strings in the bundled vis-network (for the tests)."""
    text = (Path(pyvis.__file__).parent / _VIS_JS).read_text(encoding="utf-8")
    return sorted(set(re.findall(r"https?://[^\s\"'`)]+", text)))
