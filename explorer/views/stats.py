"""Degree and kind statistics of a knowledge graph, as tidy frames and small plots.

The frames are plain pandas; the ``plot_*`` functions draw on a matplotlib ``Axes``
(a new figure when none is given) and return it, so notebooks stay one line per plot.
matplotlib is imported only inside the plotting functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .palette import kind_colors

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..core.graph import GraphCore as KnowledgeGraph

__all__ = [
    "degree_by_kind",
    "degree_distribution",
    "plot_degree_distribution",
    "plot_kind_counts",
    "plot_relations_by_kind",
    "relations_by_kind",
]


def degree_distribution(kg: KnowledgeGraph) -> pd.DataFrame:
    """Count the entities of each degree.

    Returns
    -------
    pandas.DataFrame
        Columns ``degree, entities``, one row per degree that occurs, ascending;
        the counts add up to the number of entities.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> dist = degree_distribution(kg)
    >>> int(dist["entities"].sum()) == len(kg)
    True
    """
    counts = np.bincount(np.asarray(kg.degree, dtype=np.int64))
    present = np.flatnonzero(counts)
    return pd.DataFrame({"degree": present, "entities": counts[present]})


def degree_by_kind(kg: KnowledgeGraph) -> pd.DataFrame:
    """Summarise the degree of each kind's entities.

    Returns
    -------
    pandas.DataFrame
        Indexed by kind (largest kind first); columns ``entities, edges_at,
        mean_degree, median_degree, max_degree, isolated`` where ``edges_at`` sums the
        degrees and ``isolated`` counts entities with no edge.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> table = degree_by_kind(kg)
    >>> int(table["entities"].sum()) == len(kg)
    True
    """
    frame = pd.DataFrame(
        {"kind": kg.entities["kind"].astype(str).to_numpy(), "degree": kg.degree.to_numpy()}
    )
    grouped = frame.groupby("kind", sort=False)["degree"]
    table = pd.DataFrame(
        {
            "entities": grouped.size(),
            "edges_at": grouped.sum(),
            "mean_degree": grouped.mean().round(2),
            "median_degree": grouped.median(),
            "max_degree": grouped.max(),
            "isolated": grouped.apply(lambda d: int((d == 0).sum())),
        }
    )
    table.index.name = "kind"
    return table.sort_values(["entities", "edges_at"], ascending=False)


def relations_by_kind(kg: KnowledgeGraph, end: str = "source") -> pd.DataFrame:
    """Count edges by the kind at one end and their relation.

    Parameters
    ----------
    kg
        The graph.
    end
        ``"source"`` (default), ``"target"``, or ``"either"`` (each edge counted once
        for the kind of each end, twice when both ends share a kind).

    Returns
    -------
    pandas.DataFrame
        Kinds as rows, relations as columns, edge counts as values (zeros filled in).

    Raises
    ------
    ValueError
        If ``end`` is not one of the three choices.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> int(relations_by_kind(kg).to_numpy().sum()) == len(kg.edges)
    True
    """
    choices = ("source", "target", "either")
    if end not in choices:
        raise ParameterError(f"end must be one of {', '.join(choices)}; got {end!r}.")
    kinds = kg.entities["kind"].astype(str).to_numpy()
    relation = kg.edges["relation"].astype(str).to_numpy()
    if end == "either":
        ends = np.concatenate([kinds[kg.source_codes], kinds[kg.target_codes]])
        relation = np.concatenate([relation, relation])
    else:
        codes = kg.source_codes if end == "source" else kg.target_codes
        ends = kinds[codes]
    table = pd.crosstab(pd.Series(ends, name="kind"), pd.Series(relation, name="relation"))
    order = table.sum(axis=1).sort_values(ascending=False).index
    return table.loc[order]


def plot_degree_distribution(kg: KnowledgeGraph, *, ax: Axes | None = None) -> Axes:
    """Plot how many entities have each degree, on log-log axes.

    Entities of degree 0 cannot be drawn on a log axis; their count is in the title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    dist = degree_distribution(kg)
    isolated = int(dist.loc[dist["degree"] == 0, "entities"].sum())
    drawn = dist[dist["degree"] > 0]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(drawn["degree"], drawn["entities"], s=18, color="#4e79a7")
    if len(drawn):
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("degree (edges at the entity)")
    ax.set_ylabel("entities")
    ax.set_title(f"Degree distribution ({isolated:,} entities without edges not drawn)")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def plot_kind_counts(kg: KnowledgeGraph, *, ax: Axes | None = None) -> Axes:
    """Bar chart of the number of entities of each kind, in the kinds' colours.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    counts = kg.kind_counts()
    counts = counts[counts > 0]
    names = [str(k) for k in counts.index]
    colors = kind_colors(names)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    bars = ax.bar(names, counts.to_numpy(), color=[colors[k] for k in names])
    ax.bar_label(bars, labels=[f"{int(v):,}" for v in counts.to_numpy()], fontsize=9)
    ax.set_ylabel("entities")
    ax.set_title("Entities per kind")
    return ax


def plot_relations_by_kind(
    kg: KnowledgeGraph, end: str = "source", *, ax: Axes | None = None
) -> Axes:
    """Stacked bar chart of edges per kind, split by relation (see :func:`relations_by_kind`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    table = relations_by_kind(kg, end=end)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    bottom = np.zeros(len(table))
    cmap = plt.get_cmap("tab10")
    for number, relation in enumerate(table.columns):
        values = table[relation].to_numpy()
        ax.bar(table.index.astype(str), values, bottom=bottom, label=str(relation),
               color=cmap(number % 10))
        bottom += values
    ax.set_ylabel("edges")
    ax.set_xlabel(f"kind of the edge's {end}" if end != "either" else "kind of either end")
    ax.set_title("Relations per kind")
    ax.legend(title="relation", fontsize=8)
    return ax
