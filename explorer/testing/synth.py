"""Synthetic claim graphs of any size, for benchmarks and tests.

:func:`synthesize` builds an entity frame and an edge frame that meet the data contract
(``docs/data-format.md``); :func:`write_synthetic` writes them as Parquet. The graph is meant
to look like a real export, so that timings and similarity results measured on it carry over:

**Entities** (:mod:`~explorer.testing.synth_names`). Kinds in fixed proportions
(:data:`KIND_SHARES`): claim 30 %, finding 25 %, method 15 %, paper 15 %, question 10 %,
note 5 %; rows in random order. Ids are ``kind:<slug of the first six title words>-<base-36
row counter>``, so they are unique and at most about 60 characters. Papers have a ``year``
(1990-2025, skewed towards recent years), 1 to 12 ``authors`` drawn with a heavy-tailed
popularity from a synthetic name pool, and status ``published`` or ``preprint``; other
entities have ``year`` NA and ``authors`` an empty list (the shape :func:`explorer.load`
gives), status mostly ``active``.

**Texts** (:mod:`~explorer.testing.synth_texts`, :mod:`~explorer.testing.synth_wording`).
Titles and summaries are built from real sentences, so that embeddings cluster like real
text: by default the claims, paper titles, opening abstract sentences and evidence notes of
SciFact, shipped with the package (:data:`DEFAULT_TEXTS`), or the ``texts`` you pass.
Entities come in small families of paraphrases; a text joins halves of two sentences and
replaces some words by others of the same class (numbers, gene names, ``-tion`` nouns, ...),
so that the texts are nearly all distinct and, as in real data, an entity has a few close
neighbours whatever the size of the graph: with wordllama, 3.0, 3.3 and 3.6 pairs per
entity at cosine >= 0.60 at 10,000, 100,000 and 1,000,000 entities, 72-74 % of the
entities with at least one (SciFact itself: 3.1 and 72 %; ``benchmarks/synth_realism.py``
measures it). 0.5 % of the entities are planted near-duplicates of another and 0.1 %
contradictions (a claim restated with ``increases`` -> ``decreases``). Papers and methods
take title-like texts, the other kinds statements; questions are phrased as questions and
notes carry a short prefix.

**Edges** (:mod:`~explorer.testing.synth_edges`). About ``edges_per_entity * n_entities``
edges in all (:data:`RELATIONS`): every non-paper entity is ``extracted_from`` one paper
(a few papers are hubs); the rest are typed edges between suitable kinds, with heavy-tailed
degrees, a share within the entities of one paper, about 3 % of the pairs with a second
relation, no self loops and no repeated ``(source, target, relation)`` triple; about 12 % of
the edges carry a short ``note``, the others an empty one. Edges are sorted by source row,
then target row, then relation.

The same ``seed`` gives the same frames (and byte-identical Parquet with the same pyarrow);
another seed gives another graph. Everything is vectorised (texts are rendered on two
threads): a million entities and five million edges take about 20 s of CPU time and 2.3 GB.

Examples
--------
>>> entities, edges = synthesize(500, seed=1, texts=["Aspirin lowers the risk of stroke."])
>>> len(entities), sorted(entities.columns)[:3]
(500, ['authors', 'id', 'kind'])
>>> bool(edges["source"].isin(entities["id"]).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..progress import progress_bar
from .synth_edges import (
    Edges,
    extracted_from,
    note_codes,
    note_vocabulary,
    typed_edges,
    unique_triples,
)
from .synth_errors import MissingTextsError, SynthError
from .synth_model import (
    KIND_SHARES,
    KINDS,
    NOTE_SHARE,
    PAPER,
    PAPER_STATUS_P,
    PAPER_STATUSES,
    RELATION_NAMES,
    RELATIONS,
    STATUS_P,
    STATUSES,
)
from .synth_names import author_lists, base36, slugs
from .synth_sampling import split_counts
from .synth_texts import DEFAULT_TEXTS, load_pool, pool_from_list
from .synth_wording import entity_texts

__all__ = [
    "DEFAULT_TEXTS",
    "DEFAULT_TEXTS_DIR",
    "KIND_SHARES",
    "RELATIONS",
    "MissingTextsError",
    "SynthError",
    "synthesize",
    "write_synthetic",
]

#: The folder of the texts shipped with the package (:data:`DEFAULT_TEXTS` and its
#: ``SOURCE.md``).
DEFAULT_TEXTS_DIR: Path = DEFAULT_TEXTS.parent

_SECONDS_PER_ENTITY = 2e-5  # for the progress-bar rule (explorer.progress)


def _check_arguments(n_entities: int, edges_per_entity: float) -> None:
    if isinstance(n_entities, bool) or not isinstance(n_entities, (int, np.integer)):
        raise SynthError(f"n_entities must be a whole number, not {n_entities!r}.")
    if n_entities < 1:
        raise SynthError(f"n_entities must be at least 1, not {n_entities}.")
    if not (
        isinstance(edges_per_entity, (int, float, np.number))
        and math.isfinite(edges_per_entity)
        and edges_per_entity >= 0
    ):
        raise SynthError(
            f"edges_per_entity must be a finite number >= 0, not {edges_per_entity!r}."
        )


def _kind_counts(n: int) -> np.ndarray:
    counts = split_counts(n, np.array(list(KIND_SHARES.values())))
    if counts[PAPER] == 0:  # every other entity needs a paper to be extracted from
        counts[int(np.argmax(counts))] -= 1
        counts[PAPER] = 1
    return counts


def _paper_fields(
    kind: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[list[str]], list[str]]:
    """Year (0 for non-papers), authors and status of every entity."""
    n = len(kind)
    is_paper = kind == PAPER
    papers = np.flatnonzero(is_paper)
    year = np.zeros(n, dtype=np.int64)
    span, scale = 35.0, 9.0
    age = -scale * np.log1p(-rng.random(len(papers)) * (1 - math.exp(-(span + 1) / scale)))
    year[papers] = 2025 - np.minimum(np.floor(age), span).astype(np.int64)
    authors = author_lists(n, papers, rng)
    status = np.empty(n, dtype=object)
    status[~is_paper] = np.array(STATUSES, dtype=object)[
        rng.choice(len(STATUSES), n - len(papers), p=STATUS_P)
    ]
    status[papers] = np.array(PAPER_STATUSES, dtype=object)[
        rng.choice(len(PAPER_STATUSES), len(papers), p=PAPER_STATUS_P)
    ]
    return year, authors, status.tolist()


def synthesize(
    n_entities: int,
    *,
    seed: int = 0,
    edges_per_entity: float = 5.0,
    texts: Sequence[str] | None = None,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate a realistic synthetic claim graph (see the module docstring for the model).

    Parameters
    ----------
    n_entities
        Number of entities (rows of the entity frame), at least 1.
    seed
        Seed of the random generator: the same seed gives the same frames.
    edges_per_entity
        Edges per entity in all, ``extracted_from`` included. The graph has
        ``round(edges_per_entity * n_entities)`` edges, but never fewer than the
        ``extracted_from`` edges (one per non-paper entity, 85 % of the entities), and fewer
        only when a tiny graph cannot hold that many distinct edges.
    texts
        Sentences to build titles and summaries from (each serves as a statement and as a
        title). By default, the SciFact texts shipped with the package (:data:`DEFAULT_TEXTS`).
    progress
        Show a progress bar; by default when generation should take a couple of seconds or
        more (:mod:`explorer.progress`), about 100,000 entities.

    Returns
    -------
    entities : pandas.DataFrame
        ``n_entities`` rows with columns ``id, kind, title, summary, status`` (``str``),
        ``year`` (``Int64``, NA except for papers) and ``authors`` (a list of strings; empty
        except for papers).
    edges : pandas.DataFrame
        Columns ``source, target, relation, note`` (``str``; ``note`` is ``""`` when there is
        none), sorted by source row, then target row.

    Raises
    ------
    SynthError
        If ``n_entities`` or ``edges_per_entity`` is out of range, or ``texts`` holds no usable
        text.
    MissingTextsError
        If ``texts`` is None and the shipped texts file is not there.

    Examples
    --------
    >>> entities, edges = synthesize(1_000, seed=7, texts=["Coffee improves memory in adults."])
    >>> entities["kind"].value_counts()["claim"]
    np.int64(300)
    >>> round(len(edges) / len(entities))
    5
    >>> bool((edges["source"] != edges["target"]).all())
    True
    """
    _check_arguments(n_entities, edges_per_entity)
    n = int(n_entities)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    bar = progress_bar(7, desc="synthesize", unit="step", show=progress,
                       expected_seconds=n * _SECONDS_PER_ENTITY)
    with bar:
        bar.set_postfix_str("texts")
        pool = load_pool(DEFAULT_TEXTS) if texts is None else pool_from_list(texts)
        bar.update()

        # kinds, in random row order
        kind = rngs[0].permutation(np.repeat(np.arange(len(KINDS), dtype=np.int64),
                                             _kind_counts(n)))
        bar.set_postfix_str("titles and summaries")
        title, summary, slug_text = entity_texts(pool, kind, KINDS, rngs[1])
        bar.update()

        bar.set_postfix_str("ids")
        kind_arr = pa.array(list(KINDS), type=pa.string()).take(pa.array(kind))
        ids = pc.binary_join_element_wise(
            kind_arr, ":", slugs(slug_text), "-", base36(np.arange(n, dtype=np.int64)), ""
        )
        del slug_text
        bar.update()

        bar.set_postfix_str("papers")
        year, authors, status = _paper_fields(kind, rngs[2])
        bar.update()

        bar.set_postfix_str("extracted_from")
        fitness, paper_of = extracted_from(kind, rngs[3])
        extracted = np.flatnonzero(paper_of >= 0)
        bar.update()

        bar.set_postfix_str("typed edges")
        budget = max(int(round(edges_per_entity * n)), len(extracted)) - len(extracted)
        src, dst, rel = typed_edges(Edges(kind, paper_of, fitness, year, rngs[4]), n, budget,
                                    rngs[5])
        src, dst, rel = unique_triples(
            np.r_[src, extracted],
            np.r_[dst, paper_of[extracted]],
            np.r_[rel, np.zeros(len(extracted), dtype=np.int64)],
            n,
        )
        bar.update()

        bar.set_postfix_str("frames")
        notes = pa.array(note_vocabulary()[0].tolist(), type=pa.string())
        edge_table = pa.table(
            {
                "source": ids.take(pa.array(src)),
                "target": ids.take(pa.array(dst)),
                "relation": pa.array(list(RELATION_NAMES), type=pa.string()).take(pa.array(rel)),
                "note": notes.take(pa.array(note_codes(rel, NOTE_SHARE, rngs[6]))),
            }
        )
        entity_table = pa.table(
            {
                "id": ids,
                "kind": kind_arr,
                "title": title,
                "summary": summary,
                "status": pa.array(status, type=pa.string()),
            }
        )
        entities = entity_table.to_pandas()
        entities["year"] = pd.arrays.IntegerArray(year, kind != PAPER)
        entities["authors"] = pd.Series(authors, dtype=object, index=entities.index)
        edge_frame = edge_table.to_pandas()
        bar.update()
    return entities, edge_frame


