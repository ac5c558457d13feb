"""Errors raised by the explorer.

Every error derives from :class:`ExplorerError`, so ``except ExplorerError``
catches anything the library raises on purpose::

    ExplorerError
    ├── SchemaError (also ValueError)        a table breaks the data contract
    ├── UnknownEntityError (also KeyError)   an id that is not in the graph
    ├── EmbeddingError (also ValueError)     vectors of the wrong shape, NaN, ...
    ├── ParameterError (also ValueError)     a threshold or choice out of range
    ├── NotFittedError (also ValueError)     a similarity index used before fit
    └── MissingExtraError (also ImportError) an optional dependency is missing
"""

from __future__ import annotations

from collections.abc import Sequence


class ExplorerError(Exception):
    """Base class of every error the explorer raises on purpose."""


class SchemaError(ExplorerError, ValueError):
    """A table breaks the data contract.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    file
        The file the problem is in, if it came from a file.
    row
        The row as a user counts it in that file (1-based; for CSV/TSV the
        header is line 1, so the first data row is line 2).
    column
        The column concerned, if any.
    hint
        What to do about it.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.hint:
            text += f" {self.hint}"
        return text

    def __str__(self) -> str:  # KeyError-style quoting is not wanted here
        return self._message()


class UnknownEntityError(ExplorerError, KeyError):
    """An entity id that is not in the graph; suggests the closest ids."""

    def __init__(self, entity_id: str, suggestions: Sequence[str] = ()) -> None:
        self.entity_id = entity_id
        self.suggestions = list(suggestions)
        super().__init__(entity_id)

    def __str__(self) -> str:
        text = f"No entity with id {self.entity_id!r}."
        if self.suggestions:
            text += " Did you mean: " + ", ".join(repr(s) for s in self.suggestions) + "?"
        else:
            text += " Use kg.find(text) to search ids and titles."
        return text


class EmbeddingError(ExplorerError, ValueError):
    """Vectors that cannot be used: wrong dimension, NaN, empty text, ..."""


class ParameterError(ExplorerError, ValueError):
    """A parameter outside its valid range or set of choices."""


class NotFittedError(ExplorerError, ValueError, AttributeError):
    """A :class:`~explorer.similarity.SimilarityIndex` used before ``fit``."""


class MissingExtraError(ExplorerError, ImportError):
    """An optional dependency is not installed; names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the optional package {package!r}, which is not installed. "
            f"Install it with: pip install 'claim-graph-explorer[{extra}]'"
        )
