"""Apply the curator's decisions to the loaded tables, as an overlay computed at load.

:func:`apply_decisions` returns new frames (the files are not changed), so undoing a
decision and applying again gives back exactly what it changed. In decision-id order:

- ``merge(a, b)`` keeps ``a``, merges ``b`` into it and removes ``b``'s row; ``a``'s missing
  or empty fields (NA, ``""``, ``[]``) are filled from ``b``, the others (lists such as
  ``authors`` too) stay ``a``'s. ``b``'s edges move to ``a``: one that becomes a self-loop
  is dropped (``n_self_loops_dropped``); edges that become identical on ``source, target,
  relation, note`` collapse into one (``n_duplicates_collapsed``; an edge no merge touched
  is kept if there is one, else the first), edges whose relations or notes differ stay
  apart. Chains resolve (``b`` into ``a``, then ``a`` into ``c``: ``b, a -> c``). A merge
  of an id merged away already, into itself or in a cycle goes to ``problems``.
- ``accept(a, b, relation)`` appends ``a -relation-> b`` with the decision's note and
  provenance, its ends resolved through every merge (recorded before or after). Curated
  edges are never collapsed; one whose ends were merged into one is left out (a problem).
- ``reject``/``defer`` put the unordered, resolved pair in ``rejected``/``deferred``; the
  latest accept, reject or defer of a pair decides which, if any.
- A decision naming an id that is not in the entities table is skipped, as a problem.

The edges always get the :data:`PROVENANCE_COLUMNS` (null where no curator added the edge:
the schema does not change at the first accept). Both frames get a fresh ``RangeIndex``;
categorical ``source``/``target`` over the entity ids (as loaded) stay so, over the new ids.

The decisions come by columns (:class:`~explorer.curation.decision_columns.DecisionColumns`)
and are applied column-wise: each id they name is looked up once, in Arrow
(:func:`~explorer.curation.frames.entity_rows`); the merges' steps are in
:mod:`~explorer.curation.merges`, the pairs' in :mod:`~explorer.curation.pair_decisions`.
No Python object is made per decision but where a result holds one; the rejected and
deferred pairs stay entity rows until looked at (a
:class:`~explorer.curation.pair_decisions.PairSet`).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Set
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from .decision_columns import DecisionColumns
from .errors import CurationError
from .frames import entity_rows
from .merges import POSITION, find, merge_entities, resolve_merges, rewrite_edges
from .pair_decisions import PROVENANCE_COLUMNS, append_edges, pair_decisions
from .store import KINDS

__all__ = ["PROVENANCE_COLUMNS", "Overlay", "apply_decisions", "check_merge", "with_pair_decision"]

MERGE = KINDS.index("merge")
COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write")


@dataclass
class Overlay:
    """The tables with the decisions applied, and what the decisions say beyond them."""

    entities: pd.DataFrame
    edges: pd.DataFrame
    aliases: dict[str, str] = field(default_factory=dict)  # merged id -> final kept id
    rejected: Set[frozenset[str]] = field(default_factory=set)  # a PairSet from the overlay
    deferred: Set[frozenset[str]] = field(default_factory=set)
    merged_from: dict[str, list[str]] = field(default_factory=dict)  # kept id -> merged ids
    problems: list[str] = field(default_factory=list)
    n_curated_edges: int = 0
    n_merges: int = 0
    n_self_loops_dropped: int = 0
    n_duplicates_collapsed: int = 0


def check_merge(aliases: Mapping[str, str], keep: str, drop: str, *,
                ids: Container[str] | None = None) -> str:
    """Refuse a merge that cannot be made; return the id ``drop`` would end up merged into.

    Call it before recording a merge, with the current :attr:`Overlay.aliases` (and the
    current entity ids, to refuse unknown ones: merged ids resolve first).

    Examples
    --------
    >>> check_merge({"c:2": "c:1"}, "c:2", "c:3")     # c:2 is c:1 now
    'c:1'
    >>> check_merge({"c:2": "c:1"}, "c:2", "c:1")
    Traceback (most recent call last):
    ...
    explorer.curation.errors.CurationError: Cannot merge 'c:1' into 'c:2': 'c:2' was already \
