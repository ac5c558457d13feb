"""Explore a knowledge graph of research claims in Jupyter."""

from .card import Card
from .errors import (
    EmbeddingError,
    ExplorerError,
    MissingExtraError,
    SchemaError,
    UnknownEntityError,
)
from .graph import KnowledgeGraph, load
from .tables import LoadReport

__version__ = "0.1.0"

__all__ = [
    "Card",
    "EmbeddingError",
    "ExplorerError",
    "KnowledgeGraph",
    "LoadReport",
    "MissingExtraError",
    "SchemaError",
    "UnknownEntityError",
    "__version__",
    "load",
]
