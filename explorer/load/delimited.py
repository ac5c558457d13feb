"""CSV and TSV: every field read as text, and a line with too many fields named.

Nothing is guessed: every value is the string written (``007`` stays ``"007"``, ``NA`` stays
``"NA"``) and an empty field is the empty string, since CSV cannot tell it from a missing
value. Rows are numbered as a user counts lines in the file: the header is line 1 (a record
with a quoted line break counts as one line, as in pandas' own messages).

A line with more fields than the header is a *row defect*: :func:`read_delimited` either
raises at it or returns it as a placeholder row with its reason (see
:mod:`explorer.load.jsonlines`). Encoding errors, a missing header and broken quoting concern
the whole file and always raise.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from ..errors import SchemaError

__all__ = ["read_delimited"]

_TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


def read_delimited(
    path: Path, sep: str, *, mark: bool
) -> tuple[pd.DataFrame, list[int] | None, list[str | None] | None]:
    r"""Read a CSV (``sep=","``) or TSV (``sep="\t"``) file as strings.

    Returns
    -------
    frame, rows, reasons
        The rows; and, only when ``mark`` found lines with too many fields, each row's line
        number and defect (``None`` if sound). Otherwise rows are numbered from line 2.
    """
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
        if mark and _TOO_MANY_FIELDS.search(str(err)):
            return _read_marking_long_lines(path, sep, name)
        match = _LINE_IN_MESSAGE.search(str(err))
        raise SchemaError(
            f"is not well-formed {name} ({err}).",
            file=str(path),
            row=int(match.group(1)) if match else None,
            hint="Check the quoting and the number of fields on that line.",
        ) from err
    _check_delimiter(frame, path, sep)
    return frame, None, None


def _read_marking_long_lines(
    path: Path, sep: str, name: str
) -> tuple[pd.DataFrame, list[int], list[str | None]]:
    """The slow way, taken only for a file with bad lines: Python's csv, record by record."""
    columns = pd.read_csv(path, sep=sep, dtype=str, nrows=0, encoding="utf-8").columns
    width = len(columns)
    records: list[list[str | None]] = []
    rows: list[int] = []
    reasons: list[str | None] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=sep)
        next(reader)
        number = 1
        for fields in reader:
            if not fields:
                continue  # a blank line, skipped as pandas does
            number += 1
            rows.append(number)
            if len(fields) > width:
                records.append([None] * width)
                reasons.append(
                    f"line has {len(fields)} fields, the header {width}: not well-formed "
                    f"{name} (a field with a {_shown(sep)} or a line break must be quoted)."
                )
            else:
                records.append(fields + [None] * (width - len(fields)))
                reasons.append(None)
    frame = pd.DataFrame(records, columns=columns, dtype="str")
    return frame, rows, reasons


def _shown(sep: str) -> str:
    return {",": "comma", "\t": "tab"}.get(sep, repr(sep))


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
