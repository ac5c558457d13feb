"""An interactive explorer for notebooks: search, card, graph and neighbors of one entity.

:class:`Explorer` is an ``ipywidgets.VBox`` with two tabs. *Explore* shows one *focus*
entity: a live, typo-tolerant search (:mod:`.search`); the entity's card; its neighborhood
graph; a table of its typed neighbors. Picking a match or a neighbor moves the focus; Back
returns. *Review* holds a :class:`~.review.Review` of the focus's candidate pairs; each
decision redraws the card, the table and the graph. Widgets are built in :mod:`.controls`,
the small HTML in :mod:`.panes` (escaped there); the card and the graph page come escaped
from :mod:`explorer.views`.

It opens at once on a large graph: past :data:`LARGE_GRAPH` entities without vectors in
memory, similarity starts off (:mod:`.similarity_switch`: the card says so, a "Compute
similarity" button computes it); the search index is built in a background thread.
Updates are cheap: card, table and graph each change only with what they show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..errors import ExplorerError

try:
    import ipywidgets as widgets
except ImportError as err:  # pragma: no cover - ipywidgets is a core dependency
    raise ImportError(
        "explorer.widgets needs ipywidgets, which is not installed. "
        "Install it with: pip install 'ipywidgets>=8.1'"
    ) from err

from . import panes
from .controls import MAX_HOPS, build_controls, offer
from .explorer_review import ReviewTab
from .focus_memo import FocusMemo
from .graph_view import show_graph
from .search import LiveSearch
from .similarity_switch import LARGE_GRAPH, NOT_COMPUTED, compute, similarity_wanted

if TYPE_CHECKING:
    from ..core.neighborhood import NeighborRanking
    from ..knowledge_graph import KnowledgeGraph
    from ..views.page import NeighborhoodGraph

__all__ = ["CSS_CLASS", "LARGE_GRAPH", "MAX_HOPS", "Explorer", "show_graph"]

logger = logging.getLogger(__name__)

#: CSS class of the Explorer's outer box (for styling and browser tests).
CSS_CLASS = "claim-explorer"


class Explorer(widgets.VBox):
    """Search, card, graph and neighbors of one focus entity, and a review of its candidates.

    Parameters
    ----------
    kg
        The knowledge graph to explore.
    entity_id
        The entity to focus first; ``None`` starts with an empty view and the search box.
    hops
        Initial number of typed edges the graph goes out (0 to 3).
    min_cosine
        Initial similarity threshold; default: ``kg.default_min_cosine``.
    include_similar
        Draw similar entities (no typed edge) as dashed links, once similarity is on.
    max_nodes
        Initial cap on the nodes drawn.
    similarity
        ``True``: the card's "Related by similarity" section and the dashed links are on
        (the first focus computes the vectors); ``False``: off until "Compute similarity"
        is pressed; ``"auto"`` (default): on when ``kg.similarity_ready`` or the graph
        has at most :data:`LARGE_GRAPH` entities.
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
        The Back button and the status line (``HTML``; errors show here).
    similarity_on, similarity_button, similarity_progress
        Whether similarity is shown; the "Compute similarity" button (shown while it is
        off) and the ``Output`` its progress bar draws in.
    card_pane, graph_pane, neighbor_table
        The card (``HTML``), the graph (:class:`~.graph_view.GraphView`), the neighbors.
    neighbor_picker
        ``Dropdown`` of the listed neighbors; picking one focuses it.
    tabs, review_tab
        The ``Tab`` of the Explore and Review pages; the :class:`.ReviewTab` filling the
        second (``review_tab.review`` is the :class:`~.review.Review`, once opened).
    graph, neighborhood
        The last :class:`~explorer.views.page.NeighborhoodGraph` drawn and the neighborhood
        the table shows, every row (``None`` before; built on first access).
    search_warmer
        The background thread building the search index (errors are logged).
    last_update_seconds
        How long the last update of the panes took.

    Examples
    --------
    >>> import explorer
    >>> from explorer.widgets.explorer import Explorer
    >>> kg = explorer.load("data/example")
    >>> claim = kg.find("learned features reflect").iloc[0]["id"]
    >>> ex = Explorer(kg, claim)
    >>> ex.current == claim, ex.graph.n_nodes > 1, ex.similarity_on
    (True, True, True)
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
        similarity: bool | Literal["auto"] = "auto",
        search_delay: float = 0.25,
        search_limit: int = 10,
        table_rows: int = 100,
        graph_height: str = "520px",
    ) -> None:
        self.kg = kg
        self.graph: NeighborhoodGraph | None = None
        self._table: NeighborRanking | None = None  # the ranking the table shows
        self.last_update_seconds = 0.0
        self._current: str | None = None
        self._history: list[str] = []
        self._quiet = False
        self._table_rows = table_rows
        self._graph_height = graph_height
        self._similarity_mode = similarity
        self._memo = FocusMemo(kg)
        self._want_similar_links = include_similar
        self.similarity_on = similarity_wanted(kg, similarity)
        threshold = kg.default_min_cosine if min_cosine is None else min_cosine
        controls = build_controls(
            kg, hops=hops, threshold=float(threshold), include_similar=include_similar,
            max_nodes=max_nodes, similarity_on=self.similarity_on,
        )
        for name, widget in controls.items():
            setattr(self, name, widget)
        self.review_tab = ReviewTab(self)
        self.tabs = widgets.Tab(children=[controls.layout(), self.review_tab.page],
                                titles=("Explore", "Review"))
        super().__init__(children=[self.tabs], layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASS)
        self._connect()
        self.live_search = LiveSearch(
            kg, self.search, self.match_note, self.matches, quietly=self._quietly,
            delay=search_delay, limit=search_limit, start=False,
        )
        self.search_warmer = self.live_search.warmer
        if entity_id is not None:
            self.focus(entity_id)
        else:
            self._show_empty()
        self.live_search.start()  # after the first panes: they need the CPU more

    # ---------------------------------------------------------------- public
    @property
    def current(self) -> str | None:
        """The focused entity's id (``None`` before the first focus)."""
        return self._current

    @property
    def neighborhood(self) -> pd.DataFrame | None:
        """The neighborhood the table shows, every row (``kg.neighborhood`` with the filters).

        The table and the menu build only their first rows; this frame is built from the
        same ranking on first access.
        """
        return None if self._table is None else self._table.whole

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
            self._set_focus(self.kg.resolve(self._history.pop()))
        return self._current

    def compute_similarity(self) -> None:
        """Compute the vectors (progress bar in ``similarity_progress``), then show them.

        What the "Compute similarity" button does. An error shows in the status line (and
        the log); similarity stays off.
        """
        try:
            seconds = compute(self.kg, self.similarity_button, self.similarity_progress)
        except Exception as err:  # noqa: BLE001 - shown to the user, never lost
            logger.exception("computing similarity failed")
            self.status.value = panes.error_html(err)
            return
        self._similarity_turned_on()
        self.status.value += panes.note_html(f" · similarity computed in {seconds:.1f} s")

    def refresh(self) -> None:
        """Redraw the card, the table and the graph (after the graph changed)."""
        with self._quietly():  # an accepted edge may bring a relation: offer it
            offer(self.relations, [str(r) for r in self.kg.edges["relation"].cat.categories])
        if self._current is not None:
            self._current = self.kg.resolve(self._current)  # merged away: its keeper
            self._update(card=True, graph=True, table=True)

    # ------------------------------------------------------------ building
    def _connect(self) -> None:
        self.matches.observe(self._on_pick, names="value")
        self.neighbor_picker.observe(self._on_pick, names="value")
        self.back_button.on_click(lambda _button: self._guarded(self.back))
        self.graph_pane.observe(self._on_graph_select, names="selected")
        for control in (self.hops, self.max_nodes, self.include_similar):
            control.observe(self._on_graph_control, names="value")
        self.min_cosine.observe(self._on_threshold, names="value")
        for control in (self.kinds, self.relations):
            control.observe(self._on_filter, names="value")
        self.similarity_button.on_click(lambda _button: self.compute_similarity())
        self.tabs.observe(lambda _change: self.review_tab.sync(), names="selected_index")

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change controls from code without their observers acting on it."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    # ------------------------------------------------------------ handlers
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
        if not self._quiet and self._current is not None and self.similarity_on:
            self._guarded(lambda: self._update(card=True, graph=self.include_similar.value))

    def _on_filter(self, change: dict[str, Any]) -> None:
        if not self._quiet and self._current is not None:
            self._guarded(lambda: self._update(graph=True, table=True))

    def _guarded(self, action: Callable[[], Any]) -> None:
        """Run a handler; show an error in the status line instead of losing it."""
        try:
            action()
        except (ExplorerError, ValueError) as err:
            self.status.value = panes.error_html(err)

    # ------------------------------------------------------------- updates
    def _similarity_turned_on(self) -> None:
        self.similarity_on = True
        self.similarity_box.layout.display = "none"
        with self._quietly():
            self.min_cosine.disabled = self.include_similar.disabled = False
            self.include_similar.value = self._want_similar_links
        self.review_tab.sync()
        self._update(card=True, graph=True)

    def _set_focus(self, entity_id: str) -> None:
        self._current = entity_id
        self.back_button.disabled = not self._history
        if (not self.similarity_on and self._similarity_mode == "auto"
                and self.kg.similarity_ready):  # computed elsewhere meanwhile
            self._similarity_turned_on()
        self._update(card=True, graph=True, table=True)
        self.review_tab.sync()

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
        memo = self._memo  # one ranking and one similar list, shared by the panes
        if card:
            found = memo.similar(entity_id, threshold) if self.similarity_on else False
            shown = self.kg.card(entity_id, similar=found, min_cosine=threshold,
                                 neighborhood=memo.ranking(entity_id))
            if not self.similarity_on:
                shown.similar_message, shown.min_cosine = NOT_COMPUTED, threshold
            self.card_pane.value = shown._repr_html_()
        if table:
            self._table = memo.ranking(entity_id, kinds, relations)
            listed = self._table.frame(head=self._table_rows)  # rows built for these only
            self.neighbor_table.value = panes.table_html(listed, self._table_rows,
                                                         total=len(self._table))
            self._fill_picker(listed)
        if graph:
            links = self.similarity_on and bool(self.include_similar.value)
            self.graph = self.kg.graph(
                entity_id,
                hops=int(self.hops.value),
                include_similar=memo.similar(entity_id, threshold) if links else False,
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
        with self._quietly():
            self.neighbor_picker.options = panes.picker_options(hood, self._table_rows)
            self.neighbor_picker.value = ""

    def _status_html(self) -> str:
        counts: list[str] = []
        if self.graph is not None:
            counts += panes.graph_counts(self.graph.n_nodes, self.graph.n_edges,
                                         self.graph.omitted)
        if self._table is not None:
            n = len(self._table)
            counts.append(f"{n:,} typed neighbor{'s' * (n != 1)}")
        if not self.similarity_on:
            counts.append("similarity off")
        title = None if self._current is None else self.kg.entity(self._current)["title"]
        return panes.status_html(title, counts, self.last_update_seconds)

    def _show_empty(self) -> None:
        self.card_pane.value = (
            '<p style="color:#666">Type in the search box and pick a match to focus it.</p>'
        )
        self.status.value = panes.esc(f"{len(self.kg):,} entities · {len(self.kg.edges):,} edges")

