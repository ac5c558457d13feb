"""What loading set aside, and why: one :class:`RowProblem` per row, in a :class:`LoadReport`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["LoadReport", "RowProblem"]


@dataclass(frozen=True)
class RowProblem:
    """One row set aside by ``load(..., on_error="report")``."""

    table: str
    file: str
    row: int | None
    column: str | None
    reason: str
    id: str | None = None

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


@dataclass
class LoadReport:
    """What loading set aside, and why.

    Attributes
    ----------
    problems
        One :class:`RowProblem` per row set aside.
    files
        The files that were read, by table.
    ignored_files
        Files in the data directory that are not part of the contract.
    unread_files
        Those of the ignored files that are in a table format that is not read (a
        spreadsheet, a JSON document, ...), beside readable tables of the same role.
    """

    problems: list[RowProblem] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unread_files: list[str] = field(default_factory=list)

    @property
    def n_set_aside(self) -> int:
        """Number of rows set aside."""
        return len(self.problems)

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table with columns table, file, row, column, id, reason."""
        return pd.DataFrame(
            [
                {
                    "table": p.table,
                    "file": p.file,
                    "row": p.row,
                    "column": p.column,
                    "id": p.id,
                    "reason": p.reason,
                }
                for p in self.problems
            ],
            columns=["table", "file", "row", "column", "id", "reason"],
        )

    def __str__(self) -> str:
        if not self.problems:
            lines = ["No rows set aside."]
        else:
            lines = [f"{len(self.problems)} row(s) set aside:"]
            lines += [f"  {p}" for p in self.problems]
        if self.unread_files:
            lines.append(
                "Files not read (not in a format that is read): " + ", ".join(self.unread_files)
            )
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)
