"""The Explorer's live search: debounced typing, matches, and the index built in advance.

``kg.find`` builds its title index on first use (many seconds on a million entities), so
:class:`LiveSearch` builds it in a background thread as soon as the Explorer opens. A
search typed meanwhile does not build a second index: in a Jupyter kernel (an event loop
runs) it says the index is being built and runs on the loop as soon as the thread is done,
so the kernel stays free; without a loop it waits for the thread. An error in the thread
is logged, and the first search tries again and shows it under the box.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from . import panes

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["LiveSearch"]

logger = logging.getLogger(__name__)


class LiveSearch:
    """Fills ``matches`` with the best matches of what is typed into ``box``.

    Parameters
    ----------
    kg
        The graph searched (``kg.find``).
    box, note, matches
        The search ``Text``, the ``HTML`` line under it, the ``Select`` of matches.
    quietly
        A context manager under which changing ``matches`` does not count as a pick.
    delay
        Seconds to wait after the last keystroke (only when an event loop runs, as in a
        Jupyter kernel; otherwise each change searches at once).
    limit
        Matches listed.
    start
        Start building the index now; else at :meth:`start` or the first search.

    Attributes
    ----------
    warmer
        The thread building the search index (a daemon).

    Examples
    --------
    >>> import contextlib, explorer
    >>> kg = explorer.load("data/example")
    >>> box, note, matches = widgets.Text(), widgets.HTML(), widgets.Select()
    >>> search = LiveSearch(kg, box, note, matches, quietly=contextlib.nullcontext)
    >>> box.value = "logit weight"
    >>> matches.options[0][1]
    'method:logit-weight-analysis'
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        box: widgets.Text,
        note: widgets.HTML,
        matches: widgets.Select,
        *,
        quietly: Callable[[], AbstractContextManager[Any]],
        delay: float = 0.25,
        limit: int = 10,
        start: bool = True,
    ) -> None:
        self.kg, self.box, self.note, self.matches = kg, box, note, matches
        self._quietly = quietly
        self._delay = delay
        self._limit = limit
        self._handle: asyncio.TimerHandle | None = None
        self._state = threading.Lock()  # guards the two below
        self._ready = False  # the warmer is done
        self._waiting: asyncio.AbstractEventLoop | None = None  # a search waits on this loop
        self.warmer = threading.Thread(
            target=self._warm, args=(kg.find,), name="explorer-search-index", daemon=True
        )
        if start:
            self.start()
        box.observe(self._on_type, names="value")

    def start(self) -> None:
        """Start building the index in the background (once; later calls do nothing)."""
        if self.warmer.ident is None:
            self.warmer.start()

    def _warm(self, find: Callable[..., pd.DataFrame]) -> None:
        """Build the search index; then run the search that waited for it, if any."""
        try:
            find("a", limit=1)
        except Exception:  # noqa: BLE001 - a thread's error would be lost otherwise
            logger.exception("building the search index failed; the first search will "
                             "try again and show the error")
        finally:
            with self._state:
                self._ready, loop, self._waiting = True, self._waiting, None
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self.run)

    def _on_type(self, change: dict[str, Any]) -> None:
        loop = _running_loop()
        if loop is None or self._delay <= 0:
            self.run()
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(self._delay, self.run)

    def run(self) -> None:
        """Search for the box's text now and list the matches (an error shows under it)."""
        self._handle = None
        text = self.box.value.strip()
        with self._quietly():
            if len(text) < 2:
                self.matches.options = []
                self.note.value = ""
                return
            if not self._index_ready():
                return
            try:
                hits = self.kg.find(text, limit=self._limit)
            except Exception as err:  # noqa: BLE001 - shown to the user, never lost
                logger.exception("search failed")
                self.note.value = panes.error_html(err)
                return
            self.matches.options = [
                (panes.match_label(row.title, row.kind, row.id), row.id)
                for row in hits.itertuples(index=False)
            ]
            self.matches.value = None
            self.note.value = panes.match_note_html(len(hits), text)

    def _index_ready(self) -> bool:
        """Whether the index is built; if not, with a loop, run again once it is."""
        loop = _running_loop()
        self.start()
        with self._state:
            if self._ready:
                return True
            if loop is not None:
                self._waiting = loop
        if loop is None:
            self.warmer.join()  # no loop to come back on: wait for the index
            return True
        self.note.value = panes.note_html(
            "Building the search index (once for this graph); the matches follow…"
        )
        return False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
