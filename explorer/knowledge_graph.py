"""The façade users hold: :class:`KnowledgeGraph` and :func:`load`.

``KnowledgeGraph`` is the graph core (:class:`~explorer.core.graph.GraphCore`) plus
one-line methods that call the layers above it: similarity (``similar``, ``candidates``),
views (``card``, ``graph``) and curation. Nothing below this module imports it, so the
arrows point one way: load → core → analysis → views → this façade → widgets and CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .analysis.embedders.protocol import Embedder
from .analysis.graph_similarity import GraphSimilarity
from .arrow_pool import release_unused
from .choices import as_choice
from .core.graph import GraphCore, as_list
from .core.neighborhood import NeighborRanking
from .core.neighborhood import neighborhood as _neighborhood
from .curated import CurationMethods, curation_path
from .curation.overlay import Overlay
from .curation.store import DecisionStore
from .load.folder import read_folder
from .load.schema import OnError
from .similarity_methods import SimilarityMethods
from .views.card import Card, build_card
from .views.subgraph import neighborhood_subgraph

if TYPE_CHECKING:

    from .views.page import NeighborhoodGraph

__all__ = ["KnowledgeGraph", "load"]


def load(
    path: str | Path, *, on_error: str = "raise", curation: str | Path | bool | None = None
) -> KnowledgeGraph:
    """Load a data directory (or one entities file) into a :class:`KnowledgeGraph`.

    Parameters
    ----------
    path
        A folder holding ``entities.<ext>`` (or one file per kind) and ``edges.<ext>``,
        formats CSV, TSV, JSON Lines or Parquet (see ``docs/data-format.md``).
    on_error
        ``"raise"`` (default) stops at the first row that breaks the contract with a
        :class:`~explorer.SchemaError` naming file, row and column. ``"report"`` loads every
        sound row and lists the others in ``kg.report``.
    curation
        Where the curator's decisions are kept: ``None`` (default) is
        ``<data>/curation.sqlite``; a path puts them elsewhere (for a read-only or shared
        data folder); ``False`` loads the tables without applying any decision.

    Returns
    -------
    KnowledgeGraph

    Examples
    --------
    >>> kg = load("data/example")
    >>> int(kg.entity("paper:carauleanu-2024-source-of-the-example-claim")["year"])
    2024
    """
    mode = as_choice(OnError, on_error, "on_error")
    tables = read_folder(path)
    decisions = curation_path(tables.folder, curation)
    curated = decisions is not None and DecisionStore.exists(decisions)
    kg = KnowledgeGraph.from_frames(  # with decisions, the adjacency is built once: after them
        tables.entities, tables.edges, on_error=mode, report=tables.report,
        build_adjacency=not curated,
    )
    kg.path = tables.folder
    kg.embeddings_file = tables.embeddings_file
    kg._curation_path = decisions
    kg._base = (kg.entities, kg.edges)
    if curated:
        kg._refresh()
        for problem in kg._overlay.problems if kg._overlay is not None else ():
            kg.report.notes.append(f"{kg._curation_path}: {problem}")
    kg.adjacency  # noqa: B018 - built now, so the first neighborhood does not wait for it
    release_unused()  # what reading the tables left in Arrow's pool (0.75 GB at 1M)
    return kg




class KnowledgeGraph(CurationMethods, SimilarityMethods, GraphCore):
    """Entities and typed edges of a research knowledge graph, with everything to explore it.

    Build one with :func:`explorer.load` or :meth:`from_frames`. The data and look-ups
    come from :class:`~explorer.core.graph.GraphCore`; the methods here are the
    notebook's entry points to neighborhoods, similarity, cards and pictures.
    """

    def __init__(self, entities: pd.DataFrame, edges: pd.DataFrame, **parts: Any) -> None:
        super().__init__(entities, edges, **parts)
        self.path: Path | None = None
        self.embeddings_file: Path | None = None
        self._similarity: GraphSimilarity | None = None
        self._embedder: str | Embedder | None = None
        self._embed_fields: tuple[str, ...] = ("title", "summary")
        self._cache: str | Path | None = "user"
        self._store: DecisionStore | None = None
        self._curation_path: Path | None = None
        self._base: tuple[pd.DataFrame, pd.DataFrame] | None = None
        self._overlay: Overlay | None = None

    def __repr__(self) -> str:
        text = super().__repr__()
        curated = self.curation_summary()
        return text + (f"\n  curation: {curated}" if curated else "")

    def neighborhood(self, entity_id: str, **options: Any) -> pd.DataFrame:
        """Typed neighbors ranked by edge count, grouped by kind.

        See :func:`explorer.core.neighborhood.neighborhood` for the parameters.

        Examples
        --------
        >>> kg = load("data/example")
        >>> hood = kg.neighborhood(kg.find("learned features reflect").iloc[0]["id"])
        >>> hood[["kind", "edge_count"]].head(2).values.tolist()
        [['finding', 2], ['finding', 1]]
        """
        return _neighborhood(self, entity_id, **options)

    # -------------------------------------------------------------------- card
    def card(
        self,
        entity_id: str,
        *,
        max_per_kind: int | None = 25,
        similar: bool | pd.DataFrame = True,
        min_cosine: float | None = None,
        max_similar: int = 25,
        neighborhood: pd.DataFrame | NeighborRanking | None = None,
    ) -> Card:
        """The entity's page: header, source line, neighborhood and related-by-similarity.

        Parameters
        ----------
        entity_id
            The entity to show.
        max_per_kind
            Neighbors listed per kind (each group still shows its full count).
        similar
            Include the "Related by similarity" section (computes embeddings on first use);
            or the frame ``kg.similar(entity_id, min_cosine)`` gave already, to show it.
        min_cosine
            Threshold for that section; default: the embedder's calibrated threshold.
        max_similar
            Entries listed in that section.
        neighborhood
            ``kg.neighborhood(entity_id)`` (or its unfiltered
            :class:`~explorer.core.neighborhood.NeighborRanking`) if it was computed already:
            the card takes its part of it instead of computing it again.

        Returns
        -------
        Card
            Shows as HTML in a notebook and as text with ``print``.
        """
        found = _similar_frame(self, entity_id, similar, min_cosine)
        return build_card(
            self, entity_id, max_per_kind=max_per_kind, similar=found, max_similar=max_similar,
            hood=neighborhood,
        )


    # ------------------------------------------------------------------- graph
    def graph(
        self,
        entity_id: str,
        hops: int = 1,
        include_similar: bool | pd.DataFrame = True,
        min_cosine: float | None = None,
        kinds: Iterable[str] | None = None,
        relations: Iterable[str] | None = None,
        max_nodes: int = 150,
        *,
        height: str = "620px",
    ) -> NeighborhoodGraph:
        """An interactive picture of the entity's neighborhood (pyvis, offline).

        Parameters
        ----------
        entity_id
            The focus entity.
        hops
            How many typed edges out to go.
        include_similar
            Draw similar entities (no typed edge) as dashed links to the focus; or the
            frame ``kg.similar(entity_id, min_cosine)`` gave already, to draw it.
        min_cosine
            Threshold for those links; default: the embedder's.
        kinds, relations
            Keep only entities of these kinds and edges of these relations.
        max_nodes
            Past this many nodes the highest-ranked neighbors are kept and the picture
            says how many were left out.
        height
            CSS height of the drawing.

        Returns
        -------
        NeighborhoodGraph
            Displays in JupyterLab, Notebook and VS Code; ``save(path)`` writes one
            self-contained HTML file.
        """
        from .views.page import neighborhood_network

        found = _similar_frame(self, entity_id, include_similar, min_cosine)
        part = neighborhood_subgraph(
            self, entity_id, hops=hops, similar=found, kinds=as_list(kinds),
            relations=as_list(relations), max_nodes=max_nodes,
        )
        return neighborhood_network(
            part.nodes, part.edges, focus=entity_id, omitted=part.omitted, height=height
        )


def _similar_frame(kg: KnowledgeGraph, entity_id: str, similar: bool | pd.DataFrame,
                   min_cosine: float | None) -> pd.DataFrame | None:
    """The similar frame to show: the one given, computed (``True``) or none (``False``)."""
    if isinstance(similar, pd.DataFrame):
        return similar
    return kg.similar(entity_id, min_cosine=min_cosine) if similar else None
