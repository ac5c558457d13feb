"""A widget that shows a neighborhood graph and reports double-clicked nodes to Python.

The drawing is the same self-contained page as ``NeighborhoodGraph._repr_html_()``; the
page posts a message when a node is double-clicked, and the widget's front end (an
anywidget module, ``static/graph_view.js``) copies the node's id into ``selected``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import ipywidgets as widgets
import traitlets

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["GraphView", "show_graph"]


class GraphView(anywidget.AnyWidget):
    """The graph pane of the :class:`~explorer.widgets.Explorer`.

    Attributes
    ----------
    value
        The ``<iframe srcdoc=...>`` markup of the graph (escaped by :mod:`explorer.render`).
    selected
        The id of the node last double-clicked in the browser ("" when none).
    """

    _esm = Path(__file__).resolve().parents[1] / "static" / "graph_view.js"
    value = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)


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
