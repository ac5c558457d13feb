"""What the Spark executors run: pandas in, pandas out, the local engine's own functions.

Each function here is the body of one ``mapInPandas`` or ``applyInPandas`` step of
:func:`explorer.scale.spark.spark_candidates`. None imports pyspark, so each is tested
on plain frames, and each calls the very function the local engine calls:

* :func:`embed_batches`: :func:`~explorer.analysis.texts.entity_texts`, then
  :func:`~explorer.analysis.embedding.embed`, then the index's
  :func:`~explorer.analysis.vectors.normalized`: the local vectors, bit for bit;
* :func:`pack_block` / :func:`block_pair`: one block of unit vectors as one row, and
  :func:`~explorer.analysis.engines.exact.block_pairs` over two such rows, tile by tile;
* :func:`explain_batches`: :func:`~explorer.analysis.candidates.explain_pairs` over
  a batch of pairs, with the batch's texts and the graph's IDF.

Vectors travel as raw float32 bytes (``binary`` columns): compact in Arrow, no
per-element boxing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.embedders.protocol import Embedder
from ..analysis.embedders.registry import get_embedder
from ..analysis.embedding import embed
from ..analysis.engines.exact import block_pairs, concat, exact_pairs
from ..analysis.engines.int8 import Products, codes_of
from ..analysis.lexical import LexicalScorer, combined_score
from ..analysis.pair_labels import PairTexts
from ..analysis.texts import entity_texts
from ..analysis.vectors import normalized
from .idf import batch_scorer

__all__ = [
    "BLOCK_SCHEMA", "EMBED_SCHEMA", "EXPLAINED_SCHEMA", "PAIR_SCHEMA", "BatchSimilarity",
    "block_pair", "embed_batches", "explain_batches", "pack_block", "rank_batches",
]

EMBED_SCHEMA = "pos long, text string, vec binary"
RANK_SCHEMA = "pos long, rank long, vec binary"
BLOCK_SCHEMA = "block long, pos binary, vec binary"
PAIR_SCHEMA = "i long, j long, cosine float"
EXPLAINED_SCHEMA = (
    "i long, j long, label string, score double, cosine double, lexical double, "
    "shared string, differs string, reason string, relation string"
)
TEXT_FIELDS = ("title", "summary")
#: Side of the float32 products a task computes at a time (64 MiB), as the local engine.
TILE = 4096


def embed_batches(
    batches: Iterator[pd.DataFrame], embedder: str | Embedder
) -> Iterator[pd.DataFrame]:
    """Each entity's text and unit vector (``None`` for no text or a zero vector).

    Parameters
    ----------
    batches
        Frames with ``pos, title, summary``.
    embedder
        A built-in name or an :class:`~explorer.analysis.embedders.protocol.Embedder`.

    Raises
    ------
    EmbeddingError
        The embedder returned NaN or infinite values, or the wrong shape.

    Examples
    --------
    >>> batch = pd.DataFrame({"pos": [0, 1], "title": ["Sleep aids memory", ""],
    ...                       "summary": ["In mice.", None]})
    >>> out = next(embed_batches(iter([batch]), "tfidf"))
    >>> out["text"].tolist(), [v is None for v in out["vec"]], len(out["vec"][0]) // 4
    (['Sleep aids memory. In mice.', ''], [False, True], 512)
    """
    model = get_embedder(embedder)
    for batch in batches:
        texts = list(entity_texts(batch, fields=TEXT_FIELDS))
        vectors, nonzero = normalized(embed(texts, model, progress=False).vectors, copy=False)
        vec = np.full(len(texts), None, dtype=object)
        vec[nonzero] = [row.tobytes() for row in vectors[nonzero]]
        yield pd.DataFrame({"pos": batch["pos"].to_numpy(np.int64), "text": texts, "vec": vec})


def rank_batches(batches: Iterator[pd.DataFrame], without: np.ndarray) -> Iterator[pd.DataFrame]:
    """Each vector's rank among the entities that have one (``pos`` minus those before it).

    ``without`` holds the sorted positions of the entities without a vector; the ranks
    are then the positions the local engine searches over (it drops those rows too), so
    both cut the matrix into the same blocks.

    Examples
    --------
    >>> batch = pd.DataFrame({"pos": [0, 2, 5], "vec": [b"", b"", b""]})
    >>> next(rank_batches(iter([batch]), np.array([1, 3])))["rank"].tolist()
    [0, 1, 3]
    """
    for batch in batches:
        pos = batch["pos"].to_numpy(np.int64)
        rank = pos - np.searchsorted(without, pos)
        yield pd.DataFrame({"pos": pos, "rank": rank, "vec": batch["vec"]})


def pack_block(group: pd.DataFrame, block_size: int) -> pd.DataFrame:
    """One block's vectors as one row: positions (int64 bytes) and vectors in rank order.

    Examples
    --------
    >>> group = pd.DataFrame({"rank": [5, 4], "pos": [9, 7],
    ...                       "vec": [np.float32([0, 1]).tobytes(), np.float32([1, 0]).tobytes()]})
    >>> row = pack_block(group, 4).iloc[0]
    >>> int(row["block"]), np.frombuffer(row["pos"], np.int64).tolist()
    (1, [7, 9])
    >>> np.frombuffer(row["vec"], np.float32).tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    group = group.sort_values("rank")
    block = int(group["rank"].iloc[0]) // block_size
    return pd.DataFrame({
        "block": [block],
        "pos": [group["pos"].to_numpy(np.int64).tobytes()],
        "vec": [b"".join(group["vec"].tolist())],
    })