merged into 'c:1', so they are one entity; undo that merge first to reverse it.
    """
    if keep == drop:
        raise CurationError(f"Cannot merge {keep!r} into itself.")
    if drop in aliases:
        final = _resolve(aliases, drop)
        raise CurationError(f"Cannot merge {drop!r}: it was already merged into {final!r}. "
                            f"Merge {final!r} instead, or undo that merge first.")
    final = _resolve(aliases, keep)
    for name in (final, drop) if ids is not None else ():
        if name not in ids:
            raise CurationError(f"Cannot merge: {name!r} is not in the entities table.")
    if final == drop:
        raise CurationError(f"Cannot merge {drop!r} into {keep!r}: {keep!r} was already merged "
                            f"into {drop!r}, so they are one entity; undo that merge first to "
                            "reverse it.")
    return final


def _resolve(aliases: Mapping[str, str], name: str) -> str:
    for _ in range(len(aliases) + 1):
        if name not in aliases:
            return name
        name = aliases[name]
    raise CurationError(f"The aliases loop through {name!r}.")


def apply_decisions(entities: pd.DataFrame, edges: pd.DataFrame,
                    decisions: pd.DataFrame | pa.Table) -> Overlay:
    """Apply the decisions in effect to the tables (as loaded); the inputs are not modified.

    ``decisions`` is :meth:`DecisionStore.in_effect` (an Arrow table: what loading reads)
    or a frame such as :meth:`DecisionStore.active` (undo records and undone decisions, if
    any, are skipped); either gives the same overlay. See the module's documentation for
    what each decision does.

    Examples
    --------
    >>> entities = pd.DataFrame({"id": ["c:1", "c:2", "c:3"], "summary": ["", "found", ""]})
    >>> edges = pd.DataFrame({"source": ["c:2"], "target": ["c:3"], "relation": ["contradicts"]})
    >>> decisions = pd.DataFrame({"id": [1, 2], "kind": ["merge", "accept"], "a": ["c:1", "c:3"],
    ...                           "b": ["c:2", "c:2"], "relation": [None, "cites"], "by": "ada"})
    >>> overlay = apply_decisions(entities, edges, decisions)
    >>> overlay.entities.to_dict("records")
    [{'id': 'c:1', 'summary': 'found'}, {'id': 'c:3', 'summary': ''}]
    >>> print(overlay.edges[["source", "target", "relation", "curated_by"]].to_string())
      source target     relation curated_by
    0    c:1    c:3  contradicts        NaN
    1    c:3    c:1        cites        ada
    >>> overlay.aliases, overlay.n_merges, overlay.n_curated_edges
    ({'c:2': 'c:1'}, 1, 1)
    """
    out = Overlay(entities.copy(deep=not COPY_ON_WRITE).reset_index(drop=True), edges)
    d = DecisionColumns.of(decisions)
    ids, n, did, problems = out.entities["id"], len(d), d.ids, []
    at = entity_rows(ids, d.a, d.b)  # each decision's a, then each one's b: entity row or -1
    known, is_merge = d.kind_codes >= 0, d.kind_codes == MERGE
    for i in np.flatnonzero(((at[:n] < 0) | (at[n:] < 0)) & known):
        problems += [(did[i], f"decision {did[i]} ({d.kind(i)}) names {d.name(end, i)!r}, which "
                      "is no longer in the entities table; skipped.")
                     for end, j in (("a", i), ("b", n + i)) if at[j] < 0]
    problems += [(did[i], f"decision {did[i]} has an unknown kind {d.kind(i)!r}; skipped.")
                 for i in np.flatnonzero(~known)]
    ok = (at[:n] >= 0) & (at[n:] >= 0)
    merges = np.flatnonzero(ok & is_merge)
    parent, children, label = resolve_merges(zip(
        did[merges], d.texts("a", merges), d.texts("b", merges), at[merges].tolist(),
        at[n + merges].tolist(), strict=True), problems)
    final = {drop: find(parent, drop) for drop in parent}
    for drop, root in final.items():
        out.aliases[label[drop]] = label[root]
        out.merged_from.setdefault(label[root], []).append(label[drop])
    out.n_merges = len(final)
    aligned = {end: isinstance(edges[end].dtype, pd.CategoricalDtype)
               and edges[end].cat.categories.equals(pd.Index(ids)) for end in ("source", "target")}
    new_position = np.append(np.arange(len(ids), dtype=POSITION), POSITION(-1))
    if final:
        out.entities, new_position = merge_entities(out.entities, children, final)
        edges, out.n_self_loops_dropped, out.n_duplicates_collapsed = rewrite_edges(
            edges, out.entities["id"], out.aliases, aligned, new_position, list(final))
    else:
        edges = edges.copy(deep=not COPY_ON_WRITE).reset_index(drop=True)
    accepted, out.rejected, out.deferred = pair_decisions(
        d, out.entities["id"], np.flatnonzero(ok & ~is_merge & known), new_position[at[:n]],
        new_position[at[n:]], problems)
    out.n_curated_edges = len(accepted[2])
    out.edges = append_edges(edges, out.entities["id"], d, accepted, aligned)
    out.problems = [text for _, text in sorted(problems, key=lambda p: p[0])]
    return out


def with_pair_decision(overlay: Overlay, kind: str, a: str, b: str) -> Overlay:
    """The overlay after one more ``reject`` or ``defer`` of ``a, b`` (ids as they are now).

    What :func:`apply_decisions` gives with the decision appended (the latest decision on
    a pair decides, and neither changes a table), without applying every decision again.

    Examples
    --------
    >>> before = Overlay(pd.DataFrame(), pd.DataFrame(), deferred={frozenset({"c:1", "c:2"})})
    >>> after = with_pair_decision(before, "reject", "c:2", "c:1")
    >>> after.rejected == {frozenset({"c:1", "c:2"})}, after.deferred, before.deferred != set()
    (True, set(), True)
    """
    if kind not in ("reject", "defer"):
        raise ValueError(f"kind must be 'reject' or 'defer'; got {kind!r}.")
    pair = frozenset((a, b))
    rejected, deferred = overlay.rejected - {pair}, overlay.deferred - {pair}
    (rejected if kind == "reject" else deferred).add(pair)
    return replace(overlay, rejected=rejected, deferred=deferred)
