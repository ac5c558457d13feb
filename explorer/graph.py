"""The knowledge graph: validated tables plus the structure that answers questions on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .adjacency import Adjacency
from .errors import SchemaError, UnknownEntityError
from .schema import OnError, validate
from .search import TitleIndex, closest_ids
from .tables import LoadReport, find_data_files, kind_from_file_name, read_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .card import Card
    from .embed import Embedder
    from .related import GraphSimilarity
    from .render import NeighborhoodGraph

__all__ = ["KnowledgeGraph", "load", "NEIGHBORHOOD_COLUMNS"]

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


def load(path: str | Path, *, on_error: str = "raise") -> KnowledgeGraph:
    """Load a data directory (or one entities file) into a :class:`KnowledgeGraph`.

    Parameters
    ----------
    path
        A folder holding ``entities.<ext>`` (or one file per kind) and ``edges.<ext>``,
        formats CSV, TSV, JSON Lines or Parquet (see ``docs/data-format.md``).
    on_error
        ``"raise"`` (default) stops at the first row that breaks the contract with a
        :class:`~explorer.SchemaError` naming file, row and column. ``"report"`` loads every
        sound row and lists the others in ``kg.report``.

    Returns
    -------
    KnowledgeGraph

    Examples
    --------
    >>> kg = load("data/example")
    >>> int(kg.entity("paper:carauleanu-2024-source-of-the-example-claim")["year"])
    2024
    """
    mode = OnError.parse(on_error)
    files = find_data_files(path)
    parts = []
    for file in files.entities:
        frame = read_table(file)
        if "kind" not in frame.columns and file.stem.lower() not in {"entities", "entity", "nodes"}:
            frame["kind"] = kind_from_file_name(file)
        parts.append(frame)
    entities = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    edges = read_table(files.edges) if files.edges is not None else None
    report = LoadReport(
        files={
            "entities": [str(f) for f in files.entities],
            "edges": [str(files.edges)] if files.edges else [],
            "embeddings": [str(files.embeddings)] if files.embeddings else [],
        },
        ignored_files=[str(f) for f in files.ignored],
    )
    kg = KnowledgeGraph.from_frames(entities, edges, on_error=mode, report=report)
    kg.path = Path(path) if Path(path).is_dir() else Path(path).parent
    kg.embeddings_file = files.embeddings
    return kg


class KnowledgeGraph:
    """Entities and typed edges of a research knowledge graph.

    Build one with :func:`explorer.load` or :meth:`from_frames`; ``__init__`` only stores.
    ``entities`` and ``edges`` are the user's pandas view; neighborhoods are answered from
    an integer-coded adjacency built once, in time proportional to the entity's degree.
    """

    def __init__(
        self,
        entities: pd.DataFrame,
        edges: pd.DataFrame,
        *,
        adjacency: Adjacency,
        source_codes: np.ndarray,
        target_codes: np.ndarray,
        report: LoadReport | None = None,
    ) -> None:
        self.entities = entities
        self.edges = edges
        self.adjacency = adjacency
        self.source_codes = source_codes
        self.target_codes = target_codes
        self.report = report if report is not None else LoadReport()
        self.path: Path | None = None
        self.embeddings_file: Path | None = None
        self._ids = pd.Index(entities["id"])
        self._arrays: dict[tuple[str, str], np.ndarray] = {}
        self._title_index: TitleIndex | None = None
        self._similarity: GraphSimilarity | None = None
        self._embedder: Any = None
        self._embed_fields: tuple[str, ...] = ("title", "summary")

    @classmethod
    def from_frames(
        cls,
        entities: pd.DataFrame,
        edges: pd.DataFrame | None = None,
        *,
        on_error: str | OnError = "raise",
        report: LoadReport | None = None,
    ) -> KnowledgeGraph:
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

        Examples
        --------
        >>> kg = KnowledgeGraph.from_frames(
        ...     pd.DataFrame({"id": ["c:1", "p:1"], "kind": ["claim", "paper"],
        ...                   "title": ["A claim", "A paper"]}),
        ...     pd.DataFrame({"source": ["c:1"], "target": ["p:1"],
        ...                   "relation": ["extracted_from"]}))
        >>> kg
        KnowledgeGraph(2 entities, 1 edge)
          kinds: claim 1 · paper 1
          relations: extracted_from 1
        """
        checked = validate(entities, edges, on_error=on_error)
        report = report if report is not None else LoadReport()
        report.problems.extend(checked.problems)
        adjacency = Adjacency.from_codes(
            checked.source_codes, checked.target_codes, len(checked.entities)
        )
        return cls(
            checked.entities,
            checked.edges,
            adjacency=adjacency,
            source_codes=checked.source_codes,
            target_codes=checked.target_codes,
            report=report,
        )

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._ids

    def __repr__(self) -> str:
        n, m = len(self.entities), len(self.edges)
        head = f"KnowledgeGraph({n:,} entit{'y' if n == 1 else 'ies'}, {m:,} edge{'s' * (m != 1)})"
        return "\n".join(
            [
                head,
                "  kinds: " + _counts_line(self.entities["kind"]),
                "  relations: " + _counts_line(self.edges["relation"]),
            ]
        )

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
        if len(self._ids) <= 200_000:
            return closest_ids(entity_id, self._ids.tolist())
        return []

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

    # ------------------------------------------------------------ neighborhood
    def neighborhood(
        self,
        entity_id: str,
        *,
        kinds: Iterable[str] | None = None,
        relations: Iterable[str] | None = None,
        limit_per_kind: int | None = None,
        exclude: Iterable[str] = (),
    ) -> pd.DataFrame:
        """Typed neighbors of an entity, ranked by edge count and grouped by kind.

        Edges are followed in both directions. Neighbors are ranked by the number of edges
        between them and the entity, ties broken by the neighbor's degree, then title, then id; they
        are grouped by kind, groups ordered by size (then total edges, then kind name).

        Parameters
        ----------
        entity_id
            The focus entity.
        kinds, relations
            Keep only neighbors of these kinds, reached by edges of these relations.
        limit_per_kind
            Keep the top ``limit_per_kind`` neighbors of each kind; the frame's
            ``attrs["kind_counts"]`` still holds every group's full size and
            ``attrs["omitted"]`` how many were left out.
        exclude
            Neighbor ids to leave out (the card leaves out the source paper).

        Returns
        -------
        pandas.DataFrame
            Columns ``id, kind, title, summary, relations, notes, directions, edge_count,
            degree``; ``relations`` is a tuple of the distinct relations (alphabetical),
            ``notes`` the non-empty notes of those edges, ``directions`` ``"out"``, ``"in"``
            or ``"both"`` seen from the focus entity.

        Examples
        --------
        >>> kg = load("data/example")
        >>> hood = kg.neighborhood(kg.find("learned features reflect").iloc[0]["id"])
        >>> hood[["kind", "edge_count"]].head(2).values.tolist()
        [['finding', 2], ['finding', 1]]
        """
        position = self.position(entity_id)
        adjacency = self.adjacency
        others = adjacency.neighbors_of(position)
        edge_ids = adjacency.edges_of(position)
        keep = np.ones(len(others), dtype=bool)
        if relations is not None:
            keep &= self.relation_mask(relations, edge_ids)
        if kinds is not None:
            keep &= self.kind_mask(kinds, others)
        excluded = [self._ids.get_loc(e) for e in exclude if e in self._ids]
        if excluded:
            keep &= ~np.isin(others, excluded)
        if not keep.all():
            others, edge_ids = others[keep], edge_ids[keep]

        neighbors, inverse, counts = np.unique(others, return_inverse=True, return_counts=True)
        degree = adjacency.degree[neighbors]
        kind_codes = self._kind_codes()[neighbors]
        kind_names = np.asarray(self.entities["kind"].cat.categories, dtype=object)
        group_size = np.bincount(kind_codes, minlength=len(kind_names))
        group_edges = np.bincount(kind_codes, weights=counts, minlength=len(kind_names))
        present = np.flatnonzero(group_size)
        group_order = sorted(
            present, key=lambda k: (-group_size[k], -group_edges[k], str(kind_names[k]))
        )

        titles = self._column("entities", "title")
        chosen: list[np.ndarray] = []
        omitted = 0
        for code in group_order:
            members = np.flatnonzero(kind_codes == code)
            if limit_per_kind is not None and len(members) > limit_per_kind:
                key = counts[members].astype(np.int64) * (int(degree.max()) + 1) + degree[members]
                cut = np.partition(key, len(key) - limit_per_kind)[len(key) - limit_per_kind]
                members = members[key >= cut]
            member_titles = titles[neighbors[members]]
            member_ids = self._column("entities", "id")[neighbors[members]]
            order = sorted(
                range(len(members)),
                key=lambda i: (
                    -counts[members[i]], -degree[members[i]], str(member_titles[i]),
                    str(member_ids[i]),
                ),
            )
            ranked = members[order]
            if limit_per_kind is not None and len(ranked) > limit_per_kind:
                ranked = ranked[:limit_per_kind]
            omitted += int(group_size[code]) - len(ranked)
            chosen.append(ranked)
        selected = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)

        relations_of, notes_of, directions_of = self._edge_details(
            position, selected, inverse, edge_ids
        )
        rows = neighbors[selected]
        frame = pd.DataFrame(
            {
                "id": self._column("entities", "id")[rows],
                "kind": kind_names[kind_codes[selected]],
                "title": titles[rows],
                "summary": self._column("entities", "summary")[rows],
                "relations": relations_of,
                "notes": notes_of,
                "directions": directions_of,
                "edge_count": counts[selected].astype(np.int64),
                "degree": degree[selected].astype(np.int64),
            },
            columns=NEIGHBORHOOD_COLUMNS,
        )
        frame.attrs = {
            "focus": entity_id,
            "n_neighbors": int(len(neighbors)),
            "n_edges": int(len(edge_ids)),
            "kind_counts": {str(kind_names[k]): int(group_size[k]) for k in group_order},
            "omitted": omitted,
        }
        return frame

    def _edge_details(
        self,
        position: int,
        selected: np.ndarray,
        inverse: np.ndarray,
        edge_ids: np.ndarray,
    ) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[str]]:
        """Relations, notes and directions of the edges to each selected neighbor."""
        if len(selected) == 0:
            return [], [], []
        wanted = np.isin(inverse, selected)
        group = inverse[wanted]
        edges = edge_ids[wanted]
        order = np.argsort(group, kind="stable")
        group, edges = group[order], edges[order]
        relation_codes = self._relation_codes()[edges]
        relation_names = np.asarray(self.edges["relation"].cat.categories, dtype=object)
        notes = self._column("edges", "note")[edges]
        outgoing = self.source_codes[edges] == position
        incoming = self.target_codes[edges] == position
        starts = np.searchsorted(group, selected, side="left")
        ends = np.searchsorted(group, selected, side="right")
        relations_of, notes_of, directions_of = [], [], []
        for start, end in zip(starts, ends, strict=True):
            pairs = sorted(
                zip(relation_names[relation_codes[start:end]], notes[start:end], strict=True),
                key=lambda rn: str(rn[0]),
            )
            relations_of.append(tuple(dict.fromkeys(str(r) for r, _ in pairs)))
            notes_of.append(tuple(str(n) for _, n in pairs if isinstance(n, str) and n))
            out, into = outgoing[start:end].any(), incoming[start:end].any()
            directions_of.append("both" if out and into else "out" if out else "in")
        return relations_of, notes_of, directions_of

    def _column(self, table: str, name: str) -> np.ndarray:
        """A column as a numpy array, converted once (the hot paths index these)."""
        key = (table, name)
        if key not in self._arrays:
            frame = self.entities if table == "entities" else self.edges
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                self._arrays[key] = column.cat.codes.to_numpy()
            else:
                self._arrays[key] = column.to_numpy(dtype=object)
        return self._arrays[key]

    def entity_table(self, positions: np.ndarray) -> pd.DataFrame:
        """``id, kind, title, summary`` of the entities at ``positions`` (in that order).

        Read from arrays converted once, so it costs the rows asked for, not the table.
        """
        positions = np.asarray(positions, dtype=np.int64)
        kind_names = np.asarray(self.entities["kind"].cat.categories, dtype=object)
        return pd.DataFrame(
            {
                "id": self._column("entities", "id")[positions],
                "kind": kind_names[self._kind_codes()[positions]],
                "title": self._column("entities", "title")[positions],
                "summary": self._column("entities", "summary")[positions],
            }
        )

    def _kind_codes(self) -> np.ndarray:
        return self._column("entities", "kind")

    def _relation_codes(self) -> np.ndarray:
        return self._column("edges", "relation")

    def kind_mask(
        self, kinds: Iterable[str] | None, positions: np.ndarray | None = None
    ) -> np.ndarray:
        """Which entities (all, or those at ``positions``) are of one of ``kinds``.

        ``None`` means every kind. Returns a boolean array.
        """
        codes = self._kind_codes() if positions is None else self._kind_codes()[positions]
        if kinds is None:
            return np.ones(len(codes), dtype=bool)
        return np.isin(codes, _category_codes(self.entities["kind"], kinds))

    def relation_mask(
        self, relations: Iterable[str] | None, edge_ids: np.ndarray | None = None
    ) -> np.ndarray:
        """Which edges (all, or the rows ``edge_ids``) have one of ``relations``.

        ``None`` means every relation. Returns a boolean array.
        """
        codes = self._relation_codes() if edge_ids is None else self._relation_codes()[edge_ids]
        if relations is None:
            return np.ones(len(codes), dtype=bool)
        return np.isin(codes, _category_codes(self.edges["relation"], relations))

    def relations_between(self, entity_id: str, other_id: str) -> tuple[str, ...]:
        """The distinct relations of the edges joining two entities (either direction).

        Examples
        --------
        >>> kg = KnowledgeGraph.from_frames(
        ...     pd.DataFrame({"id": ["a", "b"], "kind": "claim", "title": ["A", "B"]}),
        ...     pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"],
        ...                   "relation": ["supports", "associated_with"]}))
        >>> kg.relations_between("a", "b")
        ('associated_with', 'supports')
        """
        position, other = self.position(entity_id), self.position(other_id)
        edge_ids = self.adjacency.edges_of(position)[self.adjacency.neighbors_of(position) == other]
        names = np.asarray(self.edges["relation"].cat.categories, dtype=object)
        return tuple(sorted({str(n) for n in names[self._relation_codes()[edge_ids]]}))

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

    # -------------------------------------------------------------------- card
    def card(
        self,
        entity_id: str,
        *,
        max_per_kind: int | None = 25,
        similar: bool = True,
        min_cosine: float | None = None,
        max_similar: int = 25,
    ) -> Card:
        """The entity's page: header, source line, neighborhood and related-by-similarity.

        Parameters
        ----------
        entity_id
            The entity to show.
        max_per_kind
            Neighbors listed per kind (each group still shows its full count).
        similar
            Include the "Related by similarity" section (computes embeddings on first use).
        min_cosine
            Threshold for that section; default: the embedder's calibrated threshold.
        max_similar
            Entries listed in that section.

        Returns
        -------
        Card
            Shows as HTML in a notebook and as text with ``print``.
        """
        from .card import build_card

        return build_card(
            self,
            entity_id,
            max_per_kind=max_per_kind,
            similar=similar,
            min_cosine=min_cosine,
            max_similar=max_similar,
        )


    # --------------------------------------------------------------- similarity
    def set_embedder(
        self,
        embedder: str | Embedder | None = None,
        *,
        fields: Sequence[str] = ("title", "summary"),
    ) -> KnowledgeGraph:
        """Choose how entities are embedded; the vectors are computed on next use.

        Parameters
        ----------
        embedder
            ``"wordllama"`` (default), ``"tfidf"``, ``"minilm"`` (extra ``[minilm]``), or any
            object with ``name``, ``default_min_cosine`` and ``encode(list[str])``. ``None``
            uses the data's own vectors when it has them, else wordllama.
        fields
            The columns whose text is embedded, joined (default: title and summary).

        Returns
        -------
        KnowledgeGraph
            ``self``, so calls can be chained.
        """
        self._embedder = embedder
        self._embed_fields = tuple(fields)
        self._similarity = None
        return self

    @property
    def similarity(self) -> GraphSimilarity:
        """Every entity's vector and the similarity index (built on first use, then kept)."""
        if self._similarity is None:
            from .related import GraphSimilarity

            self._similarity = GraphSimilarity.build(
                self, embedder=self._embedder, fields=self._embed_fields
            )
        return self._similarity

    def similar(
        self, entity_id: str, min_cosine: float | None = None, k: int | None = None
    ) -> pd.DataFrame:
        """Entities near in meaning to this one that no typed edge joins to it.

        Parameters
        ----------
        entity_id
            The entity.
        min_cosine
            Threshold in [-1, 1]; default: the embedder's calibrated threshold (0.65 for
            the data's own vectors).
        k
            Keep the ``k`` best.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, kind, title, summary, cosine`` (rounded to three places), best
            first; the entity itself and its typed neighbors (either direction) are left
            out. ``attrs["min_cosine"]`` is the threshold used.

        Examples
        --------
        >>> kg = load("data/example")
        >>> claim = kg.find("learned features reflect").iloc[0]["id"]
        >>> kg.similar(claim)[["kind", "cosine"]].head(3).values.tolist()
        [['note', 0.83], ['note', 0.812], ['question', 0.794]]
        """
        from .related import similar

        return similar(self, entity_id, min_cosine=min_cosine, k=k)

    def candidates(
        self,
        min_cosine: float | None = None,
        kinds: Iterable[str] | None = None,
        *,
        duplicate_cosine: float = 0.95,
        method: str | None = None,
    ) -> pd.DataFrame:
        """Every pair of entities above the threshold that no typed edge joins.

        Parameters
        ----------
        min_cosine
            Threshold in [-1, 1]; default: the embedder's calibrated threshold.
        kinds
            Keep pairs whose two entities are both of these kinds.
        duplicate_cosine
            Pairs of the same kind at or above this cosine are labelled
            ``possible duplicate``, the others ``candidate edge``.
        method
            ``"exact"``, ``"faiss"`` (approximate), ``"brute"`` (scikit-learn) or
            ``"auto"`` (default: exact up to 100,000 entities, faiss above).

        Returns
        -------
        pandas.DataFrame
            Columns ``id_a, kind_a, title_a, id_b, kind_b, title_b, cosine, label``, each
            pair once, best first.
        """
        from .related import candidates

        return candidates(
            self, min_cosine=min_cosine, kinds=kinds, duplicate_cosine=duplicate_cosine,
            method=method,
        )

    def similarity_histogram(self, min_cosine: float | None = None, *, ax: Axes | None = None):
        """Plot each entity's nearest-neighbor cosine, with the threshold marked.

        Shows where the threshold falls for this embedder: entities right of the line have
        at least one similar entity.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from .similarity import plot_nearest_cosine_histogram

        state = self.similarity
        return plot_nearest_cosine_histogram(
            state.index.nearest_cosine(), state.threshold(min_cosine), ax=ax, label=state.source
        )

    # ------------------------------------------------------------------- graph
    def graph(
        self,
        entity_id: str,
        hops: int = 1,
        include_similar: bool = True,
        min_cosine: float | None = None,
        kinds: Iterable[str] | None = None,
        relations: Iterable[str] | None = None,
        max_nodes: int = 150,
        *,
        height: str = "620px",
    ) -> NeighborhoodGraph:
        """An interactive picture of the entity's neighborhood (pyvis, offline).

        Parameters
        ----------
        entity_id
            The focus entity.
        hops
            How many typed edges out to go.
        include_similar
            Draw similar entities (no typed edge) as dashed links to the focus.
        min_cosine
            Threshold for those links; default: the embedder's.
        kinds, relations
            Keep only entities of these kinds and edges of these relations.
        max_nodes
            Past this many nodes the highest-ranked neighbors are kept and the picture
            says how many were left out.
        height
            CSS height of the drawing.

        Returns
        -------
        NeighborhoodGraph
            Displays in JupyterLab, Notebook and VS Code; ``save(path)`` writes one
            self-contained HTML file.
        """
        from .render import neighborhood_network
        from .subgraph import neighborhood_subgraph

        part = neighborhood_subgraph(
            self, entity_id, hops=hops, include_similar=include_similar, min_cosine=min_cosine,
            kinds=_as_list(kinds), relations=_as_list(relations), max_nodes=max_nodes,
        )
        return neighborhood_network(
            part.nodes, part.edges, focus=entity_id, omitted=part.omitted, height=height
        )


def _category_codes(column: pd.Series, names: Iterable[str]) -> list[int]:
    categories = column.cat.categories
    return [categories.get_loc(name) for name in _as_list(names) or [] if name in categories]


def _counts_line(values: pd.Series, limit: int = 8) -> str:
    counts = values.value_counts()
    shown = [f"{name} {count:,}" for name, count in counts.head(limit).items()]
    if len(counts) > limit:
        shown.append(f"+{len(counts) - limit} more")
    return " · ".join(shown) if shown else "(none)"


def _as_list(values: str | Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)