def write_synthetic(
    n_entities: int, out_dir: str | Path, *, seed: int = 0, **kwargs: object
) -> dict[str, Path]:
    """Generate a synthetic graph and write it as ``entities.parquet`` and ``edges.parquet``.

    The files are zstd-compressed Parquet with ``kind`` and ``relation`` dictionary-encoded;
    ``explorer.load(out_dir)`` reads them. The same arguments write byte-identical files.

    Parameters
    ----------
    n_entities
        Number of entities.
    out_dir
        Directory to write into; created if missing. Existing files of the same names are
        replaced.
    seed
        Seed of the random generator.
    **kwargs
        Passed on to :func:`synthesize` (``edges_per_entity``, ``texts``, ``progress``).

    Returns
    -------
    dict of str to Path
        ``{"entities": path, "edges": path}``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_synthetic(200, tmp, seed=3, texts=["Sleep improves recall."])
    ...     sorted(p.name for p in paths.values())
    ['edges.parquet', 'entities.parquet']
    """
    entities, edges = synthesize(n_entities, seed=seed, **kwargs)  # type: ignore[arg-type]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"entities": out / "entities.parquet", "edges": out / "edges.parquet"}
    for name, frame, column in (("entities", entities, "kind"), ("edges", edges, "relation")):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        for position, field in enumerate(table.schema):
            if field.name == column:
                values = pc.dictionary_encode(table.column(position).cast(pa.string()))
            elif pa.types.is_large_string(field.type):  # pandas' str: keep plain strings
                values = table.column(position).cast(pa.string())
            else:
                continue
            table = table.set_column(position, field.name, values)
        pq.write_table(table, paths[name], compression="zstd")
    return paths
