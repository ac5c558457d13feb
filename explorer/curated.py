"""Curation on the façade: accept, reject, merge, defer, undo, and what they change.

Decisions go to a :class:`~explorer.curation.store.DecisionStore` (SQLite beside the data,
or a path of the user's); the graph the user sees is the loaded tables with every decision
in effect applied as an overlay (:func:`~explorer.curation.overlay.apply_decisions`).
The user's tables are never rewritten. :class:`CurationMethods` is mixed into
:class:`explorer.KnowledgeGraph`; it calls the layers below and nothing imports it but
the façade.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis.clusters import duplicate_clusters
from .curation.overlay import Overlay, apply_decisions, check_merge, with_pair_decision
from .curation.pair_decisions import PairSet
from .curation.store import CurationError, CurationStoreError, Decision, DecisionStore
from .errors import ParameterError
from .sorted_keys import unique_sorted
from .views.calibration import Calibration, calibrate

if TYPE_CHECKING:
    from .analysis.graph_similarity import GraphSimilarity
    from .load.report import LoadReport

__all__ = ["CURATION_FILE", "CurationMethods", "curation_path"]

#: The decisions database's name in a data folder.
CURATION_FILE = "curation.sqlite"
_RELATION = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
ALIASES_COLUMN = "aliases"


def curation_path(folder: Path | None, curation: str | Path | bool | None) -> Path | None:
    """The decisions file: ``<data>/curation.sqlite`` by default, a path given, or none.

    Examples
    --------
    >>> curation_path(Path("data/example"), None).name
    'curation.sqlite'
    >>> curation_path(Path("data/example"), False) is None
    True
    """
    if curation is False:
        return None
    if curation is None or curation is True:
        return None if folder is None else folder / CURATION_FILE
    return Path(curation)


class CurationMethods:
    """The curation half of :class:`explorer.KnowledgeGraph` (a mixin)."""

    # Set by the façade (explorer.knowledge_graph.KnowledgeGraph).
    entities: pd.DataFrame
    edges: pd.DataFrame
    source_codes: np.ndarray
    target_codes: np.ndarray
    report: LoadReport
    _store: DecisionStore | None
    _curation_path: Path | None
    _base: tuple[pd.DataFrame, pd.DataFrame] | None
    _overlay: Overlay | None
    _similarity: GraphSimilarity | None

    # -------------------------------------------------------------- decisions
    def accept(
        self, a: str, b: str, relation: str, *, note: str | None = None, by: str | None = None
    ) -> Decision:
        """Turn a candidate pair into a typed, curated edge ``a -relation-> b``.

        The edge carries provenance (``curated_by``, ``curated_at``, ``curated_score``,
        ``curated_model``, ``decision_id``); the decision is on disk when this returns, and
        the card, the neighborhood and the graph show the edge at once.

        Parameters
        ----------
        a, b
            Entity ids (merged ids resolve to the entity they were merged into).
        relation
            The edge's relation, e.g. ``"supports"``; a candidate's ``relation`` column
            suggests one (``contradicts`` for a possible contradiction).
        note, by
            Free text kept with the decision and on the edge, and who decided.
        """
        a, b = self._pair(a, b)
        if not isinstance(relation, str) or not _RELATION.match(relation):
            raise ParameterError(
                f"relation must be a name such as 'supports' or 'contradicts' (letters, "
                f"digits, _ or -, starting with a letter); got {relation!r}."
            )
        return self._record("accept", a, b, relation=relation, note=note, by=by)

    def reject(self, a: str, b: str, *, note: str | None = None, by: str | None = None
               ) -> Decision:
        """The pair is not related: it never comes back in candidates, similar, card or graph."""
        a, b = self._pair(a, b)
        return self._record("reject", a, b, note=note, by=by)

    def defer(self, a: str, b: str, *, note: str | None = None, by: str | None = None
              ) -> Decision:
        """Leave the pair for later: recorded, and skipped by the review queue."""
        a, b = self._pair(a, b)
        return self._record("defer", a, b, note=note, by=by)

    def merge(self, keep: str, drop: str, *, note: str | None = None, by: str | None = None
              ) -> Decision:
        """Merge the duplicate ``drop`` into ``keep``; ``drop`` stays an alias of ``keep``.

        ``drop``'s edges move to ``keep`` (those that become identical are kept once), its
        fields fill ``keep``'s empty ones, and ``kg.resolve(drop) == keep``. Refused for an
        entity and itself, or when it would make a cycle. :meth:`undo` gives both back.
        """
        aliases = self.aliases
        if drop in aliases:
            raise CurationError(f"Cannot merge {drop!r}: it was already merged into "
                                f"{self.resolve(drop)!r}. Merge that entity instead, or undo "
                                "the earlier merge first.")
        keep, drop = self.resolve(keep), self._known(drop)
        check_merge(aliases, keep, drop, ids=self.ids)  # type: ignore[attr-defined]
        return self._record("merge", keep, drop, note=note, by=by)

    def undo(self, decision: int | Decision | None = None) -> Decision:
        """Undo the last decision, or the one given (an id or a :class:`Decision`).

        Returns the undo record (its ``target`` is the decision undone). An undone merge
        gives back both entities and every edge exactly as before.
        """
        store = self._open_store(create=False)
        if store is None:
            raise CurationError("There is no decision to undo: none has been recorded for "
                                "this graph.")
        target = decision.id if isinstance(decision, Decision) else decision
        undone = store.undo(target)
        self._refresh()
        return undone

    @property
    def decisions(self) -> pd.DataFrame:
        """Every decision, one row each.

        Columns ``id, kind, a, b, relation, note, by, at, score, model, label, target,
        undone``.
        """
        store = self._open_store(create=False)
        if store is None:
            return pd.DataFrame(columns=["id", "kind", "a", "b", "relation", "note", "by",
                                         "at", "score", "model", "label", "target", "undone"])
        return store.decisions()

    # ---------------------------------------------------------------- aliases
    @property
    def aliases(self) -> dict[str, str]:
        """Merged ids and the entity each one now is.

        From the decisions, and from the ``aliases`` column of an exported graph.
        """
        found: dict[str, str] = {}
        if ALIASES_COLUMN in self.entities.columns:
            for kept, listed in zip(self.entities["id"], self.entities[ALIASES_COLUMN],
                                    strict=True):
                if isinstance(listed, str) and listed:
                    found.update({alias: str(kept) for alias in listed.split(";") if alias})
        if self._overlay is not None:
            found.update(self._overlay.aliases)
        return found

    def resolve(self, entity_id: str) -> str:
        """The id an entity has now (after merges): ``kg.resolve(dropped) == kept``."""
        seen = set()
        name = str(entity_id)
        aliases = self.aliases
        while name in aliases and name not in seen:
            seen.add(name)
            name = aliases[name]
        return self._known(name)

    def merged_from(self, entity_id: str) -> list[str]:
        """The ids merged into this entity (empty when none)."""
        if self._overlay is None:
            return []
        return list(self._overlay.merged_from.get(self.resolve(entity_id), []))

    # ------------------------------------------------------------ calibration
    def calibration(self, *, bands: int = 10, target: float = 0.5) -> Calibration:
        """Acceptance by score band from your own decisions, with the threshold it suggests.

        With too few scored decisions it says how many more it needs.
        """
        return calibrate(self.decisions, bands=bands, target=target)

    def duplicate_clusters(self, found: pd.DataFrame | None = None) -> list[list[str]]:
        """Duplicates found transitively (a ~ b ~ c), as clusters to merge into one entity.

        ``found`` defaults to ``kg.candidates(per_entity=None)``.
        """
        if found is None:
            found = self.candidates(per_entity=None)  # type: ignore[attr-defined]
        return duplicate_clusters(found)

    def merge_cluster(self, keep: str, cluster: list[str], **fields: Any) -> list[Decision]:
        """Merge every other id of a cluster into ``keep`` (the canonical entity)."""
        return [self.merge(keep, other, **fields) for other in cluster if other != keep]

    # ----------------------------------------------------------------- export
    def export(self, dest: str | Path) -> Path:
        """Write the curated graph (every decision applied) in the data format.

        ``dest`` must be a new or empty folder. Entities and edges are written in the
        format the graph was loaded from (Parquet for a graph built from frames); merged
        ids are kept in an ``aliases`` column (``;``-separated), curated edges keep their
        provenance columns. ``explorer.load(dest)`` gives the same entities, edges and
        aliases.

        Returns
        -------
        pathlib.Path
            ``dest``.
        """
        from .load.files import EXTENSIONS, Format

        dest = Path(dest)
        if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            raise ParameterError(
                f"{dest} exists and is not an empty folder: export writes a new data folder "
                "(the tables you loaded are never rewritten). Choose another destination."
            )
        loaded = (self.report.files.get("entities") or [""])[0]
        fmt = EXTENSIONS.get(Path(loaded).suffix.lower(), Format.PARQUET)
        entities = self.entities.drop(columns=ALIASES_COLUMN, errors="ignore")
        aliases = self.aliases
        if aliases:
            grouped: dict[str, list[str]] = {}
            for alias, kept in sorted(aliases.items()):
                grouped.setdefault(kept, []).append(alias)
            entities = entities.assign(**{ALIASES_COLUMN: [
                ";".join(grouped.get(i, [])) for i in entities["id"]]})
        dest.mkdir(parents=True, exist_ok=True)
        for name, frame in (("entities", entities), ("edges", self.edges)):
            write_table(frame, dest / f"{name}.{fmt.value}", fmt)
        return dest

    # -------------------------------------------------------------- internals
    def _known(self, entity_id: str) -> str:
        self.position(entity_id)  # type: ignore[attr-defined]  # did-you-mean error
        return str(entity_id)

    def _pair(self, a: str, b: str) -> tuple[str, str]:
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            raise CurationError(f"{a!r} and {b!r} are one entity; a decision needs two.")
        return a, b

    def _pair_evidence(self, a: str, b: str) -> dict[str, Any]:
        """The pair's score, model and label, when similarity has been computed."""
        state = self._similarity
        if state is None:
            return {}
        from .analysis.candidates import explain_pairs

        i, j = self.position(a), self.position(b)  # type: ignore[attr-defined]
        vectors = state.vectors
        cosine = np.float32(vectors[i] @ vectors[j])
        why = explain_pairs(state, np.array([i]), np.array([j]), np.array([cosine]))
        return {"score": float(why["score"].iloc[0]), "model": state.source,
                "label": str(why["label"].iloc[0])}

    def _record(self, kind: str, a: str, b: str, **fields: Any) -> Decision:
        store = self._require_store()
        evidence = self._pair_evidence(a, b)
        decision = store.record(kind, a, b, **fields, **evidence)
        if kind in ("reject", "defer") and self._overlay is not None:
            # The tables do not change: only the pair's set does (no rebuild, no re-read).
            self._overlay = with_pair_decision(self._overlay, kind, a, b)
        else:
            self._refresh()
        return decision

    def _open_store(self, *, create: bool) -> DecisionStore | None:
        if self._store is None and self._curation_path is not None:
            if create or DecisionStore.exists(self._curation_path):
                self._store = DecisionStore.open(self._curation_path)
        return self._store

    def _require_store(self) -> DecisionStore:
        store = self._open_store(create=True)
        if store is None:
            raise CurationStoreError(
                self._curation_path or Path("(none)"),
                "no curation database: this graph was loaded with curation=False or built "
                "from frames.",
                "Load it with explorer.load(folder) or explorer.load(folder, "
                "curation='path/to/curation.sqlite') to record decisions.",
            )
        return store

    def _refresh(self) -> None:
        """Apply every decision in effect to the loaded tables, and rebuild what depends."""
        path, decisions = self._curation_path, None
        if self._store is None and path is not None and DecisionStore.exists(path):
            self._store, decisions = DecisionStore.open_in_effect(path)  # at load: both at once
        store = self._open_store(create=False)
        if store is None or self._base is None:
            return
        entities, edges = self._base
        before = None if self._overlay is None else len(self._overlay.entities)
        decisions = store.in_effect() if decisions is None else decisions
        self._overlay = apply_decisions(entities, edges, decisions)
        self._rebuild(self._overlay.entities, self._overlay.edges)  # type: ignore[attr-defined]
        if before != len(self._overlay.entities) or self._merges_changed():
            self._similarity = None  # positions moved: vectors are re-read from the cache

    def _merges_changed(self) -> bool:
        state = self._similarity
        return state is not None and len(state.vectors) != len(self.entities)

    def rejected_pair_keys(self) -> np.ndarray:
        """Sorted, distinct keys ``min * n + max`` of the pairs the curator rejected."""
        if self._overlay is None or not self._overlay.rejected:
            return np.zeros(0, dtype=np.int64)
        ids = self.ids  # type: ignore[attr-defined]
        rejected = self._overlay.rejected
        if isinstance(rejected, PairSet) and self._overlay.entities is self.entities:
            return rejected.keys(len(ids))  # rows of these entities: no id look-up
        pairs = [tuple(p) for p in self._overlay.rejected if len(p) == 2]
        a = ids.get_indexer([p[0] for p in pairs])
        b = ids.get_indexer([p[1] for p in pairs])
        ok = (a >= 0) & (b >= 0)
        n = np.int64(len(ids))
        a, b = a[ok].astype(np.int64), b[ok].astype(np.int64)
        return unique_sorted(np.minimum(a, b) * n + np.maximum(a, b))

    def deferred_pairs(self) -> set[frozenset[str]]:
        """The pairs the curator deferred."""
        return set(self._overlay.deferred) if self._overlay is not None else set()

    def curation_summary(self) -> str:
        """``12 curated edges, 3 merges`` (empty when nothing is curated)."""
        if self._overlay is None:
            return ""
        overlay = self._overlay
        parts = [
            f"{overlay.n_curated_edges:,} curated edge{'s' * (overlay.n_curated_edges != 1)}",
            f"{overlay.n_merges:,} merge{'s' * (overlay.n_merges != 1)}",
            f"{len(overlay.rejected):,} rejected",
        ]
        return ", ".join(parts)


def write_table(frame: pd.DataFrame, path: Path, fmt: Any) -> None:
    """Write one table of the data contract with pandas' own writer, atomically."""
    from .atomic import atomic_path
    from .load.files import Format

    frame = frame.drop(columns=[c for c in ("_file", "_row") if c in frame.columns])
    with atomic_path(path) as tmp:
        if fmt is Format.PARQUET:
            frame.to_parquet(tmp, index=False)
        elif fmt is Format.JSONL:
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False,
                          date_format="iso")
        else:
            frame.to_csv(tmp, sep="," if fmt is Format.CSV else "\t", index=False)
