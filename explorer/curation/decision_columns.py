"""The overlay's input: the decisions in effect, in id order, column by column.

:meth:`DecisionColumns.of` takes either :meth:`DecisionStore.in_effect
<explorer.curation.store.DecisionStore.in_effect>` (an Arrow table, read for the overlay)
or a frame like :meth:`~explorer.curation.store.DecisionStore.active` (any frame with
``id, kind, a, b`` and what of ``relation, note, by, at, score, model`` it has; undo records
and undone decisions are dropped). The overlay asks for whole columns or for the few rows
it needs, so the Arrow path makes no Python object per decision but where one is needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .store import KINDS

__all__ = ["DecisionColumns"]

TEXT = ("relation", "note", "by", "model")


class DecisionColumns:
    """The decisions in effect, in id order: ids, kinds, the pair's ids, what else they say.

    Build it with :meth:`of`. ``kind_codes`` are positions in :data:`KINDS` (-1 for an
    unknown kind); ``a``, ``b`` are Arrow string arrays, or object arrays if the frame's
    values are not all text.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [2, 1], "kind": ["reject", "accept"], "a": ["c:1", "c:2"],
    ...                       "b": ["c:3", "c:3"], "relation": [None, "cites"]})
    >>> d = DecisionColumns.of(frame)
    >>> d.ids.tolist(), d.kind_codes.tolist(), d.texts("relation", np.array([0])), d.name("a", 1)
    ([1, 2], [0, 1], ['cites'], 'c:1')
    """

    def __init__(self, ids: np.ndarray, kind_codes: np.ndarray, a: pa.Array | np.ndarray,
                 b: pa.Array | np.ndarray, source: pa.Table | pd.DataFrame) -> None:
        self.ids, self.kind_codes, self.a, self.b = ids, kind_codes, a, b
        self._source = source

    @classmethod
    def of(cls, decisions: pa.Table | pd.DataFrame) -> DecisionColumns:
        """The decisions in effect in ``decisions`` (an Arrow table, or a frame), in id order."""
        if isinstance(decisions, pa.Table):
            if not _sorted(decisions["id"].to_numpy()):
                decisions = decisions.take(np.argsort(decisions["id"].to_numpy(), kind="stable"))
            kinds = pc.index_in(decisions["kind"], value_set=pa.array(KINDS)).fill_null(-1)
            return cls(decisions["id"].to_numpy(), np.asarray(kinds, dtype=np.int64),
                       _one_chunk(decisions["a"]), _one_chunk(decisions["b"]), decisions)
        skip = (decisions["kind"] == "undo") | (
            decisions["undone"].fillna(False).astype(bool) if "undone" in decisions else False)
        d = decisions[~skip.to_numpy()].sort_values("id", kind="stable").reset_index(drop=True)
        kinds = pd.Index(KINDS, dtype=object).get_indexer(d["kind"].to_numpy(object))
        return cls(d["id"].to_numpy(), kinds.astype(np.int64), *_texts_or_objects(d), d)

    def __len__(self) -> int:
        return len(self.ids)

    def name(self, column: str, row: int) -> object:
        """The value of ``column`` (such as ``"a"``) at ``row``, as recorded."""
        if isinstance(self._source, pa.Table):
            return self._source[column][row].as_py()
        return self._source[column].iloc[row]

    def kind(self, row: int) -> object:
        """The kind recorded at ``row`` (for a message; ``kind_codes`` is for the rest)."""
        return self.name("kind", row)

    def texts(self, column: str, rows: np.ndarray) -> list:
        """The values of a text column (``a``, ``relation``...) at ``rows``, or None each.

        None for each row if the decisions have no such column.
        """
        if isinstance(self._source, pa.Table):
            return self._source[column].take(pa.array(rows, pa.int64())).to_pylist()
        if column not in self._source:
            return [None] * len(rows)
        return self._source[column].to_numpy(object)[rows].tolist()

    def scores(self, rows: np.ndarray) -> pd.Series:
        """``score`` at ``rows``, as floats (NaN where none)."""
        if isinstance(self._source, pa.Table):
            values = self._source["score"].take(pa.array(rows, pa.int64()))
            return pd.Series(values.to_numpy(zero_copy_only=False), dtype=float)
        if "score" not in self._source:
            return pd.Series(np.full(len(rows), np.nan))
        return pd.to_numeric(self._source["score"].iloc[rows].reset_index(drop=True),
                             errors="coerce").astype(float)

    def times(self, rows: np.ndarray) -> pd.Series:
        """``at`` at ``rows``, as UTC timestamps in nanoseconds (NaT where none)."""
        if isinstance(self._source, pa.Table):  # ISO text, as the log keeps it
            text = pd.Series(self.texts("at", rows), dtype=object)
            at = pd.to_datetime(text, utc=True, format="ISO8601")
        elif "at" in self._source:
            at = pd.to_datetime(self._source["at"].iloc[rows].reset_index(drop=True), utc=True)
        else:
            at = pd.to_datetime(pd.Series([None] * len(rows), dtype=object), utc=True)
        return at.dt.as_unit("ns")


def _sorted(ids: np.ndarray) -> bool:
    return bool(len(ids) < 2 or (ids[1:] >= ids[:-1]).all())


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _texts_or_objects(d: pd.DataFrame) -> tuple[pa.Array | np.ndarray, ...]:
    """``a`` and ``b`` as Arrow strings if they are text (or NA), else as objects."""
    ends = tuple(d[end].to_numpy(object) for end in ("a", "b"))
    try:
        return tuple(pa.array(end, pa.string(), from_pandas=True) for end in ends)
    except (pa.ArrowException, TypeError, ValueError):
        return ends
