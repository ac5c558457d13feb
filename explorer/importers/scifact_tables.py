"""The Arrow tables SciFact becomes, and how they are written (atomically, refusing ambiguity)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path
from ..errors import SchemaError

_OTHER_FORMATS = ("csv", "tsv", "tab", "jsonl", "ndjson")
_ELLIPSIS = "…"

__all__ = [
    "clip",
    "EDGE_SCHEMA", "ENTITY_SCHEMA", "edge_table", "entity_table", "refuse_ambiguous", "write",
]

ENTITY_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("title", pa.string()),
        ("summary", pa.string()),
        ("status", pa.string()),
        ("year", pa.int64()),
        ("authors", pa.list_(pa.string())),
        ("split", pa.string()),
        ("verdict", pa.string()),
        ("scifact_id", pa.int64()),
        ("doc_id", pa.int64()),
        ("structured", pa.bool_()),
        ("n_sentences", pa.int64()),
    ]
)

ENTITY_DTYPES = {
    "year": "Int64",
    "scifact_id": "Int64",
    "doc_id": "Int64",
    "n_sentences": "Int64",
    "structured": "boolean",
}

EDGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("relation", pa.string()),
        ("note", pa.string()),
        ("split", pa.string()),
    ]
)



def entity_table(
    claims: list[dict[str, Any]], corpus: dict[int, dict[str, Any]], summary_chars: int
) -> pa.Table:
    """The entities table: one row per claim, then one per paper of the corpus."""
    rows: dict[str, list[Any]] = {name: [] for name in ENTITY_SCHEMA.names}

    def add(**values: Any) -> None:
        for name in rows:
            rows[name].append(values.get(name))

    for claim in claims:
        add(
            id=f"claim:scifact-{claim['id']}",
            kind="claim",
            title=claim["text"],
            summary="",
            status="active",
            authors=[],
            split=claim["split"],
            verdict=claim["verdict"],
            scifact_id=claim["id"],
        )
    for doc_id in sorted(corpus):
        doc = corpus[doc_id]
        add(
            id=f"paper:s2orc-{doc_id}",
            kind="paper",
            title=doc["title"],
            summary=clip(" ".join(doc["abstract"]), summary_chars),
            status="active",
            authors=[],
            doc_id=doc_id,
            structured=doc["structured"],
            n_sentences=len(doc["abstract"]),
        )
    # Through pandas so that the file carries pandas metadata: pd.read_parquet then gives
    # nullable Int64/boolean columns (year stays an integer column of NA, not float NaN).
    frame = pd.DataFrame(rows).astype(ENTITY_DTYPES)
    return pa.Table.from_pandas(frame, schema=ENTITY_SCHEMA, preserve_index=False)


def edge_table(
    claims: list[dict[str, Any]], corpus: dict[int, dict[str, Any]], note_chars: int
) -> pa.Table:
    """The edges table: claim -> paper, one row per cited or evidence document."""
    rows: dict[str, list[Any]] = {name: [] for name in EDGE_SCHEMA.names}
    for claim in claims:
        for doc_id, relation, sentences in claim["edges"]:
            abstract = corpus[doc_id]["abstract"]
            note = " ".join(abstract[i] for i in sentences)
            rows["source"].append(f"claim:scifact-{claim['id']}")
            rows["target"].append(f"paper:s2orc-{doc_id}")
            rows["relation"].append(relation)
            rows["note"].append(clip(note, note_chars))
            rows["split"].append(claim["split"])
    return pa.Table.from_pydict(rows, schema=EDGE_SCHEMA)


def refuse_ambiguous(dest: Path) -> None:
    """Refuse to write beside an ``entities``/``edges`` file of another format."""
    for path in sorted(dest.iterdir()):
        stem, _, ext = path.name.partition(".")
        if stem in ("entities", "edges") and ext in _OTHER_FORMATS:
            raise SchemaError(
                f"{dest} already holds {path.name}; adding {stem}.parquet would make "
                "the data directory ambiguous.",
                file=str(path),
                hint="Remove that file or import into an empty directory.",
            )


def write(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` as Parquet (zstd), through a temporary file."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=1 << 20)


def clip(text: str, limit: int) -> str:
    """Cut `text` on a word boundary so it has at most `limit` characters, "…" included.

    Examples
    --------
    >>> clip("one two three", 20)
    'one two three'
    >>> clip("one two three", 10)
    'one two…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:") + _ELLIPSIS
