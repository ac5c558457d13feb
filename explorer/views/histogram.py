"""The nearest-neighbor cosine histogram: where the threshold falls for an embedder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..analysis.thresholds import DEFAULT_MIN_COSINE, check_min_cosine

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_nearest_cosine_histogram"]


def plot_nearest_cosine_histogram(
    nearest: np.ndarray,
    min_cosine: float = DEFAULT_MIN_COSINE,
    *,
    ax: Axes | None = None,
    label: str | None = None,
    bins: int = 50,
) -> Axes:
    """Plot the distribution of nearest-neighbor cosines against a threshold.

    Parameters
    ----------
    nearest
        Each entity's best cosine to another, as from
        :meth:`SimilarityIndex.nearest_cosine`; NaN (no text) is left out and
        counted in the title.
    min_cosine
        The threshold, drawn as a vertical line.
    ax
        Axes to draw on; a new figure if ``None``.
    label
        What the entities are (for the legend), e.g. ``"claims"``.
    bins
        Number of histogram bins.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. Bars at or above the threshold are coloured apart,
        and the legend gives the counts above and below.
    """
    import matplotlib.pyplot as plt

    t = check_min_cosine(min_cosine)
    values = np.asarray(nearest, dtype=np.float64).ravel()
    n_missing = int(np.isnan(values).sum())
    values = values[~np.isnan(values)]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    what = label or "entities"
    above = values >= np.float32(t)
    edges = np.histogram_bin_edges(values if len(values) else [t], bins=bins)
    n_above = int(above.sum())
    ax.hist(
        values[~above],
        bins=edges,
        color="tab:gray",
        label=f"{what} below: {len(values) - n_above:,}",
    )
    ax.hist(values[above], bins=edges, color="tab:orange", label=f"{what} at/above: {n_above:,}")
    ax.axvline(t, color="tab:red", linestyle="--", label=f"min_cosine = {t:g}")
    ax.set_xlabel("cosine to the nearest other entity")
    ax.set_ylabel("entities")
    title = "Nearest-neighbor cosine"
    if n_missing:
        title += f" ({n_missing:,} without text not shown)"
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax
