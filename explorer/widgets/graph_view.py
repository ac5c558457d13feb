"""A widget that shows a neighborhood graph and reports double-clicked nodes to Python.

The drawing is the same self-contained page as ``NeighborhoodGraph._repr_html_()``; the
page posts a message when a node is double-clicked, and the widget's front end (an
anywidget module, ``static/graph_view.js``) copies the node's id into ``selected``.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

__all__ = ["GraphView"]


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
