"""Related by similarity: the graph's vectors, and the pairs near in meaning with no edge.

Joins three steps: the vectors (the entities' own, or computed by an embedder with a
cache beside the data), the :class:`~explorer.similarity.SimilarityIndex` over them,
and the typed edges, which decide what is *not* a candidate.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .embed import Embedder, embed, entity_texts, get_embedder, validate_vectors
from .errors import SchemaError
from .similarity import (
    DEFAULT_DUPLICATE_COSINE,
    DEFAULT_MIN_COSINE,
    SimilarityIndex,
    check_min_cosine,
    label_pairs,
)

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["GraphSimilarity", "SIMILAR_COLUMNS", "CANDIDATE_COLUMNS", "read_own_vectors"]

SIMILAR_COLUMNS = ["id", "kind", "title", "summary", "cosine"]
CANDIDATE_COLUMNS = [
    "id_a", "kind_a", "title_a", "id_b", "kind_b", "title_b", "cosine", "label",
]
CACHE_FOLDER = ".explorer-cache"
NO_TEXT = "no text to embed (title and summary empty)"
NO_VECTOR = "no vector in the entities' own embeddings"


@dataclass
class GraphSimilarity:
    """The vectors of every entity, in entity order, and the index over them.

    Attributes
    ----------
    source
        ``"own vectors"`` or the embedder's name.
    default_min_cosine
        The threshold that means "related" on this source's scale.
    set_aside
        Entities without a vector, with the reason (columns ``id, reason``).
    """

    source: str
    default_min_cosine: float
    index: SimilarityIndex
    set_aside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["id", "reason"]))

    @property
    def vectors(self) -> np.ndarray:
        """Every entity's unit vector, in entity order (zero rows for those set aside)."""
        return self.index.vectors_

    @classmethod
    def build(
        cls,
        kg: KnowledgeGraph,
        *,
        embedder: str | Embedder | None = None,
        fields: Sequence[str] = ("title", "summary"),
        progress: bool | None = None,
        cache: bool = True,
    ) -> GraphSimilarity:
        """Vectors from the data when it brings its own, else from the embedder."""
        ids = kg.ids
        own = None if embedder is not None else read_own_vectors(kg)
        if own is not None:
            vectors, missing = own
            source, threshold, reason = "own vectors", DEFAULT_MIN_COSINE, NO_VECTOR
        else:
            model = get_embedder(embedder or "wordllama")
            cache_dir = _cache_dir(kg) if cache else None
            result = embed(
                entity_texts(kg.entities, fields=fields), model, cache_dir=cache_dir,
                progress=progress,
            )
            vectors, missing = result.vectors, result.missing
            source, threshold, reason = model.name, float(model.default_min_cosine), NO_TEXT
        set_aside = pd.DataFrame({"id": ids[missing].to_numpy(), "reason": reason})
        # The index normalizes these vectors in place and keeps them: one copy in memory.
        index = SimilarityIndex().fit(vectors, ids=ids, copy=False)
        return cls(source=source, default_min_cosine=threshold, index=index, set_aside=set_aside)

    def threshold(self, min_cosine: float | None) -> float:
        """The user's threshold, checked, or this source's default."""
        return self.default_min_cosine if min_cosine is None else check_min_cosine(min_cosine)


def _cache_dir(kg: KnowledgeGraph) -> Path | None:
    if kg.path is None:
        return None
    folder = kg.path / CACHE_FOLDER
    try:
        folder.mkdir(exist_ok=True)
    except OSError as err:
        warnings.warn(
            f"Cannot write the embedding cache in {folder} ({err}); vectors will be "
            "computed again next time.",
            stacklevel=3,
        )
        return None
    return folder


