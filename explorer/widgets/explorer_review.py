"""The Explorer's Review page: a :class:`~.review.Review` of the focus's candidate pairs.

The Review is built only when the page is open (finding candidates needs similarity, which
can take minutes on a large graph), and rebuilt for a new focus when the page opens again.
After each decision the Explorer redraws its card, table and graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import ipywidgets as widgets

from ..errors import ExplorerError
from . import panes
from .review import Review

if TYPE_CHECKING:
    from ..curation import Decision
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["REVIEW_PAGE", "Host", "ReviewTab"]

REVIEW_PAGE = 1  #: index of the Review page in ``Explorer.tabs``


class Host(Protocol):
    """What the Review page needs of its :class:`~.explorer.Explorer`."""

    kg: KnowledgeGraph
    tabs: widgets.Tab
    similarity_on: bool
    similarity_box: widgets.Box

    @property
    def current(self) -> str | None: ...  # noqa: D102

    def refresh(self) -> None: ...  # noqa: D102


class ReviewTab:
    """Fills the Explorer's Review page; :meth:`sync` brings it up to date.

    Attributes
    ----------
    page
        The ``VBox`` shown as the Review page.
    note
        The page's message line while there is no Review (no focus, similarity off, error).
    review
        The :class:`~.review.Review` shown (``None`` until the page is first opened).
    """

    def __init__(self, explorer: Host) -> None:
        self.explorer = explorer
        self.note = widgets.HTML(panes.note_html("Focus an entity to review its candidates."))
        self.page = widgets.VBox([self.note])
        self.review: Review | None = None

    @property
    def visible(self) -> bool:
        """Whether the Review page is the one shown."""
        return self.explorer.tabs.selected_index == REVIEW_PAGE

    def sync(self) -> None:
        """Show a Review of the focus's candidates, if the page is open and that can be."""
        ex = self.explorer
        if not self.visible:
            return
        if ex.current is None:
            self._say("Focus an entity to review its candidates.")
        elif not ex.similarity_on:
            self._say("Candidates come from similarity, which is not computed yet.",
                      ex.similarity_box)
        elif self.review is None or self.review.entity != ex.current:
            try:
                self.review = Review(ex.kg, entity=ex.current, on_decision=self._decided)
            except (ExplorerError, ValueError) as err:
                self.note.value = panes.error_html(err)
                self.page.children = [self.note]
                return
            self.page.children = [self.review]

    def _say(self, text: str, *more: widgets.Widget) -> None:
        self.note.value = panes.note_html(text)
        self.page.children = [self.note, *more]

    def _decided(self, decision: Decision) -> None:
        self.explorer.refresh()
