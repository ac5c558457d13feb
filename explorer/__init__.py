"""Explore a knowledge graph of research claims in Jupyter."""

from typing import Any as _Any

from .card import Card
from .embed import Embedder, get_embedder
from .errors import (
    EmbeddingError,
    ExplorerError,
    MissingExtraError,
    SchemaError,
    UnknownEntityError,
)
from .graph import KnowledgeGraph, load
from .synth import synthesize, write_synthetic
from .tables import LoadReport

__version__ = "0.1.0"

# Loaded on first use: they bring ipywidgets, pyvis or scikit-learn, which the data layers
# (load, graph, card) do not need.
_LAZY = {
    "Explorer": ("widgets", "Explorer"),
    "NeighborhoodGraph": ("render", "NeighborhoodGraph"),
    "SimilarityIndex": ("similarity", "SimilarityIndex"),
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
    "SchemaError",
    "SimilarityIndex",
    "UnknownEntityError",
    "__version__",
    "get_embedder",
    "load",
    "synthesize",
    "write_synthetic",
]


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        return getattr(import_module(f".{module}", __name__), attribute)
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