def read_own_vectors(kg: KnowledgeGraph) -> tuple[np.ndarray, np.ndarray] | None:
    """The entities' own vectors (``embedding`` column or ``embeddings.<ext>`` file).

    Returns
    -------
    tuple or None
        ``(vectors, missing)`` in entity order (zero rows where an entity has no vector),
        or ``None`` when the data brings no vectors.
    """
    if "embedding" in kg.entities.columns:
        column = kg.entities["embedding"]
        has = column.map(lambda v: v is not None and not (np.isscalar(v) and pd.isna(v)))
        given = validate_vectors(column[has].tolist(), kg.ids[has.to_numpy()].tolist())
        return _spread(given, has.to_numpy(), len(kg))
    if kg.embeddings_file is None:
        return None
    from .tables import read_table

    table = read_table(kg.embeddings_file)
    if "id" not in table.columns:
        raise SchemaError(
            "missing required column 'id'.", file=str(kg.embeddings_file), column="id",
            hint="An embeddings table needs 'id' and 'vector' (or v0, v1, ...).",
        )
    numbered = sorted(
        (c for c in table.columns if isinstance(c, str) and c[:1] == "v" and c[1:].isdigit()),
        key=lambda c: int(c[1:]),
    )
    if "vector" in table.columns:
        rows = [np.asarray(v, dtype=np.float32) for v in table["vector"]]
    elif numbered:
        rows = list(table[numbered].apply(pd.to_numeric, errors="coerce").to_numpy(np.float32))
    else:
        raise SchemaError(
            "no vector columns: expected 'vector' or v0, v1, ...",
            file=str(kg.embeddings_file),
            hint="See 'Vectors' in docs/data-format.md.",
        )
    ids = table["id"].astype(str)
    given = validate_vectors(rows, ids.tolist())
    positions = kg.ids.get_indexer(ids)
    if (positions < 0).any():
        bad = int(np.flatnonzero(positions < 0)[0])
        raise SchemaError(
            f"id {ids.iloc[bad]!r} is not an entity id.",
            file=str(kg.embeddings_file), row=int(table["_row"].iloc[bad]), column="id",
            hint="Every vector must belong to an entity of the entities table.",
        )
    vectors = np.zeros((len(kg), given.shape[1]), dtype=np.float32)
    vectors[positions] = given
    has = np.zeros(len(kg), dtype=bool)
    has[positions] = True
    return vectors, ~has


def _spread(given: np.ndarray, has: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    vectors = np.zeros((n, given.shape[1] if given.ndim == 2 else 0), dtype=np.float32)
    vectors[has] = given
    return vectors, ~has


def similar(
    kg: KnowledgeGraph, entity_id: str, *, min_cosine: float | None = None, k: int | None = None
) -> pd.DataFrame:
    """See :meth:`KnowledgeGraph.similar`."""
    state = kg.similarity
    threshold = state.threshold(min_cosine)
    position = kg.position(entity_id)
    frame = pd.DataFrame(columns=SIMILAR_COLUMNS)
    message = ""
    if not state.index.nonzero_[position]:
        reason = state.set_aside.loc[state.set_aside["id"] == entity_id, "reason"]
        message = f"not compared: {reason.iloc[0] if len(reason) else NO_TEXT}"
    else:
        found = state.index.radius_neighbors([entity_id], min_cosine=threshold)
        linked = set(kg.adjacency.neighbors_of(position).tolist()) | {position}
        positions = kg.ids.get_indexer(found["neighbor_id"])
        keep = ~np.isin(positions, list(linked))
        positions, cosine = positions[keep], found["cosine"].to_numpy()[keep]
        frame = kg.entity_table(positions).assign(cosine=np.round(cosine.astype(float), 3))
        frame = frame.sort_values(["cosine", "title"], ascending=[False, True], kind="stable")
        frame = frame.reset_index(drop=True)
        if k is not None:
            frame = frame.head(k)
    frame.attrs = {"min_cosine": threshold, "source": state.source, "message": message}
    return frame


def linked_pair_keys(kg: KnowledgeGraph) -> np.ndarray:
    """Sorted keys ``min * n + max`` of every pair joined by a typed edge."""
    n = np.int64(len(kg))
    a = kg.source_codes.astype(np.int64)
    b = kg.target_codes.astype(np.int64)
    return np.unique(np.minimum(a, b) * n + np.maximum(a, b))


def candidates(
    kg: KnowledgeGraph,
    *,
    min_cosine: float | None = None,
    kinds: Iterable[str] | None = None,
    duplicate_cosine: float = DEFAULT_DUPLICATE_COSINE,
    method: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """See :meth:`KnowledgeGraph.candidates`."""
    state = kg.similarity
    threshold = state.threshold(min_cosine)
    pairs = state.index.pairs(threshold, method=method, progress=progress)
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    n = np.int64(len(kg))
    keep = ~np.isin(np.minimum(i, j) * n + np.maximum(i, j), linked_pair_keys(kg))
    if kinds is not None:
        keep &= kg.kind_mask(kinds, i) & kg.kind_mask(kinds, j)
    pairs = pairs.loc[keep].reset_index(drop=True)
    labels = label_pairs(pairs, kg.entities["kind"].astype(str), duplicate_cosine=duplicate_cosine)
    a = kg.entity_table(pairs["i"].to_numpy()).add_suffix("_a")
    b = kg.entity_table(pairs["j"].to_numpy()).add_suffix("_b")
    frame = pd.concat([a, b], axis=1).assign(
        cosine=np.round(pairs["cosine"].to_numpy(dtype=float), 3), label=labels.to_numpy()
    )[CANDIDATE_COLUMNS]
    frame.attrs = {"min_cosine": threshold, "source": state.source,
                   "duplicate_cosine": duplicate_cosine}
    return frame

