"""The data contract: check entity and edge frames and bring them to one shape.

See ``docs/data-format.md``. Every check is vectorised (a million rows take well under a
second) and every problem names the file, the row as the user counts it in that file and
the column. With ``on_error="raise"`` the first problem raises :class:`SchemaError`; with
``on_error="report"`` the unsound rows are set aside and listed, never dropped silently.

Row-level defects, in every format, are:

- a line that could not be read as a row (a malformed JSON line, a JSON line that is not an
  object, a CSV/TSV line with too many fields), marked by the reader in ``_defect``;
- an empty id, kind, source, target or relation: missing, ``""`` or only whitespace (a
  title may be empty: an entity can be a bare id, and similarity then sets it aside);
- an id with spaces around it, a duplicate id, a year that is not a whole number, an
  ``authors`` value written as a list literal that does not parse
  (:mod:`explorer.load.values`), an edge whose end is not an entity.

What the loader gives reads back the same: the values of ``kg.entities`` and ``kg.edges``
written with pandas' own writers (``to_csv``, ``to_json(orient="records", lines=True)``,
``to_parquet``) load back equal (``tests/test_roundtrip.py``). The exceptions are the
formats' own: CSV and TSV hold text only, so other columns come back as their text and a
missing value in them as ``""``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..choices import as_choice
from ..errors import SchemaError
from .report import RowProblem
from .tables import DEFECT_COLUMN, FILE_COLUMN, PRIVATE_COLUMNS, ROW_COLUMN
from .values import arrow_strings, as_text, authors_lists, blank

__all__ = [
    "ENTITY_REQUIRED",
    "EDGE_REQUIRED",
    "OnError",
    "ValidatedGraph",
    "validate",
]

ENTITY_REQUIRED = ("id", "kind", "title")
ENTITY_OPTIONAL = ("summary", "status", "year", "authors")
EDGE_REQUIRED = ("source", "target", "relation")
EDGE_OPTIONAL = ("note",)


class OnError(str, Enum):
    """What to do with a row that breaks the contract."""

    RAISE = "raise"
    REPORT = "report"



@dataclass
class ValidatedGraph:
    """Frames that meet the contract, with edge endpoints as integer row positions."""

    entities: pd.DataFrame
    edges: pd.DataFrame
    source_codes: np.ndarray
    target_codes: np.ndarray
    problems: list[RowProblem]


class _Problems:
    """Collects problems; raises at the first one in ``raise`` mode."""

    def __init__(self, mode: OnError, table: str, frame: pd.DataFrame) -> None:
        self.mode = mode
        self.table = table
        self.frame = frame
        self.rows: list[RowProblem] = []
        self.bad = np.zeros(len(frame), dtype=bool)

    def add(
        self,
        mask: np.ndarray,
        column: str | None,
        reason: Callable[[int], str],
        hint: str,
        id_column: str | None = "id",
    ) -> None:
        """Record every row where ``mask`` is true (positions), ``reason(pos)`` saying why."""
        positions = np.flatnonzero(mask & ~self.bad)
        if positions.size == 0:
            return
        files = self.frame[FILE_COLUMN]
        rows = self.frame[ROW_COLUMN]
        if self.mode is OnError.RAISE:
            first = positions[0]
            raise SchemaError(
                reason(int(first)),
                file=str(files.iloc[first]),
                row=int(rows.iloc[first]),
                column=column,
                hint=hint,
            )
        ids = self.frame[id_column] if id_column in self.frame else None
        for pos in positions:
            self.rows.append(
                RowProblem(
                    table=self.table,
                    file=str(files.iloc[pos]),
                    row=int(rows.iloc[pos]),
                    column=column,
                    reason=reason(int(pos)),
                    id=None if ids is None or pd.isna(ids.iloc[pos]) else str(ids.iloc[pos]),
                )
            )
        self.bad[positions] = True


def _ensure_position_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.copy(deep=False)
    if FILE_COLUMN not in frame:
        frame[FILE_COLUMN] = f"{name} DataFrame"
    if ROW_COLUMN not in frame:
        index = frame.index
        frame[ROW_COLUMN] = (
            index.to_numpy() if pd.api.types.is_integer_dtype(index) else np.arange(len(frame))
        )
    return frame.reset_index(drop=True)


def _require_columns(
    frame: pd.DataFrame, required: tuple[str, ...], table: str, problems: _Problems
) -> None:
    """Raise for a missing required column, naming the columns found.

    A table with no column at all (an empty JSON Lines file) or whose every row is already
    set aside (every line of it a defect) cannot miss one: its required columns are added
    empty, and each row, if any, is then a defect of its own.
    """
    present = [c for c in frame.columns if c not in PRIVATE_COLUMNS]
    if not present or (len(frame) and problems.bad.all()):
        for column in required:
            if column not in frame:
                frame[column] = pd.Series(pd.NA, index=frame.index, dtype=object)
        return
    for column in required:
        if column not in frame.columns:
            files = frame[FILE_COLUMN].unique() if len(frame) else [f"{table} table"]
            raise SchemaError(
                f"missing required column {column!r}; found {present}.",
                file=", ".join(str(f) for f in files),
                column=column,
                hint=f"The {table} table needs columns {list(required)} (docs/data-format.md).",
            )


def _set_aside_defects(frame: pd.DataFrame, problems: _Problems) -> None:
    """The lines the reader could not read as rows (``_defect``), first."""
    if DEFECT_COLUMN not in frame:
        return
    reasons = frame.pop(DEFECT_COLUMN)
    problems.add(
        reasons.notna().to_numpy(),
        None,
        lambda p: str(reasons.iloc[p]),
        "Fix or delete that line.",
        id_column=None,
    )


def _add_blank(problems: _Problems, values: pd.Series, column: str, hint: str,
               id_column: str | None = "id") -> None:
    def reason(pos: int) -> str:
        value = values.iloc[pos]
        found = "missing" if pd.isna(value) else "only whitespace" if value else "empty string"
        return f"empty {column} ({found}{f': {value!r}' if found == 'only whitespace' else ''})."

    problems.add(blank(values), column, reason, hint, id_column=id_column)


def _validate_entities(frame: pd.DataFrame, mode: OnError) -> tuple[pd.DataFrame, list]:
    problems = _Problems(mode, "entities", frame)
    _set_aside_defects(frame, problems)
    _require_columns(frame, ENTITY_REQUIRED, "entities", problems)
    frame["id"] = ids = as_text(frame["id"])
    hint_id = "Give every entity a unique, non-empty id (such as 'claim:slug-of-the-title')."
    _add_blank(problems, ids, "id", hint_id)
    stripped = ids.str.strip()
    problems.add(
        (stripped != ids).fillna(False).to_numpy(),
        "id",
        lambda p: f"id {ids.iloc[p]!r} has leading or trailing whitespace.",
        "Remove the spaces around the id (ids are compared exactly).",
    )
    sound_ids = ids.where(~problems.bad)
    duplicated = sound_ids.duplicated(keep="first").to_numpy() & sound_ids.notna().to_numpy()
    if duplicated.any():
        first_row = (
            frame.loc[sound_ids.notna()]
            .drop_duplicates("id")
            .set_index("id")[[FILE_COLUMN, ROW_COLUMN]]
        )

        def duplicate_reason(pos: int) -> str:
            first = first_row.loc[ids.iloc[pos]]
            return (
                f"duplicate id {ids.iloc[pos]!r}: already used at "
                f"{first[FILE_COLUMN]}, row {first[ROW_COLUMN]}."
            )

        problems.add(duplicated, "id", duplicate_reason, "Ids must be unique: rename or merge.")

    frame["kind"] = kinds = as_text(frame["kind"])
    _add_blank(
        problems, kinds, "kind",
        "Give every entity a kind (claim, finding, method, question, paper, ...).",
    )
    titles = as_text(frame["title"])
    _add_blank(problems, titles, "title", "Give every entity a title: the text a curator reads.")
    frame["title"] = titles.fillna("")
    for column in ("summary", "status"):
        frame[column] = as_text(frame[column]).fillna("") if column in frame else ""
    if "year" in frame:
        raw = frame["year"]
        years = pd.to_numeric(raw, errors="coerce")
        given = raw.notna() & (raw.astype("str").str.strip().str.len() > 0)
        wrong = (given & (years.isna() | (years != years.round()))).to_numpy()
        problems.add(
            wrong,
            "year",
            lambda p: f"year must be a whole number, found {raw.iloc[p]!r}.",
            "Write the year as digits (2024), or leave it empty.",
        )
        frame["year"] = years.where(~wrong).round().astype("Int64")
    else:
        frame["year"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    if "authors" in frame:
        frame["authors"], bad = authors_lists(frame["authors"])
        mask = np.zeros(len(frame), dtype=bool)
        mask[list(bad)] = True
        problems.add(
            mask, "authors", lambda p: bad[p],
            'Write the names as a JSON array (["A. One", "B. Two"]) or separated by ";".',
        )
    else:
        frame["authors"] = pd.Series([[] for _ in range(len(frame))], dtype=object)
    return frame.loc[~problems.bad], problems.rows


def _validate_edges(
    frame: pd.DataFrame, entity_ids: pd.Series, set_aside: dict[str, str], mode: OnError
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list]:
    problems = _Problems(mode, "edges", frame)
    _set_aside_defects(frame, problems)
    _require_columns(frame, EDGE_REQUIRED, "edges", problems)
    for column in EDGE_REQUIRED:
        frame[column] = values = as_text(frame[column])
        _add_blank(
            problems, values, column,
            "Every edge needs a source id, a target id and a relation.", id_column=None,
        )
    frame["note"] = as_text(frame["note"]).fillna("") if "note" in frame else ""
    value_set = arrow_strings(entity_ids)
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    from concurrent.futures import ThreadPoolExecutor

    def lookup(column: str) -> np.ndarray:
        found = pc.index_in(arrow_strings(frame[column]), value_set=value_set)
        return np.asarray(found.fill_null(-1)).astype(np.int64)

    # Two hash look-ups of millions of ids each; Arrow releases the GIL, so use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = dict(zip(("source", "target"), pool.map(lookup, ("source", "target")),
                         strict=True))
    for column in ("source", "target"):
        values = frame[column]
        missing = codes[column] < 0

        def reason(pos: int, c: str = column, v: pd.Series = values) -> str:
            value = v.iloc[pos]
            if value in set_aside:
                return f"{c} {value!r} was set aside ({set_aside[value]})."
            return f"{c} {value!r} is not an entity id."

        hint = "Add the entity, or fix the id (ids are compared exactly, case included)."
        if mode is OnError.RAISE and missing.any():
            from ..suggest import closest

            bad_value = values.iloc[int(np.flatnonzero(missing & ~problems.bad)[0])] \
                if (missing & ~problems.bad).any() else None
            close = closest(str(bad_value), entity_ids.tolist()) if bad_value else []
            if close:
                hint = f"Closest ids: {', '.join(repr(c) for c in close)}. " + hint
        problems.add(missing, column, reason, hint, id_column=None)
    keep = ~problems.bad
    return frame.loc[keep], codes["source"][keep], codes["target"][keep], problems.rows


def validate(
    entities: pd.DataFrame,
    edges: pd.DataFrame | None,
    *,
    on_error: str | OnError = OnError.RAISE,
) -> ValidatedGraph:
    """Check both tables against the contract and return them in canonical shape.

    Parameters
    ----------
    entities, edges
        The tables; ``_file``/``_row`` columns (added by :func:`explorer.load.read_table`)
        locate problems, and are dropped from the result.
    on_error
        ``"raise"`` (default): raise :class:`SchemaError` at the first problem.
        ``"report"``: set the unsound rows aside and list them in ``problems``.

    Returns
    -------
    ValidatedGraph
        Entities with ``id, kind, title, summary, status, year, authors`` first (kinds
        categorical), edges with ``source, target, relation, note`` first (endpoints and
        relations categorical), and the edges' endpoints as positions in the entities frame.
    """
    mode = as_choice(OnError, on_error, "on_error")
    entities = _ensure_position_columns(entities, "entities")
    if edges is None:
        edges = pd.DataFrame({c: pd.Series(dtype="str") for c in EDGE_REQUIRED})
    edges = _ensure_position_columns(edges, "edges")

    entities, entity_problems = _validate_entities(entities, mode)
    set_aside = {p.id: f"see {p.file}, row {p.row}" for p in entity_problems if p.id}
    edges, source_codes, target_codes, edge_problems = _validate_edges(
        edges, entities["id"], set_aside, mode
    )

    entities = _canonical(entities, ENTITY_REQUIRED + ENTITY_OPTIONAL, "kind")
    edges = _canonical(edges, EDGE_REQUIRED + EDGE_OPTIONAL, "relation")
    # Endpoints as categoricals over the entity ids: the same values and comparisons as
    # strings, 4 bytes an edge end instead of a string each (about 0.5 GB at 5M edges).
    ids = pd.Index(entities["id"])
    edges["source"] = pd.Categorical.from_codes(source_codes, categories=ids)
    edges["target"] = pd.Categorical.from_codes(target_codes, categories=ids)
    return ValidatedGraph(
        entities=entities,
        edges=edges,
        source_codes=source_codes.astype(np.int32 if len(entities) < 2**31 else np.int64),
        target_codes=target_codes.astype(np.int32 if len(entities) < 2**31 else np.int64),
        problems=entity_problems + edge_problems,
    )


def _canonical(frame: pd.DataFrame, first: tuple[str, ...], categorical: str) -> pd.DataFrame:
    rest = [c for c in frame.columns if c not in first and c not in PRIVATE_COLUMNS]
    frame = frame[list(first) + rest].reset_index(drop=True)
    frame[categorical] = frame[categorical].astype("category")
    return frame
