"""The Review's queue: candidate pairs, the filters on them, and which were decided.

Plain Python (no widgets), so the bookkeeping is tested on its own. Rows are positions in
:attr:`ReviewQueue.pairs`; the *shown* rows pass the filters, the *pending* ones are the
shown rows not yet decided; "n of m reviewed" counts the decided rows among the shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.pair_labels import LABELS, SUGGESTED_RELATION

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["PAIR_COLUMNS", "ReviewQueue", "entity_pairs", "kind_pair", "pair_frame"]

PAIR_COLUMNS = ["id_a", "kind_a", "title_a", "id_b", "kind_b", "title_b", "label", "score",
                "cosine", "shared", "differs", "reason", "relation"]
KindPair = tuple[str, str]


def kind_pair(kind_a: object, kind_b: object) -> KindPair:
    """The unordered kind pair of a candidate, as a sorted tuple.

    Examples
    --------
    >>> kind_pair("finding", "claim")
    ('claim', 'finding')
    """
    first, second = sorted((str(kind_a), str(kind_b)))
    return first, second


def pair_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column of :data:`PAIR_COLUMNS` (missing ones filled), rows 0..n-1.

    A missing ``score`` is the cosine, a missing ``relation`` the label's suggestion.

    Examples
    --------
    >>> out = pair_frame(pd.DataFrame({"id_a": ["a"], "kind_a": ["claim"], "title_a": ["A"],
    ...     "id_b": ["b"], "kind_b": ["claim"], "title_b": ["B"], "cosine": [0.9],
    ...     "label": ["possible duplicate"]}))
    >>> out[["score", "relation", "shared"]].values.tolist()
    [[0.9, 'same_as', '']]
    """
    out = frame.reset_index(drop=True).copy()
    for name in ("label", "shared", "differs", "reason"):
        if name not in out:
            out[name] = "candidate edge" if name == "label" else ""
    out["label"] = out["label"].astype(str)
    if "cosine" not in out:
        out["cosine"] = np.nan
    if "score" not in out:
        out["score"] = out["cosine"]
    if "relation" not in out:
        out["relation"] = out["label"].map(SUGGESTED_RELATION).fillna("associated_with")
    return out


def entity_pairs(kg: KnowledgeGraph, entity_id: str, similar: pd.DataFrame) -> pd.DataFrame:
    """One entity's candidates (a ``kg.similar`` frame) as pairs with the entity as *a*."""
    row = kg.entity(entity_id)
    frame = similar.rename(columns={"id": "id_b", "kind": "kind_b", "title": "title_b"})
    frame = frame.assign(id_a=entity_id, kind_a=str(row["kind"]), title_a=str(row["title"]))
    return pair_frame(frame)


class ReviewQueue:
    """Candidate pairs under review: filters, position and decisions.

    Examples
    --------
    >>> q = ReviewQueue(pair_frame(pd.DataFrame({"id_a": ["a", "a", "c"],
    ...     "kind_a": "claim", "title_a": "", "id_b": ["b", "c", "d"], "kind_b": "claim",
    ...     "title_b": "", "cosine": [0.9, 0.8, 0.7]})))
    >>> q.current, q.progress
    (0, (0, 3))
    >>> q.decide(0, "accepted"); q.current, q.progress
    (1, (1, 3))
    >>> q.filter(min_score=0.75); q.pending
    [1]
    """

    def __init__(self, pairs: pd.DataFrame) -> None:
        self.pairs = pairs
        self.decided: dict[int, Any] = {}  #: row -> the decision that settled it
        kinds = zip(pairs["kind_a"], pairs["kind_b"], strict=True)
        self._kind_pairs = [kind_pair(a, b) for a, b in kinds]
        self.shown: list[int] = []
        self._order: dict[int, int] = {}  # row -> its place in ``shown``
        self._show(list(range(len(pairs))))
        self.current: int | None = self.shown[0] if self.shown else None

    def __len__(self) -> int:
        return len(self.pairs)

    # ------------------------------------------------------------- filters
    def labels(self) -> list[str]:
        """The labels in the queue, in the order of :data:`~.pair_labels.LABELS`."""
        present = set(self.pairs["label"])
        return [x for x in LABELS if x in present] + sorted(present - set(LABELS))

    def kind_pairs(self) -> list[KindPair]:
        """The kind pairs in the queue, sorted."""
        return sorted(set(self._kind_pairs))

    def score_range(self) -> tuple[float, float]:
        """The smallest and largest score (``(0, 1)`` when there are none)."""
        scores = pd.to_numeric(self.pairs["score"], errors="coerce").dropna()
        if scores.empty:
            return 0.0, 1.0
        low, high = math.floor(float(scores.min()) * 100) / 100, math.ceil(
            float(scores.max()) * 100) / 100
        return min(low, 0.0), max(high, 1.0)

    def filter(
        self,
        labels: Iterable[str] | None = None,
        kind_pairs: Iterable[tuple[str, str]] | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
    ) -> None:
        """Show only the pairs with these labels, kind pairs (either order) and scores.

        ``None`` keeps everything; a pair without a score passes any score band. The
        current pair stays if it passes, else the first pending one becomes current.
        """
        keep = np.ones(len(self.pairs), dtype=bool)
        if labels is not None:
            keep &= self.pairs["label"].isin(list(labels)).to_numpy()
        if kind_pairs is not None:
            wanted = {kind_pair(a, b) for a, b in kind_pairs}
            keep &= np.fromiter((k in wanted for k in self._kind_pairs), bool, len(keep))
        scores = pd.to_numeric(self.pairs["score"], errors="coerce").to_numpy(dtype=float)
        known = ~np.isnan(scores)
        if min_score is not None:
            keep &= ~known | (scores >= min_score - 1e-9)
        if max_score is not None:
            keep &= ~known | (scores <= max_score + 1e-9)
        self._show(np.flatnonzero(keep).tolist())
        if self.current not in self._order or self.current in self.decided:
            self.current = self._after(None)

    def _show(self, rows: list[int]) -> None:
        self.shown = rows
        self._order = {row: k for k, row in enumerate(rows)}

    # ------------------------------------------------------------ position
    @property
    def pending(self) -> list[int]:
        """The shown rows not decided yet, in queue order."""
        return [row for row in self.shown if row not in self.decided]

    @property
    def progress(self) -> tuple[int, int]:
        """``(reviewed, total)`` among the shown rows."""
        return sum(row in self._order for row in self.decided), len(self.shown)

    def _after(self, row: int | None, step: int = 1) -> int | None:
        """The next (``step=1``) or previous (``-1``) pending row from ``row``, wrapping."""
        n = len(self.shown)
        here = self._order.get(row, -1 if step > 0 else n) if row is not None else -1
        for k in range(1, n + 1):
            candidate = self.shown[(here + step * k) % n]
            if candidate not in self.decided:
                return candidate
        return None

    def next(self) -> int | None:
        """Move to the next pending pair (wrapping) and return its row."""
        self.current = self._after(self.current, 1)
        return self.current

    def previous(self) -> int | None:
        """Move to the previous pending pair (wrapping) and return its row."""
        self.current = self._after(self.current, -1)
        return self.current

    # ----------------------------------------------------------- decisions
    def decide(self, row: int, decision: Any) -> None:
        """Record that ``decision`` settled ``row`` and move on to the next pending pair."""
        self.decided[row] = decision
        self.current = self._after(row)

    def restore(self, row: int) -> None:
        """Forget the decision on ``row`` (it was undone) and make it current again."""
        self.decided.pop(row, None)
        self.current = row if row in self._order else self._after(None)
