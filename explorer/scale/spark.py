"""Whole-graph candidates on Spark: the local engine's steps, spread over executors.

:func:`spark_candidates` reads the data folder's Parquet tables and writes the same
tidy frame as :meth:`explorer.KnowledgeGraph.candidates` to one Parquet file:

1. **embed** on the executors (``mapInPandas``): each entity's text by
   :func:`~explorer.analysis.texts.entity_texts`, its vector by the same embedder and
   normalisation as the local engine; entities without text (or with a zero vector) are
   set aside and counted, as locally;
2. **block**: the entities with a vector, ranked in file order, are cut into blocks of
   ``block_size`` rows, each block's vectors packed into one row;
3. **pair blocks**: every block pair ``b1 <= b2`` is a task holding its two block rows
   (a broadcast join replicates each block to the ``nb`` tasks that need it), and each
   task runs :func:`~explorer.analysis.engines.exact.block_pairs`, the local kernel;
4. **filter and explain**: pairs a typed edge joins (either direction) are removed; the
   rest, joined with both texts, are labelled and scored on the executors
   (:func:`explorer.scale.kernels.explain_batches`);
5. **bound and sort**: with ``per_entity``, a window per entity keeps the pairs among
   the ``k`` best of both their entities (the rule of
   :func:`~explorer.analysis.candidates.bound_per_entity`); the pairs are sorted best
   first and written by Spark to a temporary folder beside ``out``, then streamed into
   one Parquet file that replaces ``out`` atomically. Nothing is collected on the driver
   but the positions of entities without a vector.

The cost model, the cluster set-up and measured times are in ``docs/scale-out.md``.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.candidates import CANDIDATE_COLUMNS
from ..analysis.embedders.protocol import Embedder
from ..analysis.embedders.registry import get_embedder
from ..analysis.thresholds import check_min_cosine
from ..choices import check_int
from ..errors import ParameterError, SchemaError
from . import kernels
from .failures import translated_errors
from .idf import WORDS_SCHEMA, document_words, idf_table
from .output import merge_parts
from .session import get_session, quiet_warnings, require_pyspark, spark_conf

__all__ = ["contract_files", "spark_candidates"]

log = logging.getLogger(__name__)

CONVERT_HINT = (
    "The Spark engine reads Parquet: write the tables as entities.parquet and "
    "edges.parquet, e.g. kg = explorer.load(DIR); kg.entities.to_parquet(NEW / "
    "'entities.parquet'); kg.edges.to_parquet(NEW / 'edges.parquet') -- or make a "
    "synthetic graph with: python -m explorer synth --entities N --out NEW."
)
#: Texts per embedding partition (at least two partitions per core).
EMBED_PARTITION = 20_000


def contract_files(data: str | Path) -> tuple[Path, Path | None]:
    """The data folder's ``entities.parquet`` and ``edges.parquet`` (``None``: no edges).

    Raises
    ------
    ParameterError
        ``data`` is not a folder, or holds its tables in another format.

    Examples
    --------
    >>> contract_files("data/example")
    Traceback (most recent call last):
    ...
    explorer.errors.ParameterError: data/example holds entities.csv, not entities.parquet. The Spark engine reads Parquet: ...
    """  # noqa: E501
    folder = Path(data)
    if not folder.is_dir():
        raise ParameterError(
            f"{folder} is not a folder: give the data directory that holds "
            f"entities.parquet and edges.parquet. {CONVERT_HINT}"
        )
    entities = folder / "entities.parquet"
    if not entities.is_file():
        others = sorted(p.name for p in folder.iterdir()
                        if p.is_file() and p.name.startswith("entities."))
        found = f"holds {', '.join(others)}, not" if others else "has no"
        raise ParameterError(f"{folder} {found} entities.parquet. {CONVERT_HINT}")
    edges = folder / "edges.parquet"
    if not edges.is_file():
        other = sorted(p.name for p in folder.glob("edges.*"))
        if other:
            raise ParameterError(f"{folder} holds {other[0]}, not edges.parquet. {CONVERT_HINT}")
        return entities, None
    return entities, edges


def spark_candidates(
    data: str | Path,
    out: str | Path,
    *,
    embedder: str | Embedder = "wordllama",
    min_cosine: float | None = None,
    master: str = "local[2]",
    per_entity: int | None = None,
    block_size: int = 4096,
    spark: Any = None,
    overwrite: bool = False,
) -> int:
    """Write the whole graph's candidate pairs, computed on Spark, to one Parquet file.

    The result is what ``explorer.load(data).candidates(per_entity=per_entity,
    method="exact")`` gives with the same embedder: the same pairs, cosines and labels,
    in the same columns and order; ``kg.candidates(from_path=out)`` reads it back.

    Parameters
    ----------
    data
        A data folder with ``entities.parquet`` (``id, kind, title``, optionally
        ``summary``) and optionally ``edges.parquet`` (``source, target, relation``).
        On a cluster, a path every executor can read (a shared file system).
    out
        The ``.parquet`` file to write (on a cluster, in a folder every executor can
        write: Spark writes its parts beside it first).
    embedder
        ``"wordllama"`` (default), ``"tfidf"``, ``"minilm"``, or an
        :class:`~explorer.analysis.embedders.protocol.Embedder` (pickled to the
        executors). The data's own vectors are not used.
    min_cosine
        Threshold; default the embedder's ``default_min_cosine`` (wordllama 0.60).
    master
        Spark master URL when no ``spark`` session is given: ``"local[2]"``
        (default), ``"spark://HOST:7077"``, ``"yarn"``, ...
    per_entity
        Keep only the pairs among the ``per_entity`` best of both their entities
        (as locally); ``None`` keeps every pair.
    block_size
        Rows per block of vectors; a task holds two blocks and a ``block_size ** 2``
        float32 product (4096: 64 MiB). See ``docs/scale-out.md`` for the choice.
    spark
        A SparkSession to use; ``None`` starts one on ``master`` (or reuses the one
        started before in this process).
    overwrite
        Replace ``out`` if it exists (default: refuse).

    Returns
    -------
    int
        The number of pairs written.

    Raises
    ------
    ParameterError
        A data folder not in Parquet, ``out`` existing (without ``overwrite``) or not
        ending in ``.parquet``, a parameter out of range.
    SchemaError
        A table without a required column, or with a repeated id.
    EmbeddingError
        The embedder returned NaN or infinite values.
    MissingExtraError
        pyspark is not installed (``pip install 'claim-graph-explorer[spark]'``).
    SparkUnavailableError
        No Java 17, a master that cannot be reached, or executors without the explorer.

    Examples
    --------
    >>> n = spark_candidates("data/big", "pairs.parquet", per_entity=10)  # doctest: +SKIP
    >>> explorer.load("data/big").candidates(from_path="pairs.parquet")  # doctest: +SKIP
    """
    entities_file, edges_file = contract_files(data)
    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise ParameterError(f"out must be a .parquet file; got {out}. Name it e.g. pairs.parquet.")
    if out.exists() and not overwrite:
        raise ParameterError(
            f"{out} exists already: pass overwrite=True (--overwrite) to replace it, "
            "or choose another out."
        )
    if out.is_dir():
        raise ParameterError(f"{out} is a folder; out must be a file path ending in .parquet.")
    model = get_embedder(embedder)
    threshold = (float(model.default_min_cosine) if min_cosine is None
                 else check_min_cosine(min_cosine))
    if per_entity is not None:
        per_entity = check_int(per_entity, "per_entity", 1)
    block_size = check_int(block_size, "block_size", 1)
    require_pyspark()
    session = get_session(master) if spark is None else spark

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.spark-"))
    try:
        with warnings.catch_warnings(), translated_errors():
            quiet_warnings()
            job = _Job(session, entities_file, edges_file, work, block_size,
                       source=str(getattr(model, "name", "custom")))
            found = job.run(embedder, threshold, per_entity)
            started = time.perf_counter()
            rows = merge_parts(found, out)
            job.timings["merge"] = time.perf_counter() - started
            log.info("wrote %d pairs to %s (seconds: %s)", rows, out, ", ".join(
                f"{k} {v:.1f}" for k, v in job.timings.items()), extra={"timings": job.timings})
            return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Job:
    """One run: the session, the input files, the scratch folder."""

    def __init__(self, session: Any, entities: Path, edges: Path | None, work: Path,
                 block_size: int, *, source: str) -> None:
        from pyspark.sql import functions

        self.spark, self.F = session, functions
        self.entities_file, self.edges_file = entities, edges
        self.work, self.block = work, block_size
        self.cores = max(1, int(session.sparkContext.defaultParallelism))
        self.timings: dict[str, float] = {}  # seconds of each step, logged at the end
        self.source = source  # the embedder's name, as on the local state

    def run(self, embedder: str | Embedder, threshold: float, per_entity: int | None) -> Path:
        from pyspark import StorageLevel

        F, started = self.F, time.perf_counter()
        entities = self.entities = self._entities()
        n = self._count_unique(entities)
        parts = max(2 * self.cores, math.ceil(n / EMBED_PARTITION))
        embedded = (
            entities.select("pos", "title", "summary").repartition(parts)
            .mapInPandas(partial(kernels.embed_batches, embedder=embedder), kernels.EMBED_SCHEMA)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        try:
            none = F.col("vec").isNull()
            stats = embedded.agg(
                F.collect_list(F.when(none, F.col("pos"))).alias("without"),
                F.sum(F.when(none & (F.length(F.trim("text")) == 0), 1).otherwise(0)),
                F.max(F.length("vec")),
            ).first()
            without = np.sort(np.asarray(stats[0], dtype=np.int64))
            n_valid, blank, width = n - len(without), int(stats[1] or 0), int(stats[2] or 0)
            self.timings["embed"] = time.perf_counter() - started
            log.info("embedded %d entities in %.1f s: %d without text, %d with a zero vector "
                     "(never paired)", n, self.timings["embed"], blank, len(without) - blank)
            pairs = self._pairs(embedded, without, n_valid, width // 4, threshold)
            idf = self._idf(embedded, n)
            explained = self._explained(pairs, embedded, idf)
            labelled = self.work / "labelled"
            tasks = _n_tasks(n_valid, self.block)
            shuffle = max(2 * self.cores, min(tasks, 4 * self.cores))
            with spark_conf(self.spark, {
                "spark.sql.shuffle.partitions": str(shuffle),
                "spark.sql.adaptive.coalescePartitions.enabled": "false",
            }):
                explained.write.parquet(labelled.as_uri())
            idf.destroy()
        finally:
            embedded.unpersist()
        self.timings["pairs"] = time.perf_counter() - started - self.timings["embed"]
        log.info("found and explained the pairs in %.1f s", self.timings["pairs"])
        folder = self._sorted(self.spark.read.parquet(labelled.as_uri()), entities, per_entity)
        self.timings["sort"] = time.perf_counter() - started - sum(self.timings.values())
        return folder

    def _entities(self) -> Any:
        F = self.F
        frame = self.spark.read.parquet(self.entities_file.as_uri())
        _require(frame.columns, ("id", "kind", "title"), self.entities_file,
                 "An entities table needs id, kind and title (see docs/data-format.md).")
        summary = F.col("summary") if "summary" in frame.columns else F.lit(None)
        return frame.select(
            F.col("_metadata.row_index").alias("pos"), F.col("id").cast("string").alias("id"),
            F.col("kind").cast("string").alias("kind"),
            F.col("title").cast("string").alias("title"),
            summary.cast("string").alias("summary"),
        )

    def _count_unique(self, entities: Any) -> int:
        """The number of entities; a :class:`SchemaError` if an id is repeated."""
        F = self.F
        n, distinct = entities.agg(F.count(F.lit(1)), F.countDistinct("id")).first()
        if n != distinct:
            repeated = (entities.groupBy("id").agg(F.count(F.lit(1)).alias("n"))
                        .where(F.col("n") > 1).limit(1).collect()[0])
            raise SchemaError(
                f"duplicate id {repeated['id']!r} ({repeated['n']} rows).",
                file=str(self.entities_file), column="id",
                hint="Ids must be unique; check the table with: python -m explorer info --data DIR",
            )
        return int(n)

    def _pairs(self, embedded: Any, without: np.ndarray, n_valid: int, dim: int,
               threshold: float) -> Any:
        """Every pair ``i < j`` above the threshold, no typed edge between them."""
        F, size = self.F, self.block
        vectors = embedded.where(F.col("vec").isNotNull()).select("pos", "vec")
        if len(without):  # ranks among the entities with a vector
            vectors = vectors.mapInPandas(partial(kernels.rank_batches, without=without),
                                          kernels.RANK_SCHEMA)
        else:
            vectors = vectors.select("pos", F.col("pos").alias("rank"), "vec")
        blocks = (vectors.groupBy(F.floor(F.col("rank") / F.lit(size)).alias("b"))
                  .applyInPandas(partial(kernels.pack_block, block_size=size),
                                 kernels.BLOCK_SCHEMA))
        nb = math.ceil(n_valid / size)
        first, second = np.triu_indices(nb)
        tasks = np.arange(len(first), dtype=np.int64)
        off = first != second
        need = pd.DataFrame({"block": np.concatenate([first, second[off]]).astype(np.int64),
                             "task": np.concatenate([tasks, tasks[off]])})
        need = self.spark.createDataFrame(need, "block long, task long")
        log.info("%d vectors of %d dims in %d blocks: %d block pairs", n_valid, dim, nb,
                 len(tasks))
        found = (blocks.join(F.broadcast(need), "block").groupBy("task")
                 .applyInPandas(partial(kernels.block_pair, dim=dim, threshold=threshold),
                                kernels.PAIR_SCHEMA))
        linked = self._linked(embedded)
        return found if linked is None else found.join(linked, ["i", "j"], "left_anti")

    def _linked(self, embedded: Any) -> Any:
        """Position pairs ``(min, max)`` joined by a typed edge, or ``None`` (no edges)."""
        if self.edges_file is None:
            return None
        F = self.F
        edges = self.spark.read.parquet(self.edges_file.as_uri())
        _require(edges.columns, ("source", "target", "relation"), self.edges_file,
                 "An edges table needs source, target and relation (see docs/data-format.md).")
        ids = self.entities.select("pos", "id")
        a = edges.select(F.col("source").cast("string").alias("id"),
                         F.col("target").cast("string").alias("target"))
        joined = (a.join(ids.withColumnRenamed("pos", "a"), "id").drop("id")
                  .join(ids.toDF("b", "target"), "target"))
        return joined.select(F.least("a", "b").alias("i"),
                             F.greatest("a", "b").alias("j")).distinct()

    def _idf(self, embedded: Any, n: int) -> Any:
        """The graph's IDF of each word, broadcast (:mod:`explorer.scale.idf`)."""
        counts = (embedded.select("text").mapInPandas(document_words, WORDS_SCHEMA)
                  .groupBy("word").count().toPandas())
        table = idf_table(counts["word"].tolist(), counts["count"].to_numpy(), n)
        log.info("IDF of %d distinct words, broadcast", len(table))
        return self.spark.sparkContext.broadcast(table)

    def _explained(self, pairs: Any, embedded: Any, idf: Any) -> Any:
        texts = embedded.select("pos", "text")
        return (pairs.join(texts.toDF("i", "text_i"), "i").join(texts.toDF("j", "text_j"), "j")
                .select("i", "j", "cosine", "text_i", "text_j")
                .mapInPandas(partial(kernels.explain_batches, idf=idf, source=self.source),
                             kernels.EXPLAINED_SCHEMA))

    def _sorted(self, labelled: Any, entities: Any, per_entity: int | None) -> Path:
        """Bound per entity, add ids, kinds and titles, sort best first; write the parts."""
        F = self.F
        if per_entity is not None:
            from pyspark.sql import Window

            ends = labelled.select("i", "j", "score", "cosine",
                                   F.explode(F.array("i", "j")).alias("end"))
            rank = F.row_number().over(Window.partitionBy("end").orderBy(
                F.desc("score"), F.desc("cosine"), F.asc("i"), F.asc("j")))
            kept = (ends.withColumn("rank", rank).where(F.col("rank") <= per_entity)
                    .groupBy("i", "j").count().where(F.col("count") == 2).select("i", "j"))
            labelled = labelled.join(kept, ["i", "j"], "left_semi")
        info = entities.select("pos", "id", "kind", "title")
        side_a = info.toDF("i", "id_a", "kind_a", "title_a")
        side_b = info.toDF("j", "id_b", "kind_b", "title_b")
        ordered = (labelled.join(side_a, "i").join(side_b, "j")
                   .orderBy(F.desc("score"), F.desc("cosine"), F.asc("i"), F.asc("j"))
                   .select(*CANDIDATE_COLUMNS))
        folder = self.work / "sorted"
        ordered.write.parquet(folder.as_uri())
        return folder


def _n_tasks(n_valid: int, block_size: int) -> int:
    nb = math.ceil(n_valid / block_size)
    return nb * (nb + 1) // 2


def _require(columns: list[str], required: tuple[str, ...], file: Path, hint: str) -> None:
    for column in required:
        if column not in columns:
            raise SchemaError(f"missing required column {column!r}.", file=str(file),
                              column=column, hint=hint)
