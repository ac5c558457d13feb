"""The graph core: validated frames, ids, the integer-coded adjacency, and look-ups on them.

:class:`GraphCore` knows entities and edges only: no page, no screen, no embedding.
Algorithms on it (:mod:`explorer.core.neighborhood`, :mod:`explorer.analysis.related`)
are functions that take it; :class:`explorer.KnowledgeGraph` is the façade above them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SchemaError, UnknownEntityError
from ..load.report import LoadReport
from ..load.schema import OnError, validate
from ..sorted_keys import unique_sorted
from ..suggest import closest
from .adjacency import Adjacency
from .search import TitleIndex
from .text_column import TextColumn

__all__ = ["GraphCore", "NEIGHBORHOOD_COLUMNS", "as_list"]

NEIGHBORHOOD_COLUMNS = [
    "id",
    "kind",
    "title",
    "summary",
    "relations",
    "notes",
    "directions",
    "edge_count",
    "degree",
]


class GraphCore:
    """Entities and typed edges of a research knowledge graph.

    Build one with :meth:`from_frames` (or :func:`explorer.load`); ``__init__`` only stores.
    ``entities`` and ``edges`` are the user's pandas view; neighborhoods are answered from
    an integer-coded adjacency built once, in time proportional to the entity's degree.
    """

    def __init__(
        self,
        entities: pd.DataFrame,
        edges: pd.DataFrame,
        *,
        adjacency: Adjacency | None,
        source_codes: np.ndarray,
        target_codes: np.ndarray,
        report: LoadReport | None = None,
    ) -> None:
        self.entities = entities
        self.edges = edges
        self._adjacency = adjacency
        self.source_codes = source_codes
        self.target_codes = target_codes
        self.report = report if report is not None else LoadReport()
        self._ids = pd.Index(entities["id"])
        self._arrays: dict[tuple[str, str], np.ndarray] = {}
        self._title_index: TitleIndex | None = None

    @classmethod
    def from_frames(
        cls,
        entities: pd.DataFrame,
        edges: pd.DataFrame | None = None,
        *,
        on_error: str | OnError = "raise",
        report: LoadReport | None = None,
        build_adjacency: bool = True,
    ) -> GraphCore:
        """Validate two frames against the data contract and build the graph.

        Parameters
        ----------
        entities
            Columns ``id, kind, title`` required; ``summary, status, year, authors`` and
            any others optional.
        edges
            Columns ``source, target, relation`` required; ``note`` and others optional.
        on_error
            ``"raise"`` or ``"report"``, as in :func:`explorer.load`.
        report
            A report to add the set-aside rows to.
        build_adjacency
            ``False`` builds the adjacency on first use instead (:func:`explorer.load` does
            so when the curation overlay replaces the tables next: it is built once).

        Examples
        --------
        >>> kg = GraphCore.from_frames(
        ...     pd.DataFrame({"id": ["c:1", "p:1"], "kind": ["claim", "paper"],
        ...                   "title": ["A claim", "A paper"]}),
        ...     pd.DataFrame({"source": ["c:1"], "target": ["p:1"],
        ...                   "relation": ["extracted_from"]}))
        >>> kg
        GraphCore(2 entities, 1 edge)
          kinds: claim 1 · paper 1
          relations: extracted_from 1
        """
        checked = validate(entities, edges, on_error=on_error)
        report = report if report is not None else LoadReport()
        report.problems.extend(checked.problems)
        adjacency = Adjacency.from_codes(
            checked.source_codes, checked.target_codes, len(checked.entities)
        ) if build_adjacency else None
        return cls(
            checked.entities,
            checked.edges,
            adjacency=adjacency,
            source_codes=checked.source_codes,
            target_codes=checked.target_codes,
            report=report,
        )

    def _rebuild(self, entities: pd.DataFrame, edges: pd.DataFrame) -> None:
        """Take new frames and rebuild what depends on them.

        The edge ends must be categorical over the entity ids (codes = row positions), as
        the curation overlay gives them.
        """
        self.entities = entities
        self.edges = edges
        # as the loader gives them: int32 below 2**31 entities (an adjacency built from int64
        # codes takes 0.15-0.35 s more at 1M entities, 5M edges)
        wide = np.int32 if len(entities) < 2**31 else np.int64
        self.source_codes = edges["source"].cat.codes.to_numpy().astype(wide)
        self.target_codes = edges["target"].cat.codes.to_numpy().astype(wide)
        self._adjacency = None  # built on first use, from these codes
        self._ids = pd.Index(entities["id"])
        self._arrays = {}
        self._title_index = None

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._ids

    def __repr__(self) -> str:
        n, m = len(self.entities), len(self.edges)
        entities = f"{n:,} entit{'y' if n == 1 else 'ies'}"
        head = f"{type(self).__name__}({entities}, {m:,} edge{'s' * (m != 1)})"
        return "\n".join(
            [
                head,
                "  kinds: " + _counts_line(self.entities["kind"]),
                "  relations: " + _counts_line(self.edges["relation"]),
            ]
        )

    @property
    def adjacency(self) -> Adjacency:
        """The integer-coded adjacency (CSR), built once from the edge codes."""
        if self._adjacency is None:
            self._adjacency = Adjacency.from_codes(
                self.source_codes, self.target_codes, len(self.entities)
            )
        return self._adjacency

    @property
    def ids(self) -> pd.Index:
        """Entity ids, in table order (position ``i`` is row ``i`` of ``entities``)."""
        return self._ids

    @property
    def degree(self) -> pd.Series:
        """Number of edges at each entity (either direction, multi-edges counted)."""
        return pd.Series(self.adjacency.degree, index=self._ids, name="degree")

    def kind_counts(self) -> pd.Series:
        """Entities per kind, largest first."""
        return self.entities["kind"].value_counts()

    def relation_counts(self) -> pd.Series:
        """Edges per relation, largest first."""
        return self.edges["relation"].value_counts()

    def position(self, entity_id: str) -> int:
        """Row of ``entity_id`` in ``entities``.

        Raises
        ------
        UnknownEntityError
            If there is no such entity; the message suggests the closest ids.
        """
        try:
            position = self._ids.get_loc(entity_id)
        except (KeyError, TypeError):
            raise UnknownEntityError(
                str(entity_id), self._suggest(str(entity_id))
            ) from None
        if not isinstance(position, (int, np.integer)):  # cannot happen: ids are unique
            raise SchemaError(f"id {entity_id!r} is not unique.")
        return int(position)

    def _suggest(self, entity_id: str) -> list[str]:
        hits = self.find(entity_id, limit=3)
        if len(hits):
            return hits["id"].tolist()
        return closest(entity_id, self._ids.tolist())

    def entity(self, entity_id: str) -> pd.Series:
        """The entity's row: id, kind, title, summary, status, year, authors, and the rest."""
        return self.entities.iloc[self.position(entity_id)]

    def find(self, text: str, limit: int = 10) -> pd.DataFrame:
        """Entities whose id or title matches ``text``, best first.

        Case-insensitive and tolerant of small typos: an exact id ranks first, then titles
        containing the text, then fuzzy matches.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, kind, title, score, match`` (score 0-100).

        Examples
        --------
        >>> from explorer import load
        >>> kg = load("data/example")
        >>> kg.find("logit weight analisys").iloc[0]["title"]
        'Logit Weight Analysis'
        """
        if self._title_index is None:
            self._title_index = TitleIndex(self._ids, self.entities["title"])
        hits = self._title_index.search(text, limit=limit)
        found = self.entity_table(hits["position"].to_numpy(dtype=np.int64))
        return found.drop(columns="summary").assign(
            score=hits["score"].to_numpy(dtype=float).round(1), match=hits["match"].to_numpy()
        )

    def column_array(self, table: str, name: str) -> np.ndarray:
        """A categorical column's codes as a numpy array, converted once (hot paths index it)."""
        key = (table, name)
        if key not in self._arrays:
            frame = self.entities if table == "entities" else self.edges
            self._arrays[key] = frame[name].cat.codes.to_numpy()
        return self._arrays[key]

    def text_column(self, table: str, name: str) -> TextColumn:
        """A text column, read by position (only the rows asked for become strings)."""
        frame = self.entities if table == "entities" else self.edges
        return TextColumn(frame[name])

    def entity_table(self, positions: np.ndarray) -> pd.DataFrame:
        """``id, kind, title, summary`` of the entities at ``positions`` (in that order).

        Read from arrays converted once, so it costs the rows asked for, not the table.
        """
        positions = np.asarray(positions, dtype=np.int64)
        kind_names = np.asarray(self.entities["kind"].cat.categories, dtype=object)
        return pd.DataFrame(
            {
                "id": self._ids.take(positions).to_numpy(dtype=object),
                "kind": kind_names[self.kind_codes()[positions]],
                "title": self.text_column("entities", "title").take(positions),
                "summary": self.text_column("entities", "summary").take(positions),
            }
        )

    def sorted_codes(self, name: str) -> tuple[np.ndarray, pd.Index]:
        """Each entity's value of text column ``name`` as a code into its sorted distinct values.

        Returns ``(codes, values)``: ``values[codes[i]]`` is entity ``i``'s (code -1: none).
        Columns repeating entities' texts (one row per pair of candidates) are then
        categoricals of these codes, not copies of the text, and sort as the text does.
        """
        key = ("sorted", name)
        if key not in self._arrays:
            column = self.entities[name]
            values = pa.array(column.to_numpy(dtype=object), pa.string(), from_pandas=True) \
                if not isinstance(column.array, pd.arrays.ArrowExtensionArray) \
                else column.array.__arrow_array__().combine_chunks().cast(pa.string())
            encoded = pc.dictionary_encode(values)
            order = np.asarray(pc.array_sort_indices(encoded.dictionary), dtype=np.int64)
            rank = np.empty(len(order) + 1, dtype=np.int32)
            rank[order], rank[-1] = np.arange(len(order), dtype=np.int32), -1
            codes = rank[np.asarray(encoded.indices.fill_null(-1), dtype=np.int64)]
            self._arrays[key] = (codes, pd.Index(encoded.dictionary.take(pa.array(order))
                                                 .to_pandas(), dtype="str"))  # type: ignore
        return self._arrays[key]  # type: ignore[return-value]

    def kind_codes(self) -> np.ndarray:
        """Each entity's kind as a category code (position ``i`` is entity ``i``)."""
        return self.column_array("entities", "kind")

    def relation_codes(self) -> np.ndarray:
        """Each edge's relation as a category code (position ``i`` is edge row ``i``)."""
        return self.column_array("edges", "relation")

    def kind_mask(
        self, kinds: Iterable[str] | None, positions: np.ndarray | None = None
    ) -> np.ndarray:
        """Which entities (all, or those at ``positions``) are of one of ``kinds``.

        ``None`` means every kind. Returns a boolean array.
        """
        codes = self.kind_codes() if positions is None else self.kind_codes()[positions]
        if kinds is None:
            return np.ones(len(codes), dtype=bool)
        return np.isin(codes, _category_codes(self.entities["kind"], kinds))

    def relation_mask(
        self, relations: Iterable[str] | None, edge_ids: np.ndarray | None = None
    ) -> np.ndarray:
        """Which edges (all, or the rows ``edge_ids``) have one of ``relations``.

        ``None`` means every relation. Returns a boolean array.
        """
        codes = self.relation_codes() if edge_ids is None else self.relation_codes()[edge_ids]
        if relations is None:
            return np.ones(len(codes), dtype=bool)
        return np.isin(codes, _category_codes(self.edges["relation"], relations))

    def relations_between(self, entity_id: str, other_id: str) -> tuple[str, ...]:
        """The distinct relations of the edges joining two entities (either direction).

        Examples
        --------
        >>> kg = GraphCore.from_frames(
        ...     pd.DataFrame({"id": ["a", "b"], "kind": "claim", "title": ["A", "B"]}),
        ...     pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"],
        ...                   "relation": ["supports", "associated_with"]}))
        >>> kg.relations_between("a", "b")
        ('associated_with', 'supports')
        """
        position, other = self.position(entity_id), self.position(other_id)
        edge_ids = self.adjacency.edges_of(position)[self.adjacency.neighbors_of(position) == other]
        names = np.asarray(self.edges["relation"].cat.categories, dtype=object)
        return tuple(sorted({str(n) for n in names[self.relation_codes()[edge_ids]]}))

    def linked_pair_keys(self) -> np.ndarray:
        """Sorted keys ``min * n + max`` of every pair of positions joined by a typed edge.

        Computed once (until the tables change); do not modify the array.
        """
        key = ("", "linked_pair_keys")
        if key not in self._arrays:
            n = np.int64(len(self))
            a = self.source_codes.astype(np.int64)
            b = self.target_codes.astype(np.int64)
            self._arrays[key] = unique_sorted(np.minimum(a, b) * n + np.maximum(a, b))
        return self._arrays[key]

    def edges_of(self, entity_id: str) -> pd.DataFrame:
        """Every edge at the entity (either direction), as rows of ``edges``."""
        return self.edges.iloc[np.sort(self.adjacency.edges_of(self.position(entity_id)))]

    def sources(self, entity_id: str, relation: str = "extracted_from") -> pd.DataFrame:
        """The entities this one was extracted from (its source papers), with year and authors.

        Returns
        -------
        pandas.DataFrame
            One row per outgoing ``relation`` edge: the target entity's row plus ``note``.
        """
        position = self.position(entity_id)
        edge_ids = self.adjacency.edges_of(position)
        mask = (self.source_codes[edge_ids] == position) & self.relation_mask(
            [relation], edge_ids
        )
        edge_ids = np.sort(edge_ids[mask])
        targets = self.target_codes[edge_ids]
        frame = self.entities.iloc[targets].reset_index(drop=True)
        frame["relation"] = relation
        frame["note"] = self.edges["note"].iloc[edge_ids].to_numpy()
        return frame


def _category_codes(column: pd.Series, names: Iterable[str]) -> list[int]:
    categories = column.cat.categories
    return [categories.get_loc(name) for name in as_list(names) or [] if name in categories]


def _counts_line(values: pd.Series, limit: int = 8) -> str:
    counts = values.value_counts()
    shown = [f"{name} {count:,}" for name, count in counts.head(limit).items()]
    if len(counts) > limit:
        shown.append(f"+{len(counts) - limit} more")
    return " · ".join(shown) if shown else "(none)"


def as_list(values: str | Sequence[str] | None) -> list[str] | None:
    """``None``, or the values as a list (one string is one value, not its characters)."""
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)
