"""The :class:`Embedder` protocol: anything with a ``name`` and ``encode(texts)``."""

from __future__ import annotations

from enum import Enum
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["OWN_VECTORS_MIN_COSINE", "Embedder", "EmbedderName"]

#: Threshold for vectors the user brings (their scale is unknown to us).
OWN_VECTORS_MIN_COSINE = 0.65


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns a list of texts into vectors.

    Attributes
    ----------
    name
        Stable identifier of the model *and its parameters*; it names the
        cache file, so two embedders with the same name must give the same
        vectors.
    default_min_cosine
        The cosine above which two texts count as "related by similarity" on
        this embedder's scale.
    """

    name: str
    default_min_cosine: float

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return one row per text, shape ``(len(texts), dim)``, float32."""
        ...


class EmbedderName(str, Enum):
    """Names of the built-in embedders."""

    WORDLLAMA = "wordllama"
    TFIDF = "tfidf"
    MINILM = "minilm"
