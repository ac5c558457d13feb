"""Similarity on the façade: the graph's vectors, similar entities, whole-graph candidates.

:class:`SimilarityMethods` is mixed into :class:`explorer.KnowledgeGraph`; it keeps the
:class:`~explorer.analysis.graph_similarity.GraphSimilarity` state and calls the analysis
layer. Nothing imports it but the façade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .analysis.candidates import DEFAULT_PER_ENTITY
from .analysis.candidates import candidates as _candidates
from .analysis.embedders.protocol import Embedder
from .analysis.embedders.registry import get_embedder
from .analysis.graph_similarity import GraphSimilarity, vector_cache_dir
from .analysis.recall import DEFAULT_SAMPLE, RecallEstimate
from .analysis.related import similar as _similar
from .analysis.thresholds import DEFAULT_MIN_COSINE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SimilarityMethods"]


class SimilarityMethods:
    """The similarity half of :class:`explorer.KnowledgeGraph` (a mixin)."""

    entities: pd.DataFrame
    path: Path | None
    embeddings_file: Path | None
    _similarity: GraphSimilarity | None
    _embedder: str | Embedder | None
    _embed_fields: tuple[str, ...]
    _cache: str | Path | None

    def set_embedder(
        self,
        embedder: str | Embedder | None = None,
        *,
        fields: Sequence[str] = ("title", "summary"),
        cache: str | Path | None = "user",
    ) -> SimilarityMethods:
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
    def similarity_ready(self) -> bool:
        """Whether every entity's vector is in memory (no embedding will run on next use)."""
        return self._similarity is not None

    @property
    def default_min_cosine(self) -> float:
        """The threshold that means "related" for the chosen embedder (computes nothing)."""
        if self._similarity is not None:
            return self._similarity.default_min_cosine
        if self._embedder is None and (self.embeddings_file is not None
                                       or "embedding" in self.entities.columns):
            return DEFAULT_MIN_COSINE
        return float(get_embedder(self._embedder or "wordllama").default_min_cosine)

    def compute_similarity(self, progress: bool | None = None) -> GraphSimilarity:
        """Embed every entity now (cached), with a progress bar; returns the state."""
        if self._similarity is None:
            self._similarity = self._build_similarity(progress)
        return self._similarity

    def _build_similarity(self, progress: bool | None) -> GraphSimilarity:
        return GraphSimilarity.build(
            self, embedder=self._embedder, fields=self._embed_fields,
            cache_dir=vector_cache_dir(self.path, self._cache),
            embeddings_file=self.embeddings_file, progress=progress,
        )

    @property
    def similarity(self) -> GraphSimilarity:
        """Every entity's vector and the similarity index (built on first use, then kept)."""
        return self.compute_similarity()

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
            Columns ``id, kind, title, summary, cosine, label, score, shared, differs,
            reason, relation``, best first by cosine; the entity itself, its typed
            neighbors (either direction) and the pairs the curator rejected are left out.
            ``attrs["min_cosine"]`` is the threshold used.

        Examples
        --------
        >>> from explorer import load
        >>> kg = load("data/example")
        >>> claim = kg.find("learned features reflect").iloc[0]["id"]
        >>> kg.similar(claim)[["kind", "cosine"]].head(3).values.tolist()
        [['note', 0.83], ['note', 0.812], ['question', 0.794]]
        """
        entity_id = self.resolve(entity_id)  # type: ignore[attr-defined]
        rejected = self.rejected_pair_keys()  # type: ignore[attr-defined]
        return _similar(self, self.similarity, entity_id, min_cosine=min_cosine, k=k,
                        exclude=rejected)

    def candidates(
        self,
        min_cosine: float | None = None,
        kinds: Iterable[str] | None = None,
        *,
        kind_pairs: Iterable[tuple[str, str]] | None = None,
        per_entity: int | None = DEFAULT_PER_ENTITY,
        method: str | None = None,
        progress: bool | None = None,
        from_path: str | Path | None = None,
    ) -> pd.DataFrame:
        """Pairs of entities near in meaning that no typed edge joins: labelled, explained.

        Parameters
        ----------
        min_cosine
            Pairs with at least this cosine are considered; default: the embedder's
            calibrated threshold. Where MiniLM also proposes pairs (small graphs with the
            ``[minilm]`` extra, :mod:`explorer.analysis.minilm_pairs`), its own threshold
            moves with this one (0.55 at the default); ``attrs["minilm_min_cosine"]``.
        kinds
            Keep pairs whose two entities are both of these kinds.
        kind_pairs
            Keep pairs of these kinds, e.g. ``[("claim", "claim")]``.
        per_entity
            No entity appears in more than this many pairs (its best ones), so the list
            can be worked through; ``None`` gives every pair.
        method
            ``"auto"`` (default: exact up to 20,000 entities, ``"clustered"`` above: k-means
            lists, one matmul each, recall 0.977 measured at 100k), ``"exact"``,
            ``"clustered"``, ``"faiss"`` (IVF) or ``"brute"`` (scikit-learn, the baseline).
        progress
            Show a progress bar (``None``: when the search should take a while).
        from_path
            Read a frame written by ``python -m explorer candidates --out`` (or the Spark
            engine) instead of computing one.

        Returns
        -------
        pandas.DataFrame
            Best first by ``score``: ``id_a, kind_a, title_a, id_b, kind_b, title_b, label,
            score, cosine, lexical, shared, differs, reason, relation``. ``label`` is
            ``duplicate``, ``possible contradiction``, ``possible duplicate`` or ``candidate
            edge`` (rules in ``docs/similarity.md``); ``shared`` and ``differs`` say why;
            ``relation`` is the one to accept it with. ``attrs["summary"]`` counts pairs by
            label and kind pair (``{label: {"claim–claim": pairs, ...}}``); pairs the
            curator rejected are left out. The entity
            columns, ``label``, ``reason`` and ``relation`` are categoricals over the values
            the list uses (each entity's title is stored once, however many pairs it is in;
            they sort and compare as text).

        Examples
        --------
        >>> from explorer import load
        >>> kg = load("data/example")
        >>> found = kg.candidates()
        >>> found.columns[:7].tolist()
        ['id_a', 'kind_a', 'title_a', 'id_b', 'kind_b', 'title_b', 'label']
        """
        if from_path is not None:
            from .analysis.candidate_io import read_candidates

            return read_candidates(from_path)
        return _candidates(
            self, self.similarity, min_cosine=min_cosine, kinds=kinds, kind_pairs=kind_pairs,
            per_entity=per_entity, method=method, progress=progress,
            exclude=self.rejected_pair_keys(),  # type: ignore[attr-defined]
        )

    def candidate_recall(
        self,
        min_cosine: float | None = None,
        *,
        sample: int = DEFAULT_SAMPLE,
        method: str | None = None,
        seed: int = 0,
        progress: bool | None = None,
    ) -> RecallEstimate:
        """How much of the exact pair list the search behind :meth:`candidates` finds.

        Computes the exact pairs of ``sample`` random entities (one product of them against
        every vector) and counts how many the search found (read from the pair cache when
        :meth:`candidates` ran before). Above 20,000 entities the default search is
        approximate; this says by how much here, with a 95 % interval, and lists the pairs
        it missed (:mod:`explorer.analysis.recall`).

        Parameters
        ----------
        min_cosine
            As in :meth:`candidates`.
        sample
            Entities sampled (default 1,000: about 5 s at 1M entities).
        method
            The search to judge, as in :meth:`candidates` (``None``: the default).
        seed
            Seed of the sample and of the interval's bootstrap.
        progress
            Show a progress bar (``None``: when it should take a while).

        Returns
        -------
        RecallEstimate
            ``recall``, ``low``, ``high``, ``method``, the pair counts, and ``missed`` (a
            frame of the pairs not found, best first); ``str()`` says it in a sentence.

        Examples
        --------
        >>> from explorer import load
        >>> kg = load("data/example")
        >>> kg.candidate_recall(sample=20).recall
        1.0
        """
        from .analysis.recall import estimate_recall

        state = self.similarity
        return estimate_recall(
            self, state, state.threshold(min_cosine),  # type: ignore[arg-type]
            method=method, sample=sample, seed=seed, progress=progress,
            exclude=self.rejected_pair_keys(),  # type: ignore[attr-defined]
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