def _unpack(pos: bytes, vec: bytes, dim: int) -> tuple[np.ndarray, np.ndarray]:
    positions = np.frombuffer(pos, dtype=np.int64)
    return positions, np.frombuffer(vec, dtype=np.float32).reshape(len(positions), dim)


def block_pair(group: pd.DataFrame, dim: int, threshold: float, tile: int = TILE) -> pd.DataFrame:
    """Every pair above ``threshold`` between the one or two blocks of a task.

    ``group`` has the rows of one block pair: ``block, pos, vec`` for each of its blocks
    (one row for a block paired with itself). The product is taken ``tile`` rows by
    ``tile`` columns at a time (:func:`~explorer.analysis.engines.exact.block_pairs`, the
    local kernel; a block with itself by the local
    :func:`~explorer.analysis.engines.exact.exact_pairs`), so a task holds one
    ``tile ** 2`` float32 product however large its blocks. The pairs come out as entity
    positions ``i < j`` (blocks hold ascending positions, the lower block first).

    Examples
    --------
    >>> x = np.float32([[1, 0], [0.8, 0.6], [0, 1]])
    >>> group = pd.DataFrame({"block": [0], "pos": [np.int64([2, 5, 8]).tobytes()],
    ...                       "vec": [x.tobytes()]})
    >>> block_pair(group, 2, 0.5)[["i", "j"]].values.tolist()
    [[2, 5], [5, 8]]
    >>> two = pd.DataFrame({"block": [1, 0], "pos": [np.int64([9]).tobytes(),
    ...                     np.int64([2, 5, 8]).tobytes()], "vec": [x[1].tobytes(), x.tobytes()]})
    >>> block_pair(two, 2, 0.5, tile=2)[["i", "j"]].values.tolist()
    [[2, 9], [5, 9], [8, 9]]
    """
    group = group.sort_values("block")
    first, last = group.iloc[0], group.iloc[-1]
    pos_a, rows = _unpack(first["pos"], first["vec"], dim)
    pos_b, cols = _unpack(last["pos"], last["vec"], dim)
    if len(group) == 1:
        r, c, cosine = exact_pairs(rows, threshold, block=tile, progress=False)
    else:
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        buffer = np.empty((min(tile, len(rows)), min(tile, len(cols))), dtype=np.float32)
        row_codes, col_codes = codes_of(rows), codes_of(cols)  # None: float32 products
        coded = row_codes is not None and col_codes is not None
        products = Products(1) if coded else None
        for r0 in range(0, len(rows), tile):
            for c0 in range(0, len(cols), tile):
                codes = (row_codes[r0:r0 + tile], col_codes[c0:c0 + tile]) if coded else None
                r, c, cos = block_pairs(rows[r0:r0 + tile], cols[c0:c0 + tile], threshold,
                                        out=buffer, codes=codes, products=products)
                found.append((r + r0, c + c0, cos))
        r, c, cosine = (concat([f[k] for f in found], dt)
                        for k, dt in enumerate((np.int64, np.int64, np.float32)))
    return pd.DataFrame({"i": pos_a[r], "j": pos_b[c], "cosine": cosine.astype(np.float32)})


