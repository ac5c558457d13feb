"""Read a data directory's tables from CSV, TSV, JSON Lines or Parquet.

This module owns the first step of the data's way: files to pandas frames. It knows
formats and file names; what the columns must hold is :mod:`explorer.load.schema`'s job.
Each frame it returns carries two private columns, ``_file`` and ``_row``, so that a
later problem can be reported where the user will look for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from .files import Format, format_of

__all__ = ["FILE_COLUMN", "ROW_COLUMN", "iter_json_lines", "read_table"]

FILE_COLUMN = "_file"
ROW_COLUMN = "_row"


def read_table(path: str | Path, *, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Read one table, choosing the reader by extension.

    Text formats are read as strings (nothing is guessed: ids stay exactly as written);
    Parquet keeps its types. The frame gets ``_file`` and ``_row`` columns holding the
    file name and each row's number as a user counts it in that file.

    Parameters
    ----------
    path
        The file.
    columns
        For Parquet, read only these columns (when present).

    Raises
    ------
    SchemaError
        For an unknown extension or a file that cannot be read (encoding, malformed line,
        corrupt Parquet), naming the file and, where known, the row.
    """
    path = Path(path)
    fmt = format_of(path)
    if fmt is Format.PARQUET:
        frame, first_row = _read_parquet(path, columns), 1
    elif fmt is Format.JSONL:
        frame = _read_jsonl(path)
        return _tag(frame, path, rows=frame.pop(ROW_COLUMN))
    else:
        frame, first_row = _read_delimited(path, "," if fmt is Format.CSV else "\t"), 2
    return _tag(frame, path, first_row=first_row)


def _tag(
    frame: pd.DataFrame, path: Path, *, first_row: int = 1, rows: pd.Series | None = None
) -> pd.DataFrame:
    frame[FILE_COLUMN] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), [path.name])
    if rows is None:
        frame[ROW_COLUMN] = pd.RangeIndex(first_row, first_row + len(frame)).to_numpy()
    else:
        frame[ROW_COLUMN] = rows.to_numpy()
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


_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


def _read_delimited(path: Path, sep: str) -> pd.DataFrame:
    name = "CSV" if sep == "," else "TSV"
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8"
        )
    except UnicodeDecodeError as err:
        raise SchemaError(
            f"is not valid UTF-8 ({err.reason}).",
            file=str(path),
            row=_first_bad_utf8_line(path),
            hint="Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8').",
        ) from err
    except pd.errors.EmptyDataError as err:
        raise SchemaError(
            "is empty: expected a header row.",
            file=str(path),
            hint="Write the column names on the first line.",
        ) from err
    except pd.errors.ParserError as err:
        match = _LINE_IN_MESSAGE.search(str(err))
        raise SchemaError(
            f"is not well-formed {name} ({err}).",
            file=str(path),
            row=int(match.group(1)) if match else None,
            hint="Check the quoting and the number of fields on that line.",
        ) from err
    _check_delimiter(frame, path, sep)
    return frame


def _check_delimiter(frame: pd.DataFrame, path: Path, sep: str) -> None:
    if len(frame.columns) != 1:
        return
    header = str(frame.columns[0])
    for other, ext in (("\t", ".tsv"), (",", ".csv"), (";", ".csv with commas"), ("|", "")):
        if other != sep and other in header:
            shown = {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "pipes"}[other]
            raise SchemaError(
                f"has a single column {header!r}: its fields look separated by {shown}, "
                f"not by {'commas' if sep == ',' else 'tabs'}.",
                file=str(path),
                row=1,
                hint=f"Rename the file to {ext} or re-export it."
                if ext
                else "Re-export it as CSV or TSV.",
            )


def _first_bad_utf8_line(path: Path) -> int | None:
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def iter_json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file.

    Raises
    ------
    SchemaError
        At the first line that is not UTF-8, not JSON, or not a JSON object, naming it.
    """
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise SchemaError(
                    f"is not valid UTF-8 ({err.reason} at byte {err.start + 1} of the line).",
                    file=str(path),
                    row=number,
                    hint="Save the file as UTF-8.",
                ) from err
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise SchemaError(
                    f"is not valid JSON ({err.msg} at character {err.colno}).",
                    file=str(path),
                    row=number,
                    hint="Each line of a JSON Lines file must be one JSON object.",
                ) from err
            if not isinstance(record, dict):
                raise SchemaError(
                    f"holds a JSON {type(record).__name__}, expected an object with named fields.",
                    file=str(path),
                    row=number,
                    hint='Write each row as {"id": ..., "kind": ..., ...}.',
                )
            yield number, record


def _read_jsonl(path: Path) -> pd.DataFrame:
    rows: list[int] = []
    records: list[dict] = []
    for number, record in iter_json_lines(path):
        rows.append(number)
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    frame[ROW_COLUMN] = pd.Series(rows, dtype="int64")
    return frame
