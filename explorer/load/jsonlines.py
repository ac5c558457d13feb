"""JSON Lines: one JSON object a line, read line by line so that a bad line is named.

A line that is not JSON, or JSON but not an object, is a *row defect*: :func:`read_jsonl`
either raises at it or returns it as a placeholder row with its reason, for the schema check
to raise or set aside (``load(..., on_error=...)``). Bytes that are not UTF-8 concern the
whole file (an export in another encoding) and always raise.

JSON has types, and they are kept: strings stay strings (``"007"`` is not a number), lists
stay lists, and a column of integers stays integers when some rows leave it out or write
``null`` (nullable ``Int64``, not floats); likewise booleans (nullable ``boolean``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..errors import SchemaError

__all__ = ["iter_json_lines", "read_jsonl"]

_ONE_OBJECT = "each line of a JSON Lines file must be one JSON object"


def _lines(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """``(line number, object, None)`` per sound line, ``(number, None, reason)`` per bad one."""
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
            line = line.rstrip()
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                where = "the end of the line" if err.pos >= len(line) else \
                    f"character {err.pos + 1}"
                yield number, None, f"line is not valid JSON ({err.msg} at {where}): {_ONE_OBJECT}."
                continue
            if not isinstance(record, dict):
                yield number, None, (
                    f"line holds a JSON {_json_type(record)}, not an object with named fields: "
                    f"{_ONE_OBJECT}."
                )
                continue
            yield number, record, None


def _json_type(value: object) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def iter_json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file.

    Raises
    ------
    SchemaError
        At the first line that is not UTF-8, not JSON, or not a JSON object, naming it.
    """
    for number, record, reason in _lines(path):
        if reason is not None:
            raise SchemaError(
                reason, file=str(path), row=number, hint="Fix or delete that line."
            )
        yield number, record


def read_jsonl(path: Path, *, mark: bool) -> tuple[pd.DataFrame, list[int], list[str | None]]:
    """Read a JSON Lines file into a frame, one row a non-blank line.

    Parameters
    ----------
    path
        The file.
    mark
        ``False``: raise :class:`SchemaError` at the first bad line. ``True``: give each bad
        line a row with every value missing, and its reason in the returned ``reasons``.

    Returns
    -------
    frame, rows, reasons
        The rows, each row's line number, and each row's defect (``None`` if sound).
    """
    rows: list[int] = []
    records: list[dict] = []
    reasons: list[str | None] = []
    lines = _lines(path) if mark else ((n, r, None) for n, r in iter_json_lines(path))
    for number, record, reason in lines:
        rows.append(number)
        records.append(record if record is not None else {})
        reasons.append(reason)
    # ``from_records`` drops rows that are all ``{}``: keep one row per line, always.
    frame = pd.DataFrame.from_records(records).reindex(pd.RangeIndex(len(records)))
    return _keep_json_types(frame, records), rows, reasons


def _keep_json_types(frame: pd.DataFrame, records: list[dict]) -> pd.DataFrame:
    """Integer and boolean columns with gaps as nullable ``Int64``/``boolean``, not floats.

    Examples
    --------
    >>> records = [{"n": 1, "b": True, "x": 1.5}, {"n": None, "x": None}]
    >>> _keep_json_types(pd.DataFrame.from_records(records), records).dtypes.astype(str).tolist()
    ['Int64', 'boolean', 'float64']
    """
    for column in frame.columns:
        series = frame[column]
        if not (pd.api.types.is_float_dtype(series) or pd.api.types.is_object_dtype(series)):
            continue
        if not series.isna().any():
            continue
        given = [r[column] for r in records if r.get(column) is not None]
        if not given:
            continue
        kind = "boolean" if all(type(v) is bool for v in given) else (
            "Int64" if all(type(v) is int and abs(v) < 2**63 for v in given) else None
        )
        if kind is not None:
            frame[column] = pd.array([r.get(column) for r in records], dtype=kind)
    return frame
