"""Errors of curation: a decision that cannot be made, a decisions file that cannot be used."""

from __future__ import annotations

from pathlib import Path

from ..errors import ExplorerError

__all__ = ["NO_OVERLAY", "CurationError", "CurationStoreError"]

NO_OVERLAY = "or load without the curation overlay: load(dir, curation=False)."


class CurationError(ExplorerError, ValueError):
    """A decision that cannot be made: a merge into itself or in a cycle, a bad undo."""


class CurationStoreError(ExplorerError, OSError):
    """The decisions file cannot be used: not a database, damaged, too new, read-only.

    The message names the file, says what is wrong and what to do; ``path``, ``problem``
    and ``hint`` hold the parts.
    """

    def __init__(self, path: str | Path, problem: str, hint: str = "") -> None:
        self.path, self.problem, self.hint = Path(path), problem, hint
        super().__init__(f"{path}: {problem}" + (f" {hint}" if hint else ""))
