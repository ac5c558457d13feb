"""The Review's widgets, built and laid out (no behaviour: see ``review.py``).

:func:`build_review_controls` makes every widget of a :class:`~.review.Review` and
returns them as one :class:`ReviewControls`; the Review copies each field onto itself
(``review.accept_button``, ``review.label_filter``, ...) and wires the handlers. Each
button's label and tooltip name its keyboard shortcut (:data:`~.review_keys.KEYS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import ipywidgets as widgets

from .review_keys import KEYS, ReviewKeys
from .review_queue import ReviewQueue

__all__ = ["ReviewControls", "build_review_controls"]


@dataclass
class ReviewControls:
    """Every widget of a Review (see :class:`~.review.Review` for each)."""

    shortcuts: ReviewKeys
    progress: widgets.HTML
    status: widgets.HTML
    header: widgets.HTML
    pair_pane: widgets.HTML
    common: widgets.HTML
    merge_note: widgets.HTML
    relation: widgets.Dropdown
    note: widgets.Text
    accept_button: widgets.Button
    reject_button: widgets.Button
    merge_button: widgets.Button
    swap: widgets.ToggleButton
    defer_button: widgets.Button
    undo_button: widgets.Button
    previous_button: widgets.Button
    next_button: widgets.Button
    label_filter: widgets.SelectMultiple
    kind_filter: widgets.SelectMultiple
    score_filter: widgets.FloatRangeSlider

    def items(self) -> list[tuple[str, widgets.Widget]]:
        """``(name, widget)`` for every field, in order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def layout(self) -> list[widgets.Widget]:
        """Filters, progress, the pair, the decision buttons, the status line."""
        label = widgets.HTML
        filters = widgets.HBox([
            widgets.VBox([label("<b>Labels</b>"), self.label_filter]),
            widgets.VBox([label("<b>Kind pairs</b>"), self.kind_filter]),
            widgets.VBox([label("<b>Score band</b>"), self.score_filter]),
        ])

        def row(*children: widgets.Widget) -> widgets.HBox:
            return widgets.HBox(list(children), layout=widgets.Layout(
                align_items="center", flex_flow="row wrap"))

        return [
            filters,
            row(self.progress, self.shortcuts),
            self.header,
            self.pair_pane,
            self.common,
            row(self.relation, self.accept_button, self.reject_button, self.defer_button),
            row(self.merge_button, self.swap, self.merge_note),
            row(self.previous_button, self.next_button, self.undo_button, self.note),
            self.status,
        ]


def build_review_controls(
    queue: ReviewQueue,
    labels: Iterable[str] | None = None,
    kind_pairs: Iterable[tuple[str, str]] | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
) -> ReviewControls:
    """Make a Review's widgets; the filters offer what ``queue`` holds, set as given.

    Examples
    --------
    >>> import pandas as pd
    >>> from explorer.widgets.review_queue import pair_frame
    >>> queue = ReviewQueue(pair_frame(pd.DataFrame({"id_a": ["a"], "kind_a": ["claim"],
    ...     "title_a": ["A"], "id_b": ["b"], "kind_b": ["finding"], "title_b": ["B"],
    ...     "cosine": [0.8], "label": ["candidate edge"]})))
    >>> c = build_review_controls(queue, min_score=0.5)
    >>> c.accept_button.description, c.kind_filter.value, c.score_filter.value
    ('Accept (a)', (('claim', 'finding'),), (0.5, 1.0))
    """

    def button(text: str, action: str, tip: str, **style: Any) -> widgets.Button:
        key = next(k for k, v in KEYS.items() if v == action)
        made = widgets.Button(description=f"{text} ({key})", tooltip=f"{tip} — key {key}",
                              layout=widgets.Layout(width="auto"), **style)
        made.add_class(f"review-{action}")
        return made

    low, high = queue.score_range()
    chosen_pairs = None if kind_pairs is None else [tuple(sorted(p)) for p in kind_pairs]
    return ReviewControls(
        shortcuts=ReviewKeys(),
        progress=widgets.HTML(),
        status=widgets.HTML(),
        header=widgets.HTML(),
        pair_pane=widgets.HTML(),
        common=widgets.HTML(),
        merge_note=widgets.HTML(),
        relation=widgets.Dropdown(description="Relation", options=[],
                                  layout=widgets.Layout(width="260px")),
        note=widgets.Text(placeholder="Note for the decision (optional)",
                          layout=widgets.Layout(width="50%")),
        accept_button=button("Accept", "accept", "Add the edge a -relation-> b",
                             button_style="success", icon="check"),
        reject_button=button("Reject", "reject", "Not an edge, not a duplicate",
                             button_style="danger", icon="times"),
        merge_button=button("Merge", "merge", "One entity: keep one, drop the other into it",
                            button_style="warning", icon="compress"),
        swap=widgets.ToggleButton(description="Swap (s)", value=False, icon="exchange",
                                  tooltip="Merge the other way round — key s"),
        defer_button=button("Defer", "defer", "Decide later", icon="clock-o"),
        undo_button=button("Undo", "undo", "Undo the last decision made here", icon="undo",
                           disabled=True),
        previous_button=button("Previous", "previous", "Previous pending pair (or ←)",
                               icon="arrow-left"),
        next_button=button("Next", "next", "Next pending pair (or →)", icon="arrow-right"),
        label_filter=_multiple([(x, x) for x in queue.labels()], labels, "190px"),
        kind_filter=_multiple([(f"{a} · {b}", (a, b)) for a, b in queue.kind_pairs()],
                              chosen_pairs, "200px"),
        score_filter=widgets.FloatRangeSlider(
            value=(low if min_score is None else max(low, min_score),
                   high if max_score is None else min(high, max_score)),
            min=low, max=high, step=0.01, description="Score", readout_format=".2f",
            continuous_update=False,
        ),
    )


def _multiple(options: list[tuple[str, Any]], chosen: Iterable[Any] | None, width: str
              ) -> widgets.SelectMultiple:
    """A multiple choice of ``(label, value)`` options: ``chosen`` (default: all) chosen."""
    wanted = None if chosen is None else set(chosen)
    value = [v for _, v in options if wanted is None or v in wanted]
    return widgets.SelectMultiple(options=options, value=value,
                                  rows=min(max(len(options), 2), 6),
                                  layout=widgets.Layout(width=width))
