"""Calibration from the curator's own decisions: how often a pair in each score band is kept.

``accepted / (accepted + rejected)`` by score band, as a table and a plot, with the
threshold it suggests: the lowest band edge above which at least ``target`` of the
decided pairs were accepted. Merges count as accepted (a duplicate is a pair worth
acting on); deferred and undone decisions do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["MIN_DECISIONS", "Calibration", "calibrate"]

#: Scored accept/reject decisions needed before a threshold is suggested.
MIN_DECISIONS = 20


@dataclass
class Calibration:
    """The acceptance rate by score band, and the threshold it suggests.

    Attributes
    ----------
    table
        Columns ``band, low, high, accepted, rejected, decided, acceptance``.
    suggested_threshold
        ``None`` until there are :data:`MIN_DECISIONS` scored decisions.
    message
        What the table says, or how many more decisions it needs.
    """

    table: pd.DataFrame
    suggested_threshold: float | None
    message: str

    def __repr__(self) -> str:
        return f"Calibration({self.message})\n{self.table.to_string(index=False)}"

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Bars of the acceptance rate per score band, with the suggested threshold."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.2))
        table = self.table
        centers = (table["low"] + table["high"]) / 2
        width = float((table["high"] - table["low"]).iloc[0]) * 0.9 if len(table) else 0.05
        ax.bar(centers, table["acceptance"].fillna(0), width=width, color="tab:green",
               label="accepted / decided")
        for x, n in zip(centers, table["decided"], strict=True):
            ax.annotate(f"{int(n)}", (x, 0.02), ha="center", fontsize=8, color="#333333")
        if self.suggested_threshold is not None:
            ax.axvline(self.suggested_threshold, color="tab:red", linestyle="--",
                       label=f"suggested threshold {self.suggested_threshold:g}")
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("score")
        ax.set_ylabel("share accepted")
        ax.set_title(self.message)
        ax.legend(loc="upper left")
        return ax


def calibrate(decisions: pd.DataFrame, *, bands: int = 10, target: float = 0.5) -> Calibration:
    """Acceptance by score band from a decisions frame (``kg.decisions``).

    Examples
    --------
    >>> d = pd.DataFrame({"kind": ["accept"] * 15 + ["reject"] * 10,
    ...                   "score": [0.9] * 15 + [0.6] * 10, "undone": False})
    >>> result = calibrate(d, bands=4)
    >>> result.suggested_threshold   # bands 0.6-0.7 (all rejected) and 0.9-1.0 (accepted)
    0.7
    """
    used = decisions[
        decisions["kind"].isin(["accept", "merge", "reject"]) & ~decisions["undone"].astype(bool)
    ]
    used = used[pd.notna(used["score"])]
    scores = used["score"].astype(float).to_numpy()
    accepted = used["kind"].isin(["accept", "merge"]).to_numpy()
    low = float(np.floor(scores.min() * 20) / 20) if len(scores) else 0.5
    edges = np.linspace(low, 1.0, bands + 1)
    which = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, bands - 1)
    n_acc = np.bincount(which[accepted], minlength=bands)
    n_rej = np.bincount(which[~accepted], minlength=bands)
    decided = n_acc + n_rej
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(decided > 0, n_acc / np.maximum(decided, 1), np.nan)
    table = pd.DataFrame({
        "band": [f"{a:.2f}–{b:.2f}" for a, b in zip(edges[:-1], edges[1:], strict=True)],
        "low": edges[:-1].round(3), "high": edges[1:].round(3), "accepted": n_acc,
        "rejected": n_rej, "decided": decided, "acceptance": np.round(rate, 3),
    })
    if len(scores) < MIN_DECISIONS:
        more = MIN_DECISIONS - len(scores)
        return Calibration(table, None, f"{len(scores)} scored decisions: {more} more "
                           f"accept/reject decisions needed to suggest a threshold")
    suggested = None
    for k in range(bands):
        later = decided[k:].sum()
        if later and n_acc[k:].sum() / later >= target and (np.nan_to_num(rate[k:], nan=1)
                                                             >= target).all():
            suggested = float(edges[k])
            break
    message = (f"{len(scores)} decisions; pairs scoring ≥ {suggested:g} were accepted at least "
               f"{target:.0%} of the time" if suggested is not None else
               f"{len(scores)} decisions; no band reaches {target:.0%} accepted")
    return Calibration(table, suggested, message)
