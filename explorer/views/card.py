"""An entity's page: header, source line, neighborhood by kind, related by similarity.

The card is plain data (:class:`Card`) with two views: ``to_text()`` for terminals and
``_repr_html_()`` for notebooks. The HTML comes from a Jinja2 template with autoescape on,
so every text from the data is escaped at one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..core.graph import GraphCore
from ..core.neighborhood import NeighborRanking, neighborhood, top_per_kind
from ..errors import ParameterError
from ..words import plural
from .palette import kind_color

__all__ = ["Card", "build_card", "plural_heading", "SIMILAR_PURPOSE"]

SIMILAR_PURPOSE = (
    "Entities in the same semantic neighborhood but without a typed relation to this one — "
    "candidates for new edges or unrecognized duplicates."
)
MAX_AUTHORS = 4


def plural_heading(kind: str, count: int) -> str:
    """Section heading for a kind: ``Findings (3)``.

    Examples
    --------
    >>> plural_heading("finding", 3), plural_heading("analysis", 2), plural_heading("study", 1)
    ('Findings (3)', 'Analyses (2)', 'Studies (1)')
    """
    word = plural(kind.replace("_", " "))
    return f"{word[:1].upper()}{word[1:]} ({count})"


def byline(relation: str, year: object, authors: list[str]) -> str:
    """The source line: ``extracted_from (2024) · A · B · C · D +1``.

    Examples
    --------
    >>> byline("extracted_from", 2024, ["A", "B", "C", "D", "E"])
    'extracted_from (2024) · A · B · C · D +1'
    >>> byline("extracted_from", None, [])
    'extracted_from'
    """
    text = relation
    if year is not None and not pd.isna(year):
        text += f" ({int(year)})"
    if authors:
        text += " · " + " · ".join(authors[:MAX_AUTHORS])
        if len(authors) > MAX_AUTHORS:
            text += f" +{len(authors) - MAX_AUTHORS}"
    return text


@dataclass(frozen=True)
class SourceLine:
    """One source of the entity (a paper it was extracted from)."""

    id: str
    relation: str
    year: object
    authors: list[str]
    title: str

    @property
    def text(self) -> str:
        """The line as shown: relation, year, first authors."""
        return byline(self.relation, self.year, self.authors)

    @property
    def byline_after_relation(self) -> str:
        """The line without its leading relation (the HTML styles the relation apart)."""
        return self.text[len(self.relation) :]


@dataclass(frozen=True)
class NeighborEntry:
    """One neighbor in a section of the card."""

    id: str
    title: str
    kind: str
    relations: tuple[str, ...]
    notes: tuple[str, ...]
    edge_count: int


@dataclass(frozen=True)
class Section:
    """The neighbors of one kind."""

    kind: str
    count: int
    entries: list[NeighborEntry]

    @property
    def heading(self) -> str:
        """``Findings (3)``."""
        return plural_heading(self.kind, self.count)

    @property
    def omitted(self) -> int:
        """Neighbors of this kind not listed."""
        return self.count - len(self.entries)


@dataclass(frozen=True)
class SimilarEntry:
    """One entity related by similarity."""

    id: str
    title: str
    kind: str
    cosine: float
    summary: str
    label: str = ""
    shared: str = ""
    differs: str = ""
    reason: str = ""

    @property
    def differs_sides(self) -> tuple[str, str]:
        """The words only this entity's text has, and those only the card's entity has."""
        mine, _, theirs = self.differs.partition(" | ")
        return theirs.strip(), mine.strip()


@dataclass
class Card:
    """An entity's page. Shows as HTML in notebooks; ``print(card)`` gives the text form."""

    id: str
    kind: str
    status: str
    title: str
    summary: str
    sources: list[SourceLine]
    sections: list[Section]
    similar_entries: list[SimilarEntry] = field(default_factory=list)
    similar_total: int | None = None
    min_cosine: float | None = None
    similar_message: str = ""

    @property
    def similar_heading(self) -> str:
        """``Related by similarity (8)``."""
        total = "" if self.similar_total is None else f" ({self.similar_total})"
        return f"Related by similarity{total}"

    @property
    def similar_rule(self) -> str:
        """``cosine ≥ 0.65 · no typed edge``."""
        threshold = "?" if self.min_cosine is None else f"{self.min_cosine:.2f}"
        return f"cosine ≥ {threshold} · no typed edge"

    @property
    def similar_purpose(self) -> str:
        """What the section is for."""
        return SIMILAR_PURPOSE

    @property
    def similar_omitted(self) -> int:
        """Similar entities above the threshold not listed."""
        return 0 if self.similar_total is None else self.similar_total - len(self.similar_entries)

    def to_text(self) -> str:
        """The card as plain text, for terminals."""
        lines = [self.kind, self.status, self.id, self.title] if self.status else [
            self.kind, self.id, self.title
        ]
        if self.summary:
            lines.append(self.summary)
        if self.sources:
            lines.append("")
            lines.append("Source paper")
            for source in self.sources:
                lines.append(source.text)
                if source.title:
                    lines.append(f"  {source.title}")
        lines += ["", "Neighborhood — ranked by edge-count"]
        if not self.sections:
            lines.append("  (no typed neighbors)")
        for section in self.sections:
            lines.append(section.heading)
            lines.append(section.kind)
            for entry in section.entries:
                tail = "  [" + ", ".join(entry.relations) + "]"
                if entry.edge_count > 1:
                    tail += f" ({entry.edge_count} edges)"
                lines.append(f"- {entry.title}{tail}")
                lines += [f"    {note}" for note in entry.notes]
            if section.omitted:
                lines.append(f"  … and {section.omitted} more")
        lines += ["", self.similar_heading, self.similar_rule, self.similar_purpose]
        if self.similar_message:
            lines.append(f"  ({self.similar_message})")
        for entry in self.similar_entries:
            lines.append(f"- {entry.title}  [{entry.kind} · {entry.cosine:.3f}]")
            if entry.summary:
                lines.append(f"    {entry.summary}")
            if entry.label and entry.label != "candidate edge":
                lines.append(f"    {entry.label}: {entry.reason}")
        if self.similar_omitted:
            lines.append(f"  … and {self.similar_omitted} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        n = sum(s.count for s in self.sections)
        return f"Card({self.id!r}, {self.kind}, {n} neighbors, {len(self.sections)} kinds)"

    def _repr_html_(self) -> str:
        return _template().render(card=self, kind_color=kind_color(self.kind))

    def to_html(self) -> str:
        """The card as an HTML fragment (every text from the data escaped)."""
        return self._repr_html_()


@lru_cache(maxsize=1)
def _template():  # noqa: ANN202 - a jinja2.Template
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("explorer", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("card.html.j2")


def build_card(
    kg: GraphCore,
    entity_id: str,
    *,
    max_per_kind: int | None = 25,
    similar: pd.DataFrame | None = None,
    max_similar: int = 25,
    hood: pd.DataFrame | NeighborRanking | None = None,
) -> Card:
    """Assemble the :class:`Card` of one entity (see :meth:`explorer.KnowledgeGraph.card`).

    ``similar`` is the frame of :func:`explorer.analysis.related.similar` for the entity
    (``None``: the section says it was not computed). ``hood``, the entity's full
    neighborhood if it was computed already (``neighborhood(kg, entity_id)``, or its
    unfiltered :class:`~explorer.core.neighborhood.NeighborRanking`), is used instead of
    computing the card's part of it again.
    """
    row = kg.entity(entity_id)
    source_rows = kg.sources(entity_id)
    sources = [
        SourceLine(
            id=str(src["id"]),
            relation=str(src["relation"]),
            year=src["year"],
            authors=list(src["authors"]) if isinstance(src["authors"], (list, np.ndarray)) else [],
            title=str(src["title"]),
        )
        for _, src in source_rows.iterrows()
    ]
    # The source papers are shown on the source line; they leave the neighborhood when the
    # extracted_from edge is all that joins them.
    exclude = [
        source.id
        for source in sources
        if kg.relations_between(entity_id, source.id) == (source.relation,)
    ]
    if hood is None:
        hood = neighborhood(kg, entity_id, limit_per_kind=max_per_kind, exclude=exclude)
    elif isinstance(hood, NeighborRanking):
        if hood.filtered or hood.focus != entity_id:
            raise ParameterError(
                f"the card of {entity_id!r} needs the unfiltered ranking of its neighbors, "
                f"got {hood!r} (filtered: {hood.filtered}); pass "
                f"NeighborRanking.rank(kg, {entity_id!r}) without kinds or relations.")
        hood = hood.frame(limit_per_kind=max_per_kind, exclude=exclude)
    else:
        hood = top_per_kind(hood, limit_per_kind=max_per_kind, exclude=exclude)
    by_kind: dict[str, list[NeighborEntry]] = {}
    columns = ("id", "title", "kind", "relations", "notes", "edge_count")
    for values in zip(*(hood[c].tolist() for c in columns), strict=True):
        entry = NeighborEntry(*values[:5], edge_count=int(values[5]))
        by_kind.setdefault(entry.kind, []).append(entry)
    sections = [Section(kind=kind, count=count, entries=by_kind.get(kind, []))
                for kind, count in hood.attrs["kind_counts"].items()]

    card = Card(
        id=str(row["id"]),
        kind=str(row["kind"]),
        status=str(row["status"] or ""),
        title=str(row["title"]),
        summary=str(row["summary"] or ""),
        sources=sources,
        sections=sections,
    )
    if similar is not None:
        _add_similar(card, similar, max_similar=max_similar)
    else:
        card.similar_message = "not computed (similar=False)"
    return card


def _add_similar(card: Card, found: pd.DataFrame, *, max_similar: int) -> None:
    card.min_cosine = float(found.attrs["min_cosine"])
    card.similar_total = len(found)
    card.similar_message = str(found.attrs.get("message", ""))
    card.similar_entries = [
        SimilarEntry(
            id=r.id, title=r.title, kind=r.kind, cosine=float(r.cosine), summary=r.summary,
            label=str(getattr(r, "label", "")), shared=str(getattr(r, "shared", "")),
            differs=str(getattr(r, "differs", "")), reason=str(getattr(r, "reason", "")),
        )
        for r in found.head(max_similar).itertuples(index=False)
    ]
