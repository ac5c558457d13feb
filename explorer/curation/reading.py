"""Reading the decisions log by columns: every decision, or only the decisions in effect.

SQLite hands back one Python tuple per row; 100,000 decisions read so cost more than what
is done with them. Here each column comes as one JSON array (``json_group_array``: one
string, parsed in C). :func:`read_columns` reads every decision (``kg.decisions``);
:func:`read_in_effect` reads, for the overlay, only the decisions in effect (undo records
and undone decisions are left out in SQL) and of those only what the overlay uses.
Without SQLite's JSON functions (or with a BLOB in a column) the rows are read one by one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["COLUMNS", "EXTRA", "IN_EFFECT", "SELECT", "decisions_frame", "read_columns",
           "read_in_effect"]

COLUMNS = tuple("id kind a b relation note by at score model label target".split())
SELECT = f"SELECT {', '.join(f'd.[{c}]' for c in COLUMNS)} FROM decisions d"
#: The decisions in effect: not undo records, not undone (an undo's target is never NULL).
IN_EFFECT = ("FROM decisions d WHERE d.kind != 'undo' AND d.id NOT IN (SELECT u.target FROM "
             "decisions u WHERE u.kind = 'undo' AND u.target IS NOT NULL)")
#: What the overlay reads of an accept only (the edge it adds); ``score`` apart: a REAL.
EXTRA = ("relation", "note", "by", "at", "model")
_IN_EFFECT_BY_COLUMNS = "SELECT " + ", ".join(
    [f"json_group_array(d.[{c}])" for c in ("id", "kind", "a", "b")]
    + [f"json_group_array(CASE WHEN d.kind = 'accept' THEN d.[{c}] END)" for c in EXTRA]
    + ["count(CASE WHEN d.kind = 'accept' THEN d.score END)"]  # 0: no score to read
) + " " + IN_EFFECT


def read_columns(conn: sqlite3.Connection) -> dict[str, list]:
    """Every column of the log as a list, in id order.

    ``score`` (REAL) is read by rows, where it is set: SQLite writes a REAL into JSON with
    15 digits only.
    """
    texts = [c for c in COLUMNS if c != "score"]
    with _snapshot(conn):
        try:
            arrays = conn.execute("SELECT " + ", ".join(f"json_group_array(d.[{c}])"
                                                        for c in texts)
                                  + " FROM decisions d").fetchone()
        except sqlite3.OperationalError:  # no JSON functions (or a BLOB): row by row
            rows = conn.execute(SELECT + " ORDER BY d.id").fetchall()
            return dict(zip(COLUMNS, map(list, zip(*rows, strict=True)), strict=True)) \
                if rows else {}
        columns = {c: json.loads(text) for c, text in zip(texts, arrays, strict=True)}
        ids = np.asarray(columns["id"], dtype=np.int64)
        scores = np.full(len(ids), np.nan)
        _fill_scores(conn, "SELECT id, score FROM decisions WHERE score IS NOT NULL", ids,
                     scores)
    columns["score"] = scores.tolist()
    order = np.argsort(ids, kind="stable")
    if not (order == np.arange(len(ids))).all():  # the table is scanned in id order; in case
        columns = {c: [values[i] for i in order] for c, values in columns.items()}
    return columns if len(ids) else {}


def read_in_effect(conn: sqlite3.Connection | None) -> pa.Table:
    """The decisions in effect, in id order, as the overlay reads them (an Arrow table).

    Columns ``id, kind, a, b`` of every decision in effect; ``relation, note, by, at``
    (ISO text, UTC), ``score, model`` of the accepts (null for the other kinds, which the
    overlay reads nothing else of). ``conn=None``: no log yet, no decision.
    """
    names = ("id", "kind", "a", "b", *EXTRA)
    columns: dict[str, list] = {c: [] for c in names}
    with _snapshot(conn):
        scored = conn is not None
        try:
            if conn is not None:
                *arrays, scored = conn.execute(_IN_EFFECT_BY_COLUMNS).fetchone()
                columns = dict(zip(names, map(json.loads, arrays), strict=True))
        except sqlite3.OperationalError:  # no JSON functions (or a BLOB): row by row
            rows = conn.execute(f"SELECT {', '.join(f'd.[{c}]' for c in names)} {IN_EFFECT} "
                                "ORDER BY d.id").fetchall()
            columns = {c: [r[i] if i < 4 or r[1] == "accept" else None for r in rows]
                       for i, c in enumerate(names)}
        ids = np.asarray(columns.pop("id"), dtype=np.int64)
        scores = np.full(len(ids), np.nan)
        if scored:
            _fill_scores(conn, f"SELECT d.id, d.score {IN_EFFECT} AND d.kind = 'accept' AND "
                         "d.score IS NOT NULL", ids, scores)
    table = pa.table({"id": ids, **{c: pa.array(v, pa.string()) for c, v in columns.items()},
                      "score": pa.array(scores, from_pandas=True)})
    order = np.argsort(ids, kind="stable")
    return table if (order == np.arange(len(ids))).all() else table.take(order)


@contextmanager
def _snapshot(conn: sqlite3.Connection | None) -> Iterator[None]:
    """One read transaction, so that the queries in it see the same log (writers go on)."""
    if conn is None or conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _fill_scores(conn: sqlite3.Connection, query: str, ids: np.ndarray,
                 scores: np.ndarray) -> None:
    """Put the ``(id, score)`` rows of ``query`` at their ids' places in ``scores``."""
    scored = conn.execute(query).fetchall()
    if scored:
        at = np.asarray([r[0] for r in scored], dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        scores[order[np.searchsorted(ids[order], at)]] = [float(r[1]) for r in scored]


def decisions_frame(data: dict[str, list]) -> pd.DataFrame:
    """The columns :func:`read_columns` gives as a frame, with ``undone``."""
    dtypes = {"id": "int64", "score": "float64", "target": "Int64"}
    frame = pd.DataFrame({c: pd.Series(data.get(c, ()), dtype=dtypes.get(c, object))
                          for c in COLUMNS})
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601").dt.as_unit("ns")
    frame["undone"] = frame["id"].isin(frame.loc[frame["kind"] == "undo", "target"].astype(int))
    return frame
