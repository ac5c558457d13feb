"""The review queue: decide on candidate pairs one at a time, in a notebook.

:class:`Review` shows one candidate pair -- two entities near in meaning that no typed
edge joins -- side by side, with the words they share and the words that differ marked,
and records the curator's decision through the graph (``kg.accept``, ``reject``,
``merge``, ``defer``, ``undo``), which changes at once. The queue is the whole graph's
candidates (``kg.candidates``) or one entity's (``kg.similar``); filters narrow it.

The widgets are built in :mod:`.review_controls`, the small HTML in :mod:`.review_html`
(escaped there), the bookkeeping is in :mod:`.review_queue`; keyboard shortcuts come from
:mod:`.review_keys`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ..errors import ExplorerError
from ..words import shorten
from . import panes
from .review_controls import build_review_controls
from .review_html import EntitySide, common_html, header_html, pair_html
from .review_keys import KEYS
from .review_queue import ReviewQueue, entity_pairs, pair_frame

if TYPE_CHECKING:
    from ..curation import Decision
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["CSS_CLASS", "Review"]

logger = logging.getLogger(__name__)

CSS_CLASS = "claim-review"
MERGED = "merged"  #: what settles a pair whose two ends a merge made one entity
PER_ENTITY = 10
VERBS = {"accept": "Accepted", "reject": "Rejected", "merge": "Merged", "defer": "Deferred"}


class Review(widgets.VBox):
    """Candidate pairs, one at a time: accept, reject, merge, defer, undo.

    Parameters
    ----------
    kg
        The knowledge graph; decisions go through its ``accept``, ``reject``, ``merge``,
        ``defer`` and ``undo`` and show at once in its cards and graphs.
    candidates
        The pairs to review (a ``kg.candidates()`` frame, or a ``kg.similar(entity)``
        frame with ``entity``); default: ``kg.similar(entity)`` when ``entity`` is given,
        else ``kg.candidates(per_entity=10)``.
    entity
        Review this entity's candidates only.
    labels, kind_pairs, min_score, max_score
        The filters' first values: labels, kind pairs (either order), score band.
    on_decision
        Called with each :class:`~explorer.curation.Decision` (undos too), after it was
        recorded; the :class:`~.explorer.Explorer` redraws its panes there.
    by
        Who decides (recorded with each decision).

    Attributes
    ----------
    queue
        The :class:`~.review_queue.ReviewQueue` (``queue.pairs`` is the candidate frame).
    pair_pane, header, common, progress, status
        ``HTML``: the two entities, label and score, neighbors in common, "n of m
        reviewed", and the status line (decisions and errors show there).
    relation, note
        The relation to accept with (``Dropdown``) and a note for the next decision.
    accept_button, reject_button, merge_button, swap, defer_button, undo_button,
    previous_button, next_button
        The decision and navigation buttons; ``swap`` makes Merge keep *b*, drop *a*.
    label_filter, kind_filter, score_filter
        The filters (``SelectMultiple``, ``SelectMultiple``, ``FloatRangeSlider``).
    decisions
        The decisions made here and not undone, oldest first.

    Notes
    -----
    Keyboard: click inside the Review (a button), then ``a`` accept, ``r`` reject, ``m``
    merge, ``s`` swap, ``d`` defer, ``u`` undo, ``n``/``→`` next, ``p``/``←`` previous
    (not while typing a note). It needs a front end that runs anywidget (JupyterLab,
    Notebook 7, VS Code); elsewhere use the buttons, whose tooltips name the keys.

    Examples
    --------
    Decisions are written beside the data (``curation.sqlite``), so review a copy here:

    >>> import shutil, tempfile, explorer
    >>> folder = shutil.copytree("data/example", tempfile.mkdtemp() + "/example")
    >>> kg = explorer.load(folder)
    >>> review = Review(kg)
    >>> a, b = review.pair
    >>> decision = review.accept("supports")
    >>> decision.kind, b in set(kg.neighborhood(a)["id"]), "1 of" in review.progress.value
    ('accept', True, True)
    >>> _ = review.undo(); review.pair == (a, b), b in set(kg.neighborhood(a)["id"])
    (True, False)
    >>> shutil.rmtree(folder)
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        candidates: pd.DataFrame | None = None,
        *,
        entity: str | None = None,
        labels: Iterable[str] | None = None,
        kind_pairs: Iterable[tuple[str, str]] | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        on_decision: Callable[[Decision], Any] | None = None,
        by: str | None = None,
    ) -> None:
        self.kg = kg
        self.entity = entity
        self.on_decision = on_decision
        self.by = by
        self.decisions: list[Decision] = []
        self._rows: list[int] = []  # the row each of ``decisions`` settled
        self._pair: tuple[str, str] | None = None
        self.queue = ReviewQueue(self._candidates(candidates))
        controls = build_review_controls(self.queue, labels, kind_pairs, min_score, max_score)
        for name, widget in controls.items():
            setattr(self, name, widget)
        super().__init__(children=controls.layout(), layout=widgets.Layout(width="100%"))
        self.add_class(CSS_CLASS)
        self._connect()
        self._apply_filters()

    # -------------------------------------------------------------- public
    @property
    def current(self) -> pd.Series | None:
        """The candidate shown (a row of ``queue.pairs``), ``None`` when none is left."""
        row = self.queue.current
        return None if row is None else self.queue.pairs.iloc[row]

    @property
    def pair(self) -> tuple[str, str] | None:
        """The ids shown as *a* and *b* (after merges: the entities they are now)."""
        return self._pair

    def accept(self, relation: str | None = None) -> Decision | None:
        """Accept the pair as an edge ``a -relation-> b`` (default: the menu's relation)."""
        return self._decide("accept", relation=relation or self.relation.value)

    def reject(self) -> Decision | None:
        """Reject the pair: it is no edge and no duplicate."""
        return self._decide("reject")

    def merge(self) -> Decision | None:
        """Merge the pair: keep *a*, drop *b* into it (``swap`` on: keep *b*, drop *a*)."""
        return self._decide("merge")

    def defer(self) -> Decision | None:
        """Leave the pair for later (recorded, so it leaves this queue)."""
        return self._decide("defer")

    def undo(self) -> Decision | None:
        """Undo the last decision made here; its pair is shown again."""
        return self._guarded(self._undo)

    def next(self) -> None:
        """Show the next pending pair (wrapping)."""
        self.queue.next()
        self._guarded(self._show)

    def previous(self) -> None:
        """Show the previous pending pair (wrapping)."""
        self.queue.previous()
        self._guarded(self._show)

    # ------------------------------------------------------------ building
    def _candidates(self, given: pd.DataFrame | None) -> pd.DataFrame:
        """The pairs to review, without those deferred before (they wait for later)."""
        if given is None and self.entity is not None:
            given = self.kg.similar(self.entity)
        elif given is None:
            given = self.kg.candidates(per_entity=PER_ENTITY)
        if "id_a" in given or self.entity is None:
            pairs = pair_frame(given)
        else:
            pairs = entity_pairs(self.kg, self.entity, given)
        deferred = self.kg.deferred_pairs()
        if deferred and len(pairs):
            keys = [frozenset(p) for p in zip(pairs["id_a"], pairs["id_b"], strict=True)]
            pairs = pair_frame(pairs[[k not in deferred for k in keys]])
        return pairs

    def _connect(self) -> None:
        actions: dict[str, Callable[[], Any]] = {
            "accept": self.accept, "reject": self.reject, "merge": self.merge,
            "defer": self.defer, "undo": self.undo, "next": self.next,
            "previous": self.previous, "swap": self._toggle_swap,
        }
        for name in ("accept", "reject", "merge", "defer", "undo", "next", "previous"):
            getattr(self, f"{name}_button").on_click(lambda _b, act=actions[name]: act())
        self.swap.observe(lambda _change: self._show_merge_note(), names="value")
        for control in (self.label_filter, self.kind_filter, self.score_filter):
            control.observe(lambda _change: self._apply_filters(), names="value")

        def on_key(change: dict[str, Any]) -> None:
            key = change["new"]
            if key:
                self.shortcuts.pressed = ""
                if key in KEYS:
                    actions[KEYS[key]]()

        self.shortcuts.observe(on_key, names="pressed")

    def _toggle_swap(self) -> None:
        self.swap.value = not self.swap.value

    # ------------------------------------------------------------ decisions
    def _guarded(self, action: Callable[[], Any]) -> Any:
        """Run an action; an error goes to the status line (and the log), never lost."""
        try:
            return action()
        except (ExplorerError, ValueError, KeyError) as err:
            self.status.value = panes.error_html(err)
        except Exception as err:  # noqa: BLE001 - shown to the user, never lost
            logger.exception("review action failed")
            self.status.value = panes.error_html(err)
        return None

    def _decide(self, kind: str, relation: str | None = None) -> Decision | None:
        def run() -> Decision | None:
            row, pair = self.queue.current, self._pair
            if row is None or pair is None:
                self.status.value = panes.note_html("Nothing left to decide on.")
                return None
            a, b = pair
            note = self.note.value.strip() or None
            if kind == "accept":
                decision = self.kg.accept(a, b, relation, note=note, by=self.by)
            elif kind == "merge":
                keep, drop = (b, a) if self.swap.value else (a, b)
                decision = self.kg.merge(keep, drop, note=note, by=self.by)
            else:
                decision = getattr(self.kg, kind)(a, b, note=note, by=self.by)
            self.queue.decide(row, decision)
            self.decisions.append(decision)
            self._rows.append(row)
            self.note.value = ""
            self.swap.value = False
            told = f"{VERBS[kind]}: {_said(decision)}"
            self._show()
            self.status.value = panes.note_html(told + " — Undo (u) takes it back.", "#1a7f37")
            self._notify(decision)
            return decision

        return self._guarded(run)

    def _undo(self) -> Decision | None:
        if not self.decisions:
            self.status.value = panes.note_html("Nothing to undo here.")
            return None
        undone = self.kg.undo(self.decisions[-1].id)
        self.decisions.pop()
        row = self._rows.pop()
        for settled in [r for r, d in self.queue.decided.items() if d is MERGED]:
            self.queue.decided.pop(settled)  # looked at again, after the graph changed
        self.queue.restore(row)
        self._show()
        self.status.value = panes.note_html(f"Undone: {_said(undone)}", "#1a7f37")
        self._notify(undone)
        return undone

    def _notify(self, decision: Decision) -> None:
        if self.on_decision is None:
            return
        try:
            self.on_decision(decision)
        except Exception as err:  # noqa: BLE001 - shown to the user, never lost
            logger.exception("on_decision failed")
            self.status.value += "<br>" + panes.error_html(err)

    # ------------------------------------------------------------- showing
    def _apply_filters(self) -> None:
        low, high = self.score_filter.value
        full = (low, high) == (self.score_filter.min, self.score_filter.max)
        self.queue.filter(
            labels=_chosen(self.label_filter), kind_pairs=_chosen(self.kind_filter),
            min_score=None if full else low, max_score=None if full else high,
        )
        self._guarded(self._show)

    def _show(self) -> None:
        """Show the current pair (skipping pairs a merge made one entity), or that none is left."""
        queue = self.queue
        self._pair = None
        while queue.current is not None:
            row = queue.pairs.iloc[queue.current]
            a, b = self.kg.resolve(row["id_a"]), self.kg.resolve(row["id_b"])
            if a != b:
                self._pair = (a, b)
                break
            queue.decide(queue.current, MERGED)
        reviewed, total = queue.progress
        self.progress.value = (
            f'<b class="review-progress">{reviewed:,} of {total:,} reviewed</b>'
            + (f' <span style="color:#666">(of {len(queue):,} candidates)</span>'
               if total != len(queue) else "")
        )
        for control in (self.accept_button, self.reject_button, self.merge_button,
                        self.defer_button, self.previous_button, self.next_button):
            control.disabled = self._pair is None
        self.undo_button.disabled = not self.decisions
        if self._pair is None:
            self.header.value = self.common.value = self.merge_note.value = ""
            self.pair_pane.value = panes.note_html(
                "Nothing left to review here." if total else "No candidate passes the filters."
            )
            return
        row = queue.pairs.iloc[queue.current]
        a, b = self._pair
        self.header.value = header_html(row["label"], row["score"], row["cosine"],
                                        row["reason"])
        self.pair_pane.value = pair_html(self._side(a, "A"), self._side(b, "B"),
                                         row["shared"], row["differs"])
        self.common.value = self._common_html(a, b)
        self._fill_relations(str(row["relation"]))
        self._show_merge_note()

    def _side(self, entity_id: str, role: str) -> EntitySide:
        entity = self.kg.entity(entity_id)
        papers = self.kg.sources(entity_id).head(2)
        years = papers["year"] if "year" in papers else pd.Series(pd.NA, index=papers.index)
        sources = [
            shorten(str(title), 80) + ("" if pd.isna(year) else f" ({int(year)})")
            for title, year in zip(papers["title"], years, strict=True)
        ]
        summary = entity.get("summary", "")
        return EntitySide(
            id=entity_id, kind=str(entity["kind"]), title=str(entity["title"]),
            summary="" if pd.isna(summary) else str(summary), sources=sources, role=role,
        )

    def _common_html(self, a: str, b: str) -> str:
        hood_a = self.kg.neighborhood(a)
        ids_b = set(self.kg.neighborhood(b)["id"])
        common = hood_a[hood_a["id"].isin(ids_b)]
        return common_html(common["title"].astype(str).tolist(), len(common))

    def _fill_relations(self, suggested: str) -> None:
        known = [str(r) for r in self.kg.edges["relation"].cat.categories]
        options = known if suggested in known else [suggested, *known]
        self.relation.options = options
        self.relation.value = suggested

    def _show_merge_note(self) -> None:
        if self._pair is None:
            self.merge_note.value = ""
            return
        keep, drop = reversed(self._pair) if self.swap.value else self._pair
        self.merge_note.value = (
            f"Merge keeps <b>{'B' if self.swap.value else 'A'}</b> <code>{panes.esc(keep)}"
            f"</code> ← drops <code>{panes.esc(drop)}</code>"
        )


def _chosen(control: widgets.SelectMultiple) -> list[Any] | None:
    """The chosen values, or ``None`` when all are chosen (no filter)."""
    chosen = list(control.value)
    return None if len(chosen) == len(control.options) else chosen


def _said(decision: Decision) -> str:
    """A short plain-text account of a decision."""
    text = f"{decision.a} · {decision.b}"
    if decision.kind == "accept" or (decision.kind == "undo" and decision.relation):
        text = f"{decision.a} —{decision.relation}→ {decision.b}"
    return f"{text} (decision {decision.id})"
