"""A data directory read into raw frames: the entity files, the edges, what was read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .files import find_data_files, kind_from_file_name
from .report import LoadReport
from .tables import read_table

__all__ = ["FolderTables", "read_folder"]


@dataclass
class FolderTables:
    """The raw (not yet validated) tables of one data directory.

    Attributes
    ----------
    folder
        The data directory.
    entities, edges
        Frames as read, with ``_file`` and ``_row`` columns for error messages, and a
        ``_defect`` column when a line could not be read as a row (see
        :func:`explorer.load.tables.read_table`): validation raises at it or sets it aside.
    embeddings_file
        The data's own vectors, if it brings a file of them.
    report
        The files read and the files ignored; validation adds the rows set aside.
    """

    folder: Path
    entities: pd.DataFrame
    edges: pd.DataFrame | None
    embeddings_file: Path | None
    report: LoadReport


def read_folder(path: str | Path) -> FolderTables:
    """Read the tables of a data directory (or of one entities file and its folder).

    Examples
    --------
    >>> tables = read_folder("data/example")
    >>> sorted(tables.report.files), tables.edges is not None
    (['edges', 'embeddings', 'entities'], True)
    """
    files = find_data_files(path)
    parts = []
    for file in files.entities:
        frame = read_table(file, row_defects="mark")
        if "kind" not in frame.columns and file.stem.lower() not in {"entities", "entity", "nodes"}:
            frame["kind"] = kind_from_file_name(file)
        parts.append(frame)
    entities = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    edges = read_table(files.edges, row_defects="mark") if files.edges is not None else None
    report = LoadReport(
        files={
            "entities": [str(f) for f in files.entities],
            "edges": [str(files.edges)] if files.edges else [],
            "embeddings": [str(files.embeddings)] if files.embeddings else [],
        },
        ignored_files=[str(f) for f in files.ignored],
        unread_files=[str(f) for f in files.unread],
    )
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    return FolderTables(folder, entities, edges, files.embeddings, report)
