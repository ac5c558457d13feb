"""Curation: the curator's decisions, kept in SQLite and applied at load as an overlay."""

from .overlay import PROVENANCE_COLUMNS, Overlay, apply_decisions, check_merge
from .store import (
    FORMAT_VERSION,
    KINDS,
    CurationError,
    CurationStoreError,
    Decision,
    DecisionStore,
)

__all__ = [
    "FORMAT_VERSION",
    "KINDS",
    "PROVENANCE_COLUMNS",
    "CurationError",
    "CurationStoreError",
    "Decision",
    "DecisionStore",
    "Overlay",
    "apply_decisions",
    "check_merge",
]
