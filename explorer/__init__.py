"""Explore, check and curate a knowledge graph of research claims in Jupyter."""

from typing import Any as _Any

from .analysis.embedders.protocol import Embedder
from .analysis.embedders.registry import get_embedder
from .errors import (
    EmbeddingError,
    ExplorerError,
    MissingExtraError,
    ParameterError,
    SchemaError,
    UnknownEntityError,
)
from .knowledge_graph import KnowledgeGraph, load
from .load.report import LoadReport
from .views.card import Card

__version__ = "0.2.0"

# Loaded on first use: they bring ipywidgets, pyvis or faiss, which loading and the
# graph core do not need.
_LAZY = {
    "Explorer": ("explorer.widgets.explorer", "Explorer"),
    "NeighborhoodGraph": ("explorer.views.page", "NeighborhoodGraph"),
    "Review": ("explorer.widgets.review", "Review"),
    "SimilarityIndex": ("explorer.analysis.index", "SimilarityIndex"),
}

__all__ = [
    "Card",
    "Embedder",
    "EmbeddingError",
    "Explorer",
    "ExplorerError",
    "KnowledgeGraph",
    "LoadReport",
    "MissingExtraError",
    "NeighborhoodGraph",
    "ParameterError",
    "Review",
    "SchemaError",
    "SimilarityIndex",
    "UnknownEntityError",
    "__version__",
    "get_embedder",
    "load",
]


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
