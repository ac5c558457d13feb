"""The small HTML the widgets build themselves: the neighbor table, status and note lines.

Every text from the data passes through :func:`esc` exactly once, where the HTML is put
together; the card and the graph page come escaped from their producers
(:mod:`explorer.views.card`, :mod:`explorer.views.page`) and are not touched here.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from ..views.palette import kind_color
from ..words import shorten

__all__ = [
    "TITLE_MAX",
    "chip",
    "error_html",
    "esc",
    "graph_counts",
    "match_label",
    "match_note_html",
    "note_html",
    "picker_options",
    "status_html",
    "table_html",
]

TITLE_MAX = 90
CELL = "padding:2px 6px;border-bottom:1px solid #eee;vertical-align:top"
MUTED = "#666"


def esc(value: object) -> str:
    """Escape one text from the data for HTML (the one choke point of the widgets).

    Examples
    --------
    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> esc(None)
    ''
    """
    return html.escape("" if value is None else str(value), quote=True)


def error_html(err: BaseException) -> str:
    """A red status line naming the error and its (escaped) message.

    Examples
    --------
    >>> error_html(ValueError("bad <b>"))
    '<span style="color:#b00020">ValueError: bad &lt;b&gt;</span>'
    """
    return f'<span style="color:#b00020">{esc(type(err).__name__)}: {esc(err)}</span>'


def note_html(text: str, color: str = MUTED) -> str:
    """A muted one-line note (``text`` is escaped).

    Examples
    --------
    >>> note_html("3 < 4")
    '<span style="color:#666">3 &lt; 4</span>'
    """
    return f'<span style="color:{esc(color)}">{esc(text)}</span>'


def chip(kind: object) -> str:
    """A small dot in the kind's color (the color is escaped too).

    Examples
    --------
    >>> chip("claim").startswith('<span style="display:inline-block')
    True
    """
    return (
        '<span style="display:inline-block;width:9px;height:9px;border-radius:50%;'
        f'background:{esc(kind_color(str(kind)))};margin-right:5px"></span>'
    )


def match_label(title: object, kind: object, entity_id: object) -> str:
    """The plain-text label of a search match or a neighbor in a menu (not HTML).

    Examples
    --------
    >>> match_label("Sparse features are interpretable", "claim", "claim:1")
    'Sparse features are interpretable · claim · claim:1'
    """
    return f"{shorten(str(title), TITLE_MAX)} · {kind} · {entity_id}"


def picker_options(hood: pd.DataFrame, rows: int) -> list[tuple[str, str]]:
    """The "Go to" menu of the first ``rows`` neighbors: a prompt, then (label, id) pairs.

    Examples
    --------
    >>> hood = pd.DataFrame({"id": ["c:1"], "kind": ["claim"], "title": ["A claim"]})
    >>> picker_options(hood, 10)[1]
    ('A claim · claim · c:1', 'c:1')
    """
    options: list[tuple[str, str]] = [("— pick a neighbor to focus it —", "")]
    options += [(match_label(title, kind, entity_id), entity_id) for title, kind, entity_id
                in _columns(hood.head(rows), ("title", "kind", "id"))]
    return options


def match_note_html(n: int, text: str) -> str:
    """The line under the search box: how many matches, or none for ``text``.

    Examples
    --------
    >>> match_note_html(0, "<x>")
    '<span style="color:#8a4b00">No match for “&lt;x&gt;”</span>'
    """
    if n:
        return note_html(f"{n} match{'es' * (n != 1)} — pick one to focus it")
    return note_html(f"No match for “{text}”", "#8a4b00")


def table_html(hood: pd.DataFrame, rows: int, *, total: int | None = None) -> str:
    """The table of typed neighbors (first ``rows`` of the neighborhood frame).

    ``total`` is how many neighbors there are, when ``hood`` holds only the first rows
    (default: ``len(hood)``).

    Examples
    --------
    >>> hood = pd.DataFrame({"id": ["c:1"], "kind": ["claim"], "title": ["<b>x</b>"],
    ...                      "relations": [("supports",)], "directions": ["in"],
    ...                      "edge_count": [1], "degree": [2]})
    >>> out = table_html(hood, 10)
    >>> "&lt;b&gt;x&lt;/b&gt;" in out, "<b>x" in out, "1 typed neighbor<" in out
    (True, False, True)
    """
    n = len(hood) if total is None else total
    if n == 0:
        return f'<p style="color:{MUTED}">No typed neighbors (with these filters).</p>'
    body = []
    names = ("kind", "id", "title", "relations", "directions", "edge_count", "degree")
    for kind, entity_id, title, relations, directions, edges, degree in _columns(
            hood.head(rows), names):
        cells = [
            f"{chip(kind)}{esc(kind)}",
            f'<span title="{esc(entity_id)}">{esc(shorten(str(title), 140))}</span>',
            esc(", ".join(relations)),
            esc(directions),
            str(int(edges)),
            str(int(degree)),
        ]
        body.append("<tr>" + "".join(f'<td style="{CELL}">{c}</td>' for c in cells) + "</tr>")
    more = n - min(n, rows)
    caption = f"{n:,} typed neighbor{'s' * (n != 1)}" + (f" ({more:,} not listed)" if more else "")
    head = "".join(
        f'<th style="text-align:left;border-bottom:1px solid #ccc;padding:2px 6px">{h}</th>'
        for h in ("kind", "title", "relations", "direction", "edges", "degree")
    )
    return (
        '<table style="border-collapse:collapse;font-size:12px;width:100%">'
        f'<caption style="text-align:left;font-weight:600;padding:4px 0">{esc(caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def status_html(title: object | None, counts: Iterable[str], seconds: float) -> str:
    """The Explorer's status line: the focus title in bold, counts, the update time.

    Examples
    --------
    >>> status_html("<i>A</i>", ["3 nodes"], 0.012)
    '<span class="explorer-status"><b>&lt;i&gt;A&lt;/i&gt;</b> · 3 nodes · 0.01 s</span>'
    """
    parts = [] if title is None else [f"<b>{esc(shorten(str(title), 80))}</b>"]
    parts += [esc(c) for c in counts]
    parts.append(f"{seconds:.2f} s")
    return '<span class="explorer-status">' + " · ".join(parts) + "</span>"


def graph_counts(n_nodes: int, n_edges: int, omitted: int) -> list[str]:
    """The graph's part of the status line.

    Examples
    --------
    >>> graph_counts(3, 2, 1)
    ['3 nodes', '2 edges', '1 neighbor left out']
    """
    counts = [f"{n_nodes:,} nodes", f"{n_edges:,} edges"]
    if omitted:
        counts.append(f"{omitted:,} {'neighbor' if omitted == 1 else 'neighbors'} left out")
    return counts


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> Iterable[tuple[object, ...]]:
    """The rows of these columns as tuples (read a column at a time, not a row at a time)."""
    return zip(*(frame[name].tolist() for name in names), strict=True)
