"""The Explorer's controls and panes, built and laid out (no behaviour: see ``explorer.py``).

:func:`build_controls` makes every widget of the *Explore* page and returns them as one
:class:`Controls`; :meth:`Controls.layout` arranges them. The :class:`~.explorer.Explorer`
copies each field onto itself (``ex.search``, ``ex.hops``, ...) and wires the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .graph_view import GraphView

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["MAX_HOPS", "Controls", "build_controls", "offer"]

MAX_HOPS = 3
WIDE = {"description_width": "initial"}


@dataclass
class Controls:
    """Every widget of the Explore page (see :class:`~.explorer.Explorer` for each)."""

    search: widgets.Text
    match_note: widgets.HTML
    matches: widgets.Select
    hops: widgets.IntSlider
    min_cosine: widgets.FloatSlider
    max_nodes: widgets.BoundedIntText
    include_similar: widgets.Checkbox
    kinds: widgets.SelectMultiple
    relations: widgets.SelectMultiple
    back_button: widgets.Button
    status: widgets.HTML
    similarity_button: widgets.Button
    similarity_progress: widgets.Output
    similarity_box: widgets.HBox
    card_pane: widgets.HTML
    graph_pane: GraphView
    neighbor_picker: widgets.Dropdown
    neighbor_table: widgets.HTML

    def items(self) -> list[tuple[str, widgets.Widget]]:
        """``(name, widget)`` for every field, in order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def layout(self) -> widgets.VBox:
        """The Explore page: search and controls, status, card beside graph, neighbors."""
        search = widgets.VBox(
            [self.search, self.match_note, self.matches], layout=widgets.Layout(flex="2 1 0")
        )
        graph_controls = widgets.VBox(
            [self.hops, self.min_cosine, self.max_nodes, self.include_similar]
        )
        filters = widgets.HBox([
            widgets.VBox([widgets.HTML("<b>Kinds</b>"), self.kinds]),
            widgets.VBox([widgets.HTML("<b>Relations</b>"), self.relations]),
        ])
        return widgets.VBox([
            widgets.HBox([search, graph_controls, filters]),
            widgets.HBox([self.back_button, self.status],
                         layout=widgets.Layout(align_items="center")),
            self.similarity_box,
            widgets.HBox([self.card_pane, self.graph_pane],
                         layout=widgets.Layout(width="100%", align_items="flex-start")),
            widgets.VBox([self.neighbor_picker, self.neighbor_table]),
        ], layout=widgets.Layout(width="100%"))


def build_controls(
    kg: KnowledgeGraph,
    *,
    hops: int,
    threshold: float,
    include_similar: bool,
    max_nodes: int,
    similarity_on: bool,
) -> Controls:
    """Make the Explore page's widgets with their first values.

    With ``similarity_on`` false the threshold and "Include similar" are disabled and the
    "Compute similarity" button shows; otherwise the button is hidden.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> c = build_controls(kg, hops=1, threshold=0.5, include_similar=True, max_nodes=150,
    ...                    similarity_on=False)
    >>> c.include_similar.value, c.include_similar.disabled, c.similarity_box.layout.display
    (False, True, 'flex')
    """
    kinds = [str(k) for k in kg.entities["kind"].cat.categories]
    relations = [str(r) for r in kg.edges["relation"].cat.categories]
    matches = widgets.Select(options=[], rows=6, layout=widgets.Layout(width="100%"))
    matches.add_class("explorer-matches")
    button = widgets.Button(
        description="Compute similarity", icon="calculator", button_style="info",
        tooltip="Embed every entity (once; may take minutes on a large graph), then show "
        "related-by-similarity entities in the card and as dashed links in the graph",
        layout=widgets.Layout(width="200px"),
    )
    button.add_class("explorer-compute-similarity")
    progress = widgets.Output(layout=widgets.Layout(flex="1 1 auto"))
    box = widgets.HBox(
        [button, progress],
        layout=widgets.Layout(align_items="center", display="none" if similarity_on else "flex"),
    )
    return Controls(
        search=widgets.Text(
            placeholder="Search a title or id (typos are fine)", description="Search",
            continuous_update=True, layout=widgets.Layout(width="100%"),
        ),
        match_note=widgets.HTML(),
        matches=matches,
        hops=widgets.IntSlider(
            value=hops, min=0, max=MAX_HOPS, description="Hops", continuous_update=False
        ),
        min_cosine=widgets.FloatSlider(
            value=threshold, min=-1.0, max=1.0, step=0.01, description="Min cosine",
            readout_format=".2f", continuous_update=False, style=WIDE,
            disabled=not similarity_on,
        ),
        max_nodes=widgets.BoundedIntText(
            value=max_nodes, min=1, max=5000, description="Max nodes", style=WIDE,
            layout=widgets.Layout(width="180px"),
        ),
        include_similar=widgets.Checkbox(
            value=include_similar and similarity_on, description="Include similar",
            indent=False, disabled=not similarity_on,
        ),
        kinds=_multiple(kinds, "150px"),
        relations=_multiple(relations, "180px"),
        back_button=widgets.Button(
            description="Back", icon="arrow-left", disabled=True, tooltip="Previous focus",
            layout=widgets.Layout(width="90px"),
        ),
        status=widgets.HTML(),
        similarity_button=button,
        similarity_progress=progress,
        similarity_box=box,
        card_pane=widgets.HTML(layout=widgets.Layout(
            flex="2 1 0", min_width="280px", max_height="660px", overflow="auto"
        )),
        graph_pane=GraphView(layout=widgets.Layout(flex="3 1 0", min_width="360px")),
        neighbor_picker=widgets.Dropdown(
            options=[], description="Go to", layout=widgets.Layout(width="60%")
        ),
        neighbor_table=widgets.HTML(),
    )


def offer(control: widgets.SelectMultiple, values: list[str]) -> None:
    """Add the ``values`` the control lacks to its options, chosen if every option was.

    Examples
    --------
    >>> control = _multiple(["a", "b"], "10em")
    >>> offer(control, ["a", "b", "c"])
    >>> control.options, control.value
    (('a', 'b', 'c'), ('a', 'b', 'c'))
    """
    new = [v for v in values if v not in control.options]
    if new:
        chosen = control.value
        every = len(chosen) == len(control.options)
        control.options = [*control.options, *new]
        control.value = control.options if every else chosen


def _multiple(options: list[str], width: str) -> widgets.SelectMultiple:
    return widgets.SelectMultiple(
        options=options, value=options, rows=min(max(len(options), 2), 6),
        layout=widgets.Layout(width=width),
    )
