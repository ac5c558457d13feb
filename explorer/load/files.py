"""Which files of a data directory hold which table, and in which format.

The formats read are CSV, TSV, JSON Lines and Parquet (:data:`EXTENSIONS`). A file in another
table format (a spreadsheet, a JSON document, Feather, a compressed CSV, ...:
:data:`UNREAD_FORMATS`) is never read, and never skipped silently either: when it is the
only candidate for a table of the contract (``entities.xlsx`` and no readable entities
table; ``edges.json`` and no readable edges table; a folder whose only tables are in such
formats) loading stops with an error that names it and lists the formats read. Otherwise it
is listed in the load report's ``ignored_files`` and ``unread_files``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..errors import SchemaError
from ..words import singular

__all__ = [
    "EXTENSIONS", "FORMATS_READ", "UNREAD_FORMATS", "DataFiles", "Format", "find_data_files",
    "format_of", "kind_from_file_name",
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

FORMATS_READ = "CSV (.csv), TSV (.tsv, .tab), JSON Lines (.jsonl, .ndjson) and Parquet (.parquet)"

# What each format is, and what to do ({stem}: the table's name, e.g. entities).
_SPREADSHEET = "export the sheet as 'CSV UTF-8' (or Parquet) beside it, as {stem}.csv"
_PARQUET = "write it as Parquet beside it, as {stem}.parquet"
_COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst")
UNREAD_FORMATS: dict[str, tuple[str, str]] = {
    ".xlsx": ("an Excel workbook", _SPREADSHEET),
    ".xlsm": ("an Excel workbook", _SPREADSHEET),
    ".xls": ("an Excel workbook", _SPREADSHEET),
    ".ods": ("an OpenDocument spreadsheet", _SPREADSHEET),
    ".numbers": ("a Numbers spreadsheet", _SPREADSHEET),
    ".json": (
        "a JSON document, not JSON Lines",
        "if it holds one object a line, rename it {stem}.jsonl; if it is one JSON array, "
        "convert it: pandas.read_json(path).to_json('{stem}.jsonl', orient='records', "
        "lines=True)",
    ),
    ".feather": ("a Feather file", _PARQUET),
    ".arrow": ("an Arrow IPC file", _PARQUET),
    ".orc": ("an ORC file", _PARQUET),
    ".avro": ("an Avro file", _PARQUET),
    ".pkl": ("a Python pickle", _PARQUET),
    ".pickle": ("a Python pickle", _PARQUET),
    ".h5": ("an HDF5 file", _PARQUET),
    ".hdf5": ("an HDF5 file", _PARQUET),
    ".gz": ("a compressed file", "decompress it beside the others"),
    ".bz2": ("a compressed file", "decompress it beside the others"),
    ".xz": ("a compressed file", "decompress it beside the others"),
    ".zst": ("a compressed file", "decompress it beside the others"),
    ".zip": ("a zip archive", "extract it beside the others"),
}


def _unread(path: Path) -> tuple[str, str]:
    """What the file is, and what to do about it.

    Examples
    --------
    >>> what, todo = _unread(Path("Edges.csv.gz"))
    >>> what, todo
    ('Edges.csv.gz (a compressed file)', 'decompress it beside the others')
    >>> _unread(Path("claims.xlsx"))[1]
    "export the sheet as 'CSV UTF-8' (or Parquet) beside it, as claims.csv"
    """
    what, todo = UNREAD_FORMATS[path.suffix.lower()]
    return f"{path.name} ({what})", todo.format(stem=_table_name(path))


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
        known = path.suffix.lower() in UNREAD_FORMATS
        what, todo = _unread(path) if known else ("", "")
        raise SchemaError(
            f"unknown table format {path.suffix or '(no extension)'!r}"
            + (f": {what} is not read." if known else "."),
            file=str(path),
            hint=(f"To load it, {todo}. " if known else "")
            + f"The formats read are {FORMATS_READ}, chosen by the file extension.",
        ) from None



@dataclass
class DataFiles:
    """The files of one data directory, by role."""

    entities: list[Path]
    edges: Path | None
    embeddings: Path | None
    ignored: list[Path]
    unread: list[Path] = field(default_factory=list)


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
        the embeddings file if present, the files that were ignored and, among them, those
        in a table format that is not read.

    Raises
    ------
    SchemaError
        If no entities table is found, or a file in a format that is not read is the only
        candidate for a table (see the module's docstring).
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
    unread: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not child.is_file():
            continue
        if child.suffix.lower() not in EXTENSIONS:
            ignored.append(child)
            if child.suffix.lower() in UNREAD_FORMATS:
                unread.append(child)
            continue
        stem = child.stem.lower()
        if stem in tables:
            raise SchemaError(
                f"two tables named {stem!r}: {tables[stem].name} and {child.name}.",
                file=str(folder),
                hint="Keep one format per table, so that it is clear which one to read.",
            )
        tables[stem] = child

    unread = [p for p in unread if _table_name(p) not in tables]  # a copy of a table read
    _refuse_unread_tables(unread, tables, entities_given=only_entities is not None)
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
            "no entities table found"
            + (f"; files not read: {', '.join(p.name for p in ignored)}." if ignored else "."),
            file=str(folder),
            hint=f"Add entities.<ext> or one file per kind such as claims.csv, in one of the "
            f"formats read: {FORMATS_READ}; see docs/data-format.md.",
        )
    return DataFiles(
        entities=entities, edges=edges, embeddings=embeddings, ignored=ignored, unread=unread
    )


def _table_name(path: Path) -> str:
    """The table a file would hold: its stem, and no ``.csv`` before a compression suffix.

    Examples
    --------
    >>> _table_name(Path("Edges.csv.gz")), _table_name(Path("claims.v2.xlsx"))
    ('edges', 'claims.v2')
    """
    inner = Path(path.stem)
    if path.suffix.lower() in _COMPRESSIONS and inner.suffix.lower() in EXTENSIONS:
        return inner.stem.lower()
    return path.stem.lower()


def _refuse_unread_tables(
    unread: list[Path], tables: dict[str, Path], *, entities_given: bool
) -> None:
    """Raise if a file in a format not read is the only candidate for a table."""
    for names, role in ((_ENTITY_NAMES, "entities"), (_EDGE_NAMES, "edges"),
                        (_EMBEDDING_NAMES, "embeddings")):
        if (role == "entities" and entities_given) or any(n in names for n in tables):
            continue
        for path in unread:
            if _table_name(path) in names:
                what, todo = _unread(path)
                raise SchemaError(
                    f"the {role} table is {what}, a format that is not read; there is no "
                    f"{role} table in a format that is read.",
                    file=str(path),
                    hint=f"To load it, {todo}. The formats read are {FORMATS_READ}.",
                )
    others = _EDGE_NAMES | _EMBEDDING_NAMES
    if unread and not entities_given and all(n in others for n in tables):
        found = [_unread(p) for p in unread]
        raise SchemaError(
            "no entities table in a format that is read; the tables found are in formats that "
            "are not read: " + ", ".join(what for what, _ in found) + ".",
            file=str(unread[0].parent),
            hint=f"To load {unread[0].name}, {found[0][1]}. The formats read are {FORMATS_READ}.",
        )


def kind_from_file_name(path: Path) -> str:
    """The kind a per-kind file stands for: its stem, singular.

    Examples
    --------
    >>> kind_from_file_name(Path("claims.csv")), kind_from_file_name(Path("analyses.tsv"))
    ('claim', 'analysis')
    """
    return singular(path.stem.lower())