#: The local engine's switch for its MiniLM re-scoring (see :func:`explain_batches`).
NO_RESCORE = "EXPLORER_MINILM_RESCORE"


@dataclass
class BatchSimilarity:
    """The state :func:`~explorer.analysis.candidates.explain_pairs` reads, for one batch.

    The batch's texts (entity order), its :class:`PairTexts`, and a scorer with the
    graph's IDF; ``source`` is the embedder's name, as on the local state.
    """

    source: str
    texts: Sequence[str]
    pair_texts: PairTexts
    lexical: LexicalScorer

    def score(self, cosine: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """The ranking score, as :meth:`GraphSimilarity.score` computes it."""
        return combined_score(np.asarray(cosine, dtype=np.float32), lexical)


@contextlib.contextmanager
def _without_rescoring() -> Iterator[None]:
    before = os.environ.get(NO_RESCORE)
    os.environ[NO_RESCORE] = "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[NO_RESCORE]
        else:
            os.environ[NO_RESCORE] = before


def explain_batches(
    batches: Iterator[pd.DataFrame], idf: Mapping[str, float] | Any, source: str = "spark"
) -> Iterator[pd.DataFrame]:
    """Label, reason, shared and differing words, lexical similarity and score of pairs.

    Each batch (``i, j, cosine, text_i, text_j``) is explained by the local engine's
    :func:`~explorer.analysis.candidates.explain_pairs`, over the batch's texts (in entity
    order) and the graph's IDF (``idf``: a mapping word -> IDF, or a Spark broadcast of
    one; :mod:`explorer.scale.idf`). Labels, cosines and scores do not depend on the
    batch; what does is said in ``docs/scale-out.md`` ("What differs from the local
    engine"): ``shared`` and ``differs`` list words rarest first *among the batch's
    texts*, and the score ranks by the proposing embedder's cosine: the local engine's
    MiniLM re-scoring (graphs up to 20,000 entities) is switched off here
    (``EXPLORER_MINILM_RESCORE=0`` while a batch is explained).

    Examples
    --------
    >>> batch = pd.DataFrame({"i": [3], "j": [8], "cosine": [0.97],
    ...                       "text_i": ["Sleep aids memory"], "text_j": ["Sleep aids memory."]})
    >>> idf = {"sleep": 1.5, "aids": 1.2, "memory": 1.7}
    >>> out = next(explain_batches(iter([batch]), idf))
    >>> out[["i", "j", "label", "score", "relation"]].values.tolist()
    [[3, 8, 'duplicate', 1.0, 'same_as']]
    """
    from ..analysis.candidates import explain_pairs

    table = getattr(idf, "value", idf)  # a broadcast is read on the executor
    for batch in batches:
        i, j = batch["i"].to_numpy(np.int64), batch["j"].to_numpy(np.int64)
        ends = np.concatenate([i, j])
        texts = np.concatenate([batch["text_i"].to_numpy(object),
                                batch["text_j"].to_numpy(object)])
        order = np.argsort(ends, kind="stable")
        unique, first = np.unique(ends[order], return_index=True)
        batch_texts = ["" if t is None else str(t) for t in texts[order][first]]
        state = BatchSimilarity(source, batch_texts, PairTexts.from_texts(batch_texts),
                                batch_scorer(batch_texts, table))
        li, lj = np.searchsorted(unique, i), np.searchsorted(unique, j)
        cosine = batch["cosine"].to_numpy(np.float32)
        with _without_rescoring():
            why = explain_pairs(state, li, lj, cosine)  # type: ignore[arg-type]
        why["label"] = why["label"].astype(str)
        why.insert(0, "j", j)
        why.insert(0, "i", i)
        yield why
