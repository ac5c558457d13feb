"""The façade users hold: :class:`KnowledgeGraph` and :func:`load`.

``KnowledgeGraph`` is the graph core (:class:`~explorer.core.graph.GraphCore`) plus
one-line methods that call the layers above it: similarity (``similar``, ``candidates``),
views (``card``, ``graph``) and curation. Nothing below this module imports it, so the
arrows point one way: load → core → analysis → views → this façade → widgets and CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .analysis.embedders.protocol import Embedder
from .analysis.embedders.registry import get_embedder
from .analysis.graph_similarity import GraphSimilarity, vector_cache_dir
from .analysis.related import candidates as _candidates
from .analysis.related import similar as _similar
from .choices import as_choice
from .core.graph import GraphCore, as_list
from .core.neighborhood import neighborhood as _neighborhood
from .load.folder import read_folder
from .load.schema import OnError
from .views.card import Card, build_card
from .views.subgraph import neighborhood_subgraph

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
    kg = KnowledgeGraph.from_frames(
        tables.entities, tables.edges, on_error=mode, report=tables.report
    )
    kg.path = tables.folder
    kg.embeddings_file = tables.embeddings_file
    return kg




class KnowledgeGraph(GraphCore):
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

    def neighborhood(self, entity_id: str, **options: Any) -> pd.DataFrame:
        """Typed neighbors ranked by edge count, by kind: see :func:`explorer.core.neighborhood.neighborhood`.

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
        similar: bool = True,
        min_cosine: float | None = None,
        max_similar: int = 25,
    ) -> Card:
        """The entity's page: header, source line, neighborhood and related-by-similarity.

        Parameters
        ----------
        entity_id
            The entity to show.
        max_per_kind
            Neighbors listed per kind (each group still shows its full count).
        similar
            Include the "Related by similarity" section (computes embeddings on first use).
        min_cosine
            Threshold for that section; default: the embedder's calibrated threshold.
        max_similar
            Entries listed in that section.

        Returns
        -------
        Card
            Shows as HTML in a notebook and as text with ``print``.
        """
        found = self.similar(entity_id, min_cosine=min_cosine) if similar else None
        return build_card(
            self, entity_id, max_per_kind=max_per_kind, similar=found, max_similar=max_similar
        )


    # --------------------------------------------------------------- similarity
    def set_embedder(
        self,
        embedder: str | Embedder | None = None,
        *,
        fields: Sequence[str] = ("title", "summary"),
        cache: str | Path | None = "user",
    ) -> KnowledgeGraph:
        """Choose how entities are embedded; the vectors are computed on next use.

        Parameters
        ----------
        embedder
            ``"wordllama"`` (default), ``"tfidf"``, ``"minilm"`` (extra ``[minilm]``), or any
            object with ``name``, ``default_min_cosine`` and ``encode(list[str])``. ``None``
            uses the data's own vectors when it has them, else wordllama.
        fields
            The columns whose text is embedded, joined (default: title and summary).
        cache
            Where vectors are cached: ``"user"`` (default, the user's cache directory,
            keyed by the data folder), ``"data"`` (``<data>/.explorer-cache``), a folder,
            or ``None`` (no cache). See :func:`explorer.analysis.graph_similarity.vector_cache_dir`.

        Returns
        -------
        KnowledgeGraph
            ``self``, so calls can be chained.
        """
        if embedder is not None:
            get_embedder(embedder)  # an unknown name fails here, not at first use
        self._embedder = embedder
        self._embed_fields = tuple(fields)
        self._cache = cache
        self._similarity = None
        return self

    @property
    def similarity(self) -> GraphSimilarity:
        """Every entity's vector and the similarity index (built on first use, then kept)."""
        if self._similarity is None:
            self._similarity = GraphSimilarity.build(
                self, embedder=self._embedder, fields=self._embed_fields,
                cache_dir=vector_cache_dir(self.path, self._cache),
                embeddings_file=self.embeddings_file,
            )
        return self._similarity

    def similar(
        self, entity_id: str, min_cosine: float | None = None, k: int | None = None
    ) -> pd.DataFrame:
        """Entities near in meaning to this one that no typed edge joins to it.

        Parameters
        ----------
        entity_id
            The entity.
        min_cosine
            Threshold in [-1, 1]; default: the embedder's calibrated threshold (0.65 for
            the data's own vectors).
        k
            Keep the ``k`` best.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, kind, title, summary, cosine`` (rounded to three places), best
            first; the entity itself and its typed neighbors (either direction) are left
            out. ``attrs["min_cosine"]`` is the threshold used.

        Examples
        --------
        >>> kg = load("data/example")
        >>> claim = kg.find("learned features reflect").iloc[0]["id"]
        >>> kg.similar(claim)[["kind", "cosine"]].head(3).values.tolist()
        [['note', 0.83], ['note', 0.812], ['question', 0.794]]
        """
        return _similar(self, self.similarity, entity_id, min_cosine=min_cosine, k=k)

    def candidates(
        self,
        min_cosine: float | None = None,
        kinds: Iterable[str] | None = None,
        *,
        duplicate_cosine: float = 0.95,
        method: str | None = None,
    ) -> pd.DataFrame:
        """Every pair of entities above the threshold that no typed edge joins.

        Parameters
        ----------
        min_cosine
            Threshold in [-1, 1]; default: the embedder's calibrated threshold.
        kinds
            Keep pairs whose two entities are both of these kinds.
        duplicate_cosine
            Pairs of the same kind at or above this cosine are labelled
            ``possible duplicate``, the others ``candidate edge``.
        method
            ``"exact"``, ``"faiss"`` (approximate), ``"brute"`` (scikit-learn) or
            ``"auto"`` (default: exact up to 100,000 entities, faiss above).

        Returns
        -------
        pandas.DataFrame
            Columns ``id_a, kind_a, title_a, id_b, kind_b, title_b, cosine, label``, each
            pair once, best first.
        """
        return _candidates(
            self, self.similarity, min_cosine=min_cosine, kinds=kinds,
            duplicate_cosine=duplicate_cosine, method=method,
        )

    def similarity_histogram(self, min_cosine: float | None = None, *, ax: Axes | None = None):
        """Plot each entity's nearest-neighbor cosine, with the threshold marked.

        Shows where the threshold falls for this embedder: entities right of the line have
        at least one similar entity.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from .views.histogram import plot_nearest_cosine_histogram

        state = self.similarity
        return plot_nearest_cosine_histogram(
            state.index.nearest_cosine(), state.threshold(min_cosine), ax=ax, label=state.source
        )

    # ------------------------------------------------------------------- graph
    def graph(
        self,
        entity_id: str,
        hops: int = 1,
        include_similar: bool = True,
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
            Draw similar entities (no typed edge) as dashed links to the focus.
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

        found = self.similar(entity_id, min_cosine=min_cosine) if include_similar else None
        part = neighborhood_subgraph(
            self, entity_id, hops=hops, similar=found, kinds=as_list(kinds),
            relations=as_list(relations), max_nodes=max_nodes,
        )
        return neighborhood_network(
            part.nodes, part.edges, focus=entity_id, omitted=part.omitted, height=height
        )
