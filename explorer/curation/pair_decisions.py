"""Decisions on pairs in the overlay: accepted edges appended, rejected and deferred pairs.

See :mod:`explorer.curation.overlay` for what they do; these are their steps, once merges
have given each decision's ends their rows in the merged entities table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set

import numpy as np
import pandas as pd
import pyarrow as pa

from ..sorted_keys import unique_sorted
from .decision_columns import DecisionColumns
from .frames import ARROW, category_dtype
from .store import KINDS

__all__ = ["PROVENANCE_COLUMNS", "Accepted", "PairSet", "append_edges", "pair_decisions"]

PROVENANCE_COLUMNS = ("curated_by", "curated_at", "curated_score", "curated_model", "decision_id")
ARROW_TYPES = {"curated_at": pa.timestamp("ns", tz="UTC"), "curated_score": pa.float64(),
               "decision_id": pa.int64()}
ACCEPT, REJECT, DEFER = (KINDS.index(k) for k in ("accept", "reject", "defer"))
Accepted = tuple[np.ndarray, np.ndarray, np.ndarray, list]  # sources, targets, rows, relations


class PairSet(Set):
    """Unordered pairs of entity ids (``frozenset({a, b})``), made when first looked at.

    A set of the pairs, kept as entity rows: loading with 66,000 rejected pairs makes none
    of their 66,000 frozensets (60 ms, and as much again to free them). Compares, tests
    and iterates as the set it stands for; ``-``, ``|``, ``&``, ``^`` give plain sets.

    Examples
    --------
    >>> pairs = PairSet(pd.Series(["c:1", "c:2", "c:3"]), np.array([0, 1]), np.array([2, 2]))
    >>> len(pairs), frozenset({"c:3", "c:1"}) in pairs, pairs == {frozenset({"c:1", "c:3"}),
    ...                                                          frozenset({"c:2", "c:3"})}
    (2, True, True)
    >>> rest = pairs - {frozenset({"c:1", "c:3"})}
    >>> type(rest).__name__, rest == {frozenset({"c:2", "c:3"})}, pairs.keys(3).tolist()
    ('set', True, [2, 5])
    """

    __slots__ = ("_high", "_ids", "_low", "_pairs")

    def __init__(self, ids: pd.Series, low: np.ndarray, high: np.ndarray) -> None:
        self._ids, self._low, self._high = ids, low, high  # distinct pairs, low < high
        self._pairs: frozenset[frozenset[str]] | None = None

    @classmethod
    def _from_iterable(cls, values: Iterable) -> set:
        return set(values)

    def _set(self) -> frozenset[frozenset[str]]:
        if self._pairs is None:
            pairs = zip(self._ids.iloc[self._low].tolist(), self._ids.iloc[self._high].tolist(),
                        strict=True)
            self._pairs = frozenset(map(frozenset, pairs))
        return self._pairs

    def __contains__(self, pair: object) -> bool:
        return pair in self._set()

    def __iter__(self) -> Iterator[frozenset[str]]:
        return iter(self._set())

    def __len__(self) -> int:
        return len(self._low)

    def __repr__(self) -> str:
        return repr(set(self._set()))

    # The set operations as a set's own (the mixins' would loop in Python).
    def __sub__(self, other: Iterable) -> set:
        return set(self._set()).difference(other)

    def __or__(self, other: Iterable) -> set:
        return set(self._set()).union(other)

    def __and__(self, other: Iterable) -> set:
        return set(self._set()).intersection(other)

    def __xor__(self, other: Iterable) -> set:
        return set(self._set()).symmetric_difference(other)

    __ror__, __rand__, __rxor__ = __or__, __and__, __xor__

    def keys(self, n: int) -> np.ndarray:
        """The pairs as sorted, unique ``low * n + high`` of their rows (``n``: entities)."""
        return unique_sorted(self._low.astype(np.int64) * n + self._high)


def pair_decisions(d: DecisionColumns, ids: pd.Series, rows: np.ndarray, a: np.ndarray,
                   b: np.ndarray, problems: list) -> tuple[Accepted, PairSet, PairSet]:
    """The accepted edges, and the rejected and deferred pairs, of the decisions ``rows``.

    ``a``, ``b`` are every decision's ends as rows of ``ids`` (the merged entities' ids).
    An accept without relation, or whose ends merges made one, goes to ``problems``; the
    latest accept, reject or defer of an unordered pair says whether it is rejected,
    deferred, or neither. Returns ``(sources, targets, decision rows, relations)`` of the
    accepted edges, in decision order, then the rejected and the deferred pairs.
    """
    a, b, kind = a[rows], b[rows], d.kind_codes[rows]
    accepts = np.flatnonzero(kind == ACCEPT)
    relation = d.texts("relation", rows[accepts])
    named = np.ones(len(rows), dtype=bool)
    named[accepts] = [isinstance(r, str) and r != "" for r in relation]
    bad = ((a == b) | ~named) & (kind == ACCEPT)
    for i in np.flatnonzero(bad):
        did = d.ids[rows[i]]
        problems.append((did, f"decision {did} (accept) has no relation; skipped." if a[i] != b[i]
                         else f"decision {did} (accept) links {d.name('a', rows[i])!r} and "
                         f"{d.name('b', rows[i])!r}, which merges made one entity "
                         f"{ids.iloc[a[i]]!r}; the edge is left out."))
    keep = ~bad & (a != b)
    relation = [r for r, ok in zip(relation, keep[accepts], strict=True) if ok]
    rows, a, b, kind = rows[keep], a[keep], b[keep], kind[keep]
    low, high = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    _, last = np.unique((low * (len(ids) + 1) + high)[::-1], return_index=True)
    last = len(rows) - 1 - last  # the latest decision on each pair decides
    sets = [PairSet(ids, low[chosen], high[chosen])
            for chosen in (last[kind[last] == wanted] for wanted in (REJECT, DEFER))]
    accept = kind == ACCEPT
    return (a[accept], b[accept], rows[accept], relation), sets[0], sets[1]


def append_edges(edges: pd.DataFrame, ids: pd.Series, d: DecisionColumns, accepted: Accepted,
                 aligned: dict[str, bool]) -> pd.DataFrame:
    """Add the accepted edges and the provenance columns (null on the other edges)."""
    sources, targets, rows, relation = accepted
    n, k = len(edges), len(rows)
    new = {"relation": relation,
           "note": ["" if v is None or v != v else v for v in d.texts("note", rows)],
           "curated_by": d.texts("by", rows), "curated_model": d.texts("model", rows),
           "curated_score": d.scores(rows), "curated_at": d.times(rows),
           "decision_id": pd.Series(d.ids[rows]).astype("Int64")}
    columns = {}
    for name in edges.columns:
        ends = {"source": sources, "target": targets}.get(name)
        if ends is None:
            columns[name] = _extend(edges[name], new.get(name), k)
        else:  # as codes if they are entity rows, else as ids
            columns[name] = _extend(edges[name], None, k, ends) if aligned[name] else \
                _extend(edges[name], ids.iloc[ends].tolist(), k)
    for name in (c for c in PROVENANCE_COLUMNS if c not in columns):
        if name in ("curated_by", "curated_model"):  # categorical, even when all null
            tail = pd.Categorical(new[name])
            codes = np.full(n + k, -1, dtype=tail.codes.dtype)
            codes[n:] = tail.codes
            columns[name] = pd.Series(pd.Categorical.from_codes(codes, dtype=tail.dtype))
        else:  # Arrow: n nulls cost nothing (numpy columns of 5M nulls cost 0.1 s)
            kind = ARROW_TYPES[name]
            tail = pa.array(new[name], type=kind, from_pandas=True)
            columns[name] = pd.Series(ARROW(pa.chunked_array([pa.nulls(n, kind), tail], kind)))
    return pd.DataFrame(columns, index=pd.RangeIndex(n + k), copy=False)


def _extend(column: pd.Series, values: list | None, k: int, codes=None) -> pd.Series:
    """``column`` followed by ``values`` (NA where None), keeping its dtype if it can."""
    column = column.reset_index(drop=True)
    if k == 0:
        return column
    if codes is None and (values is None or all(v is None for v in values)):
        return column.reindex(pd.RangeIndex(len(column) + k))
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if codes is None:
            fresh = [v for v in dict.fromkeys(values) if isinstance(v, str) or pd.notna(v)]
            fresh = pd.Index(fresh, dtype=categories.dtype).difference(categories, sort=False)
            categories = categories.append(fresh) if len(fresh) else categories
            codes = categories.get_indexer(values)
        old = column.cat.codes.to_numpy()
        wide = old.dtype if len(categories) < np.iinfo(old.dtype).max else np.int64
        return pd.Series(pd.Categorical.from_codes(
            np.concatenate([old, np.asarray(codes, dtype=wide)], dtype=wide),
            dtype=category_dtype(categories, column.cat.ordered), validate=False))
    try:
        tail = pd.Series(values, dtype=column.dtype)
    except (TypeError, ValueError):
        tail = pd.Series(values)
    return pd.concat([column, tail], ignore_index=True)
