"""Merges of the overlay: which entity each merged id became, its row filled, its edges moved.

See :mod:`explorer.curation.overlay` for what a merge does; these are its steps, on entity
rows (positions in the entities table as loaded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

from .frames import ARROW, category_dtype, empty, filter_rows

__all__ = ["EDGE_KEY", "POSITION", "find", "merge_entities", "resolve_merges", "rewrite_edges"]

EDGE_KEY = ("source", "target", "relation", "note")
POSITION = np.int32  # old -> new entity positions: 4-byte look-ups are 6x faster at 5M


def resolve_merges(rows: Iterable[tuple], problems: list) -> tuple[dict, dict, dict]:
    """Union-find over the merges in order, on entity rows: parent, children and names.

    ``rows``: ``(decision id, kept name, dropped name, kept row, dropped row)`` in decision
    order. A merge that cannot be made goes to ``problems`` as ``(decision id, text)``.
    """
    parent: dict[int, int] = {}
    children: dict[int, list[int]] = {}
    label: dict[int, str] = {}
    for did, keep_name, drop_name, keep, drop in rows:
        label[keep], label[drop] = keep_name, drop_name
        root = find(parent, keep)
        if drop in parent or root == drop:
            why = f"{drop_name!r} was already merged into {label[find(parent, drop)]!r}" \
                if drop in parent else f"{keep_name!r} is {drop_name!r} already (a cycle)"
            problems.append((did, f"decision {did} (merge) cannot merge {drop_name!r} into "
                             f"{keep_name!r}: {why}; skipped."))
            continue
        parent[drop] = root
        children.setdefault(root, []).append(drop)
    return parent, children, label


def find(parent: dict, name: object) -> object:
    """The root of ``name`` in the union-find ``parent`` (compressing the path to it)."""
    root = name
    while root in parent:
        root = parent[root]
    while name != root:  # path compression: later look-ups take one step
        parent[name], name = root, parent[name]
    return root


def merge_entities(entities: pd.DataFrame, children: dict[int, list[int]],
                   final: dict[int, int]) -> tuple[pd.DataFrame, np.ndarray]:
    """Fill kept rows from their merged rows, drop those; return them and old -> new rows."""
    members, groups, roots = [], [], list(dict.fromkeys(final.values()))
    for group, root in enumerate(roots):
        stack = [root]
        while stack:  # pre-order, children in merge order: the order a sequential fill sees
            node = stack.pop()
            members.append(node)
            groups.append(group)
            stack.extend(reversed(children.get(node, ())))
    members_a, groups_a, roots_a = np.array(members), np.array(groups), np.array(roots)
    keep = np.ones(len(entities), dtype=bool)
    keep[list(final)] = False
    result = filter_rows(entities, keep)
    new_position = np.append(np.cumsum(keep) - 1, -1).astype(POSITION)
    for drop, root in final.items():
        new_position[drop] = new_position[root]
    filled = {}
    for name in entities.columns.drop("id", errors="ignore"):
        has = ~empty(entities[name].iloc[members_a])
        firsts, index = np.unique(groups_a[has], return_index=True)
        chosen = members_a[has][index]
        change = chosen != roots_a[firsts]
        if change.any():
            values = _put(result[name].array, new_position[roots_a[firsts][change]],
                          entities[name].array[chosen[change]])
            filled[name] = pd.Series(values, index=result.index)
    return (result.assign(**filled) if filled else result), new_position


def _put(values: ExtensionArray | np.ndarray, at: np.ndarray, new: ExtensionArray | np.ndarray
         ) -> ExtensionArray | np.ndarray:
    """A copy of ``values`` with ``new`` at the (distinct) positions ``at``.

    An Arrow column is gathered in one ``take`` from it and ``new``: setting items on it
    rewrites it through a mask instead, 10x slower (0.5 s for 1M titles).
    """
    if not (isinstance(values, ARROW) and isinstance(new, ARROW) and values.dtype == new.dtype):
        values = values.copy()
        values[at] = new
        return values
    old, tail = values.__arrow_array__(), new.__arrow_array__()
    index = np.arange(len(values), dtype=np.int64)
    index[at] = len(values) + np.arange(len(at))
    both = pa.chunked_array([*old.chunks, *tail.chunks], type=old.type)
    return pd.array(both.take(pa.array(index)), dtype=values.dtype)


def _rewrite_end(column: pd.Series, aligned: bool, ids: pd.Series, aliases: Mapping[str, str],
                 new_position: np.ndarray, dropped: list[int]) -> tuple[pd.Series, np.ndarray]:
    """An endpoint column with the merged ids replaced, and which rows changed."""
    if aligned:  # categorical with entity rows as codes: keep it so, over the new ids
        codes = column.cat.codes.to_numpy()
        changed = np.zeros(len(column.cat.categories) + 1, dtype=bool)  # the last: code -1
        changed[dropped] = True
        dtype = category_dtype(pd.Index(ids), column.cat.ordered)
        return pd.Series(pd.Categorical.from_codes(new_position[codes], dtype=dtype,
                                                   validate=False)), \
            changed[codes]
    if isinstance(column.dtype, pd.CategoricalDtype):  # over other categories: plain values
        column = column.astype(column.cat.categories.dtype)
    hit = column.isin(list(aliases)).to_numpy()
    new = column.copy()
    new.iloc[np.flatnonzero(hit)] = column[hit].map(aliases).to_numpy()
    return new, hit


def _among(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Which rows hold one of the values the ``rows`` (a mask) hold."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        mark = np.zeros(len(column.cat.categories) + 1, dtype=bool)
        mark[codes[rows]] = True
        return mark[codes]
    return column.isin(column[rows].unique()).to_numpy()


def rewrite_edges(edges: pd.DataFrame, ids: pd.Series, aliases: Mapping[str, str],
                  aligned: dict[str, bool], new_position: np.ndarray, dropped: list[int]
                  ) -> tuple[pd.DataFrame, int, int]:
    """Move merged ids' edges to the kept ids; drop the self-loops and duplicates made so.

    ``ids`` are the entity ids after the merges. Returns the edges, how many self-loops
    and how many duplicates were dropped.
    """
    edges = edges.reset_index(drop=True)
    ends, touched = {}, np.zeros(len(edges), dtype=bool)
    for end in ("source", "target"):
        ends[end], changed = _rewrite_end(edges[end], aligned[end], ids, aliases, new_position,
                                          dropped)
        touched |= changed
    rows = np.flatnonzero(touched)
    source, target = ends["source"].iloc[rows], ends["target"].iloc[rows]
    both = aligned["source"] and aligned["target"]  # the same categories: compare codes
    loops = rows[source.cat.codes.to_numpy() == target.cat.codes.to_numpy() if both
                 else source.to_numpy(object) == target.to_numpy(object)]
    moved = touched.copy()
    moved[loops] = False
    near = np.flatnonzero(_among(ends["source"], moved) & _among(ends["target"], moved))
    order = near[np.argsort(touched[near], kind="stable")]  # untouched edges first: kept
    order = order[~np.isin(order, loops)]
    key = pd.DataFrame({name: (ends[name] if name in ends else edges[name]).iloc[order]
                        .reset_index(drop=True) for name in EDGE_KEY if name in edges})
    duplicates = order[key.duplicated().to_numpy() & touched[order]]
    keep = np.ones(len(edges), dtype=bool)
    keep[loops] = keep[duplicates] = False
    return filter_rows(edges.assign(**ends), keep), len(loops), len(duplicates)
