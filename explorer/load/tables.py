"""Read a data directory's tables from CSV, TSV, JSON Lines or Parquet.

This module owns the first step of the data's way: files to pandas frames. It knows
formats and file names; what the columns must hold is :mod:`explorer.load.schema`'s job.
Each frame it returns carries two private columns, ``_file`` and ``_row``, so that a
later problem can be reported where the user will look for it; the per-format rules are in
:mod:`explorer.load.delimited` (CSV, TSV) and :mod:`explorer.load.jsonlines`.

A line that cannot be read as a row at all (a malformed JSON line, a JSON line that is not an
object, a CSV line with too many fields) is a *row defect*. By default :func:`read_table`
raises at it. With ``row_defects="mark"`` (what :func:`explorer.load` uses) the line becomes a
row with every value missing and its reason in a third private column, ``_defect``, so that
the schema check (:func:`explorer.load.schema.validate`) treats it like any other bad row:
raise with ``on_error="raise"``, set aside and report with ``on_error="report"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import SchemaError
from .delimited import read_delimited
from .files import Format, format_of
from .jsonlines import iter_json_lines, read_jsonl

__all__ = ["DEFECT_COLUMN", "FILE_COLUMN", "ROW_COLUMN", "iter_json_lines", "read_table"]

FILE_COLUMN = "_file"
ROW_COLUMN = "_row"
DEFECT_COLUMN = "_defect"
PRIVATE_COLUMNS = (FILE_COLUMN, ROW_COLUMN, DEFECT_COLUMN)


def read_table(
    path: str | Path,
    *,
    columns: Iterable[str] | None = None,
    row_defects: Literal["raise", "mark"] = "raise",
) -> pd.DataFrame:
    r"""Read one table, choosing the reader by extension.

    Text formats are read as strings (nothing is guessed: ids stay exactly as written);
    Parquet keeps its types. The frame gets ``_file`` and ``_row`` columns holding the
    file name and each row's number as a user counts it in that file.

    Parameters
    ----------
    path
        The file.
    columns
        For Parquet, read only these columns (when present).
    row_defects
        ``"raise"`` (default): raise at a line that cannot be read as a row. ``"mark"``:
        keep it as a row of missing values with its reason in ``_defect`` (a column that is
        there only when some line is bad).

    Raises
    ------
    SchemaError
        For an unknown extension or a file that cannot be read (encoding, malformed line,
        corrupt Parquet), naming the file and, where known, the row.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "edges.jsonl"
    >>> _ = path.write_text('{"source": "a"}\n{"source": "b"\n[1]\n')
    >>> table = read_table(path, row_defects="mark")
    >>> table[["source", "_row"]].values.tolist()
    [['a', 1], [nan, 2], [nan, 3]]
    >>> table["_defect"].str.slice(0, 24).tolist()
    [None, 'line is not valid JSON (', 'line holds a JSON array,']
    """
    path = Path(path)
    fmt = format_of(path)
    mark = row_defects == "mark"
    if fmt is Format.PARQUET:
        return _tag(_read_parquet(path, columns), path, first_row=1)
    if fmt is Format.JSONL:
        frame, rows, reasons = read_jsonl(path, mark=mark)
    else:
        frame, rows, reasons = read_delimited(path, "," if fmt is Format.CSV else "\t", mark=mark)
    frame = _tag(frame, path, first_row=2, rows=rows)
    if reasons is not None and any(r is not None for r in reasons):
        frame[DEFECT_COLUMN] = pd.Series(reasons, dtype=object, index=frame.index)
    return frame


def _tag(
    frame: pd.DataFrame, path: Path, *, first_row: int = 1, rows: list[int] | None = None
) -> pd.DataFrame:
    frame[FILE_COLUMN] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), [path.name])
    if rows is None:
        frame[ROW_COLUMN] = pd.RangeIndex(first_row, first_row + len(frame)).to_numpy()
    else:
        frame[ROW_COLUMN] = np.asarray(rows, dtype=np.int64)
    return frame


def _read_parquet(path: Path, columns: Iterable[str] | None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        wanted = None if columns is None else [c for c in columns if c in schema.names]
        # One chunk per column: row look-ups (kg.entity, iloc) then cost the rows taken;
        # on a chunked Arrow column every take concatenates the whole column first.
        table = pq.read_table(path, columns=wanted).combine_chunks()
        # List columns (authors) stay Arrow-backed here: one numpy array per row is slow.
        return table.to_pandas(
            types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None
        )
    except (OSError, ValueError) as err:
        raise SchemaError(
            f"cannot read this Parquet file ({err}).",
            file=str(path),
            hint="Check that it is a complete Parquet file (re-export it).",
        ) from err
