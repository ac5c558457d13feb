"""An interactive explorer for notebooks: search, card, graph and neighbors of one entity.

:class:`Explorer` is an ``ipywidgets.VBox`` that puts the library's views side by side
around one *focus* entity: a search box with live, typo-tolerant matches; the entity's
card; its neighborhood graph; and a table of its typed neighbors. Picking a match or a
neighbor moves the focus; Back returns to the previous one.

This is the only module that imports ipywidgets. It builds no HTML of its own except
small tables and status lines, and every text from the data that goes into them passes
through :func:`html.escape` (see :func:`_esc`). The card and the graph page come escaped
from their producers (:mod:`explorer.views.card`, :mod:`explorer.views.page`).

Updates are kept cheap: the card changes only with the focus or the similarity
threshold, the neighborhood table only with the focus or the filters, and the graph only
with the focus or a graph control. Typing in the search box is debounced when an event
loop runs (in a Jupyter kernel); without one (plain Python, tests) it searches at once.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ExplorerError
from ..views.palette import kind_color

try:
    import ipywidgets as widgets
except ImportError as err:  # pragma: no cover - ipywidgets is a core dependency
    raise ImportError(
        "explorer.widgets needs ipywidgets, which is not installed. "
        "Install it with: pip install 'ipywidgets>=8.1'"
    ) from err

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph
    from ..views.page import NeighborhoodGraph

__all__ = ["Explorer", "show_graph"]

logger = logging.getLogger(__name__)

MAX_HOPS = 3
#: CSS class of the Explorer's outer box (for styling and browser tests).
CSS_CLASS = "claim-explorer"
_CELL = "padding:2px 6px;border-bottom:1px solid #eee;vertical-align:top"
TITLE_MAX = 90


def _esc(value: object) -> str:
    """Escape one text from the data for HTML (the one choke point of this module)."""
    return html.escape("" if value is None else str(value), quote=True)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Explorer(widgets.VBox):
    """Search, card, graph and neighbors of one focus entity, as one notebook widget.

    Parameters
    ----------
    kg
        The knowledge graph to explore.
    entity_id
        The entity to focus first; ``None`` starts with an empty view and the search box.
    hops
        Initial number of typed edges the graph goes out (0 to 3).
    min_cosine
        Initial similarity threshold; default: ``kg.similarity.default_min_cosine``.
    include_similar
        Initially draw similar entities (no typed edge) as dashed links.
    max_nodes
        Initial cap on the nodes drawn.
    search_delay
        Seconds to wait after the last keystroke before searching (only when an event
        loop runs, as in a Jupyter kernel; otherwise the search runs at once).
    search_limit
        Matches listed under the search box.
    table_rows
        Neighbors listed in the table and the "Go to" menu.
    graph_height
        CSS height of the graph drawing.

    Attributes
    ----------
    search, matches
        The search box (``Text``) and its live matches (``Select`` of ids).
    hops, min_cosine, max_nodes, include_similar, kinds, relations
        The graph controls; ``kinds`` and ``relations`` also filter the neighbor table.
    back_button, status
        The Back button and the status line (``HTML``).
    card_pane, graph_pane, neighbor_table
        ``HTML`` panes: the card, the graph (an ``<iframe srcdoc>``), the neighbors.
    neighbor_picker
        ``Dropdown`` of the listed neighbors; picking one focuses it.
    graph
        The last :class:`~explorer.render.NeighborhoodGraph` drawn (``None`` before).
    neighborhood
        The last neighborhood frame shown (``None`` before).
    last_update_seconds
        How long the last update of the panes took.

    Examples
    --------
    >>> import explorer
    >>> from explorer.widgets.explorer import Explorer
    >>> kg = explorer.load("data/example")
    >>> claim = kg.find("learned features reflect").iloc[0]["id"]
    >>> ex = Explorer(kg, claim)
    >>> ex.current == claim, ex.graph.n_nodes > 1
    (True, True)
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        entity_id: str | None = None,
        *,
        hops: int = 1,
        min_cosine: float | None = None,
        include_similar: bool = True,
        max_nodes: int = 150,
        search_delay: float = 0.25,
        search_limit: int = 10,
        table_rows: int = 100,
        graph_height: str = "520px",
    ) -> None:
        self.kg = kg
        self.graph: NeighborhoodGraph | None = None
        self.neighborhood: pd.DataFrame | None = None
        self.last_update_seconds = 0.0
        self._current: str | None = None
        self._history: list[str] = []
        self._quiet = False
        self._search_delay = search_delay
        self._search_limit = search_limit
        self._search_handle: asyncio.TimerHandle | None = None
        self._table_rows = table_rows
        self._graph_height = graph_height
        threshold = kg.similarity.default_min_cosine if min_cosine is None else min_cosine
        self._build_controls(hops, float(threshold), include_similar, max_nodes)
        super().__init__(children=self._layout(), layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASS)
        self._connect()
        if entity_id is not None:
            self.focus(entity_id)
        else:
            self._show_empty()

    # ---------------------------------------------------------------- public
    @property
    def current(self) -> str | None:
        """The focused entity's id (``None`` before the first focus)."""
        return self._current

    @property
    def history(self) -> tuple[str, ...]:
        """Earlier focuses, oldest first; :meth:`back` returns to the last one."""
        return tuple(self._history)

    def focus(self, entity_id: str) -> Explorer:
        """Move the focus to ``entity_id`` and update every pane.

        The previous focus goes on the history stack. Focusing the current entity
        again changes nothing.

        Returns
        -------
        Explorer
            ``self``.

        Raises
        ------
        UnknownEntityError
            If there is no such entity (the message suggests close ids).
        """
        self.kg.position(entity_id)  # raises UnknownEntityError with suggestions
        if entity_id == self._current:
            return self
        if self._current is not None:
            self._history.append(self._current)
        self._set_focus(entity_id)
        return self

    def back(self) -> str | None:
        """Return to the previous focus, if any.

        Returns
        -------
        str or None
            The focus after the call (unchanged when the history is empty).
        """
        if self._history:
            self._set_focus(self._history.pop())
        return self._current

    # ------------------------------------------------------------ building
    def _build_controls(
        self, hops: int, threshold: float, include_similar: bool, max_nodes: int
    ) -> None:
        kinds = [str(k) for k in self.kg.entities["kind"].cat.categories]
        relations = [str(r) for r in self.kg.edges["relation"].cat.categories]
        wide = {"description_width": "initial"}
        self.search = widgets.Text(
            placeholder="Search a title or id (typos are fine)",
            description="Search",
            continuous_update=True,
            layout=widgets.Layout(width="100%"),
        )
        self.match_note = widgets.HTML()
        self.matches = widgets.Select(options=[], rows=6, layout=widgets.Layout(width="100%"))
        self.matches.add_class("explorer-matches")
        self.hops = widgets.IntSlider(
            value=hops, min=0, max=MAX_HOPS, description="Hops", continuous_update=False
        )
        self.min_cosine = widgets.FloatSlider(
            value=threshold,
            min=-1.0,
            max=1.0,
            step=0.01,
            description="Min cosine",
            readout_format=".2f",
            continuous_update=False,
            style=wide,
        )
        self.max_nodes = widgets.BoundedIntText(
            value=max_nodes, min=1, max=5000, description="Max nodes", style=wide,
            layout=widgets.Layout(width="180px"),
        )
        self.include_similar = widgets.Checkbox(
            value=include_similar, description="Include similar", indent=False
        )
        self.kinds = widgets.SelectMultiple(
            options=kinds, value=kinds, rows=min(max(len(kinds), 2), 6),
            layout=widgets.Layout(width="150px"),
        )
        self.relations = widgets.SelectMultiple(
            options=relations, value=relations, rows=min(max(len(relations), 2), 6),
            layout=widgets.Layout(width="180px"),
        )
        self.back_button = widgets.Button(
            description="Back", icon="arrow-left", disabled=True, tooltip="Previous focus",
            layout=widgets.Layout(width="90px"),
        )
        self.status = widgets.HTML()
        self.card_pane = widgets.HTML(
            layout=widgets.Layout(flex="2 1 0", min_width="280px", max_height="660px",
                                  overflow="auto")
        )
        from .graph_view import GraphView

        self.graph_pane = GraphView(layout=widgets.Layout(flex="3 1 0", min_width="360px"))
        self.neighbor_picker = widgets.Dropdown(
            options=[], description="Go to", layout=widgets.Layout(width="60%")
        )
        self.neighbor_table = widgets.HTML()

    def _layout(self) -> list[widgets.Widget]:
        label = widgets.HTML
        search = widgets.VBox(
            [self.search, self.match_note, self.matches], layout=widgets.Layout(flex="2 1 0")
        )
        graph_controls = widgets.VBox(
            [self.hops, self.min_cosine, self.max_nodes, self.include_similar]
        )
        filters = widgets.HBox(
            [
                widgets.VBox([label("<b>Kinds</b>"), self.kinds]),
                widgets.VBox([label("<b>Relations</b>"), self.relations]),
            ]
        )
        return [
            widgets.HBox([search, graph_controls, filters]),
            widgets.HBox([self.back_button, self.status],
                         layout=widgets.Layout(align_items="center")),
            widgets.HBox([self.card_pane, self.graph_pane],
                         layout=widgets.Layout(width="100%", align_items="flex-start")),
            widgets.VBox([self.neighbor_picker, self.neighbor_table]),
        ]

    def _connect(self) -> None:
        self.search.observe(self._on_search, names="value")
        self.matches.observe(self._on_pick, names="value")
        self.neighbor_picker.observe(self._on_pick, names="value")
        self.back_button.on_click(lambda _button: self.back())
        self.graph_pane.observe(self._on_graph_select, names="selected")
        for control in (self.hops, self.max_nodes, self.include_similar):
            control.observe(self._on_graph_control, names="value")
        self.min_cosine.observe(self._on_threshold, names="value")
        for control in (self.kinds, self.relations):
            control.observe(self._on_filter, names="value")

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change controls from code without their observers acting on it."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    # ------------------------------------------------------------ handlers
    def _on_search(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        loop = _running_loop()
        if loop is None or self._search_delay <= 0:
            self._run_search()
            return
        if self._search_handle is not None:
            self._search_handle.cancel()
        self._search_handle = loop.call_later(self._search_delay, self._run_search)

    def _run_search(self) -> None:
        self._search_handle = None
        text = self.search.value.strip()
        with self._quietly():
            if len(text) < 2:
                self.matches.options = []
                self.match_note.value = ""
                return
            try:
                hits = self.kg.find(text, limit=self._search_limit)
            except Exception as err:  # noqa: BLE001 - shown to the user, never lost
                logger.exception("search failed")
                self.match_note.value = _error_html(err)
                return
            self.matches.options = [
                (f"{_shorten(row.title, TITLE_MAX)} · {row.kind} · {row.id}", row.id)
                for row in hits.itertuples(index=False)
            ]
            self.matches.value = None
            n = len(hits)
            self.match_note.value = (
                f'<span style="color:#666">{n} match{"es" * (n != 1)} — pick one to focus it'
                "</span>"
                if n
                else f'<span style="color:#8a4b00">No match for “{_esc(text)}”</span>'
            )

    def _on_pick(self, change: dict[str, Any]) -> None:
        if self._quiet or not change["new"]:
            return
        self._guarded(lambda: self.focus(change["new"]))

    def _on_graph_select(self, change: dict[str, Any]) -> None:
        """A node double-clicked in the drawing: focus it (then clear, so it can repeat)."""
        chosen = change["new"]
        if not chosen:
            return
        self.graph_pane.selected = ""
        if chosen != self._current and chosen in self.kg:
            self._guarded(lambda: self.focus(chosen))

    def _on_graph_control(self, change: dict[str, Any]) -> None:
        if not self._quiet and self._current is not None:
            self._guarded(lambda: self._update(graph=True))

    def _on_threshold(self, change: dict[str, Any]) -> None:
        if not self._quiet and self._current is not None:
            self._guarded(
                lambda: self._update(card=True, graph=self.include_similar.value)
            )

    def _on_filter(self, change: dict[str, Any]) -> None:
        if not self._quiet and self._current is not None:
            self._guarded(lambda: self._update(graph=True, table=True))

    def _guarded(self, action: Callable[[], Any]) -> None:
        """Run a handler; show an error in the status line instead of losing it."""
        try:
            action()
        except (ExplorerError, ValueError) as err:
            self.status.value = _error_html(err)

    # ------------------------------------------------------------- updates
    def _set_focus(self, entity_id: str) -> None:
        self._current = entity_id
        self.back_button.disabled = not self._history
        self._update(card=True, graph=True, table=True)

    def _selected(self, control: widgets.SelectMultiple) -> list[str] | None:
        """Return the chosen values, or ``None`` when all are chosen (no filter)."""
        chosen = list(control.value)
        return None if len(chosen) == len(control.options) else chosen

    def _update(self, *, card: bool = False, graph: bool = False, table: bool = False) -> None:
        entity_id = self._current
        if entity_id is None:
            return
        started = time.perf_counter()
        kinds, relations = self._selected(self.kinds), self._selected(self.relations)
        threshold = float(self.min_cosine.value)
        if card:
            self.card_pane.value = self.kg.card(entity_id, min_cosine=threshold)._repr_html_()
        if table:
            self.neighborhood = self.kg.neighborhood(
                entity_id, kinds=kinds, relations=relations
            )
            self.neighbor_table.value = self._table_html(self.neighborhood)
            self._fill_picker(self.neighborhood)
        if graph:
            self.graph = self.kg.graph(
                entity_id,
                hops=int(self.hops.value),
                include_similar=bool(self.include_similar.value),
                min_cosine=threshold,
                kinds=kinds,
                relations=relations,
                max_nodes=int(self.max_nodes.value),
                height=self._graph_height,
            )
            self.graph_pane.value = self.graph._repr_html_()
        self.last_update_seconds = time.perf_counter() - started
        self.status.value = self._status_html()

    def _fill_picker(self, hood: pd.DataFrame) -> None:
        shown = hood.head(self._table_rows)
        options: list[tuple[str, str]] = [("— pick a neighbor to focus it —", "")]
        options += [
            (f"{_shorten(row.title, TITLE_MAX)} · {row.kind} · {row.id}", row.id)
            for row in shown.itertuples(index=False)
        ]
        with self._quietly():
            self.neighbor_picker.options = options
            self.neighbor_picker.value = ""

    def _table_html(self, hood: pd.DataFrame) -> str:
        n = len(hood)
        if n == 0:
            return '<p style="color:#666">No typed neighbors (with these filters).</p>'
        rows = []
        for row in hood.head(self._table_rows).itertuples(index=False):
            chip = (
                f'<span style="display:inline-block;width:9px;height:9px;border-radius:50%;'
                f'background:{_esc(kind_color(row.kind))};margin-right:5px"></span>'
            )
            cells = [
                f"{chip}{_esc(row.kind)}",
                f'<span title="{_esc(row.id)}">{_esc(_shorten(row.title, 140))}</span>',
                _esc(", ".join(row.relations)),
                _esc(row.directions),
                str(int(row.edge_count)),
                str(int(row.degree)),
            ]
            rows.append(
                "<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells) + "</tr>"
            )
        more = n - min(n, self._table_rows)
        caption = f"{n:,} typed neighbor{'s' * (n != 1)}" + (
            f" ({more:,} not listed)" if more else ""
        )
        return (
            '<table style="border-collapse:collapse;font-size:12px;width:100%">'
            f'<caption style="text-align:left;font-weight:600;padding:4px 0">{_esc(caption)}'
            "</caption><thead><tr>"
            + "".join(
                f'<th style="text-align:left;border-bottom:1px solid #ccc;padding:2px 6px">{h}</th>'
                for h in ("kind", "title", "relations", "direction", "edges", "degree")
            )
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )

    def _status_html(self) -> str:
        parts = []
        if self._current is not None:
            title = self.kg.entity(self._current)["title"]
            parts.append(f"<b>{_esc(_shorten(title, 80))}</b>")
        if self.graph is not None:
            parts.append(f"{self.graph.n_nodes:,} nodes")
            parts.append(f"{self.graph.n_edges:,} edges")
            if self.graph.omitted:
                noun = "neighbor" if self.graph.omitted == 1 else "neighbors"
                parts.append(f"{self.graph.omitted:,} {noun} left out")
        if self.neighborhood is not None:
            n = len(self.neighborhood)
            parts.append(f"{n:,} typed neighbor{'s' * (n != 1)}")
        parts.append(f"{self.last_update_seconds:.2f} s")
        return '<span class="explorer-status">' + " · ".join(parts) + "</span>"

    def _show_empty(self) -> None:
        self.card_pane.value = (
            '<p style="color:#666">Type in the search box and pick a match to focus it.</p>'
        )
        self.status.value = _esc(f"{len(self.kg):,} entities · {len(self.kg.edges):,} edges")


def show_graph(kg: KnowledgeGraph, entity_id: str, **kwargs: Any) -> widgets.HTML:
    """Return the neighborhood graph of ``entity_id`` as an ``ipywidgets.HTML``.

    Handy to place a graph inside your own widget layout; keyword arguments go to
    :meth:`KnowledgeGraph.graph <explorer.KnowledgeGraph.graph>`.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> pane = show_graph(kg, kg.find("logit weight analysis").iloc[0]["id"], hops=2)
    >>> pane.value.startswith("<iframe srcdoc=")
    True
    """
    return widgets.HTML(kg.graph(entity_id, **kwargs)._repr_html_())


def _error_html(err: BaseException) -> str:
    return f'<span style="color:#b00020">{_esc(type(err).__name__)}: {_esc(err)}</span>'


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
