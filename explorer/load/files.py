"""Which files of a data directory hold which table, and in which format."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ..errors import SchemaError
from ..words import singular

__all__ = [
    "EXTENSIONS", "DataFiles", "Format", "find_data_files", "format_of", "kind_from_file_name",
]


class Format(str, Enum):
    """Table formats, chosen by file extension."""

    CSV = "csv"
    TSV = "tsv"
    JSONL = "jsonl"
    PARQUET = "parquet"


EXTENSIONS: dict[str, Format] = {
    ".csv": Format.CSV,
    ".tsv": Format.TSV,
    ".tab": Format.TSV,
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".parquet": Format.PARQUET,
}


def format_of(path: Path) -> Format:
    """Return the table format of ``path`` from its extension.

    Raises
    ------
    SchemaError
        If the extension is not one of the supported formats.
    """
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise SchemaError(
            f"unknown table format {path.suffix or '(no extension)'!r}.",
            file=str(path),
            hint="Use one of " + ", ".join(sorted(EXTENSIONS)) + " (the format is chosen by"
            " the file extension).",
        ) from None



@dataclass
class DataFiles:
    """The files of one data directory, by role."""

    entities: list[Path]
    edges: Path | None
    embeddings: Path | None
    ignored: list[Path]


_ENTITY_NAMES = {"entities", "entity", "nodes"}
_EDGE_NAMES = {"edges", "edge", "relations", "links"}
_EMBEDDING_NAMES = {"embeddings", "vectors"}


def find_data_files(path: str | Path) -> DataFiles:
    """Find the entity, edge and embedding tables of a data directory.

    Parameters
    ----------
    path
        A data directory, or a single entities file (its edges are looked for beside it).

    Returns
    -------
    DataFiles
        The entity files (one ``entities.*`` file or one file per kind), the edges file and
        the embeddings file if present, and the files that were ignored.
    """
    path = Path(path)
    if not path.exists():
        raise SchemaError(
            "no such file or directory.",
            file=str(path),
            hint="Pass the folder that holds entities.<ext> and edges.<ext>.",
        )
    if path.is_file():
        format_of(path)
        folder, only_entities = path.parent, path
    else:
        folder, only_entities = path, None

    tables: dict[str, Path] = {}
    ignored: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not child.is_file():
            continue
        if child.suffix.lower() not in EXTENSIONS:
            ignored.append(child)
            continue
        stem = child.stem.lower()
        if stem in tables:
            raise SchemaError(
                f"two tables named {stem!r}: {tables[stem].name} and {child.name}.",
                file=str(folder),
                hint="Keep one format per table, so that it is clear which one to read.",
            )
        tables[stem] = child

    edges = next((tables.pop(n) for n in list(tables) if n in _EDGE_NAMES), None)
    embeddings = next((tables.pop(n) for n in list(tables) if n in _EMBEDDING_NAMES), None)
    if only_entities is not None:
        entities = [only_entities]
        ignored += [p for p in tables.values() if p != only_entities]
    else:
        named = [tables[n] for n in tables if n in _ENTITY_NAMES]
        entities = named + [p for n, p in tables.items() if n not in _ENTITY_NAMES]
    if not entities:
        raise SchemaError(
            "no entities table found.",
            file=str(folder),
            hint="Add entities.csv (or .tsv, .jsonl, .parquet), or one file per kind such as "
            "claims.csv; see docs/data-format.md.",
        )
    return DataFiles(entities=entities, edges=edges, embeddings=embeddings, ignored=ignored)


def kind_from_file_name(path: Path) -> str:
    """The kind a per-kind file stands for: its stem, singular.

    Examples
    --------
    >>> kind_from_file_name(Path("claims.csv")), kind_from_file_name(Path("analyses.tsv"))
    ('claim', 'analysis')
    """
    return singular(path.stem.lower())
