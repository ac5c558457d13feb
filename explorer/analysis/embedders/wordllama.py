"""WordLlama static token embeddings, loaded offline from the files in its wheel."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import EmbeddingError
from ..vectors import l2_normalize

__all__ = ["WordLlamaEmbedder"]


class WordLlamaEmbedder:
    """WordLlama ``l2_supercat`` static token embeddings, average-pooled.

    The weights and tokenizer ship inside the ``wordllama`` wheel; they are
    loaded from there with downloads disabled, on the first :meth:`encode`.

    Parameters
    ----------
    dim
        Output dimension; the wheel ships the 256-dimensional weights.
    batch_size
        Texts per tokenizer batch (64 was fastest on a 2-core machine).
    """

    default_min_cosine: float = 0.60
    #: Measured on 2 cores (docs/similarity.md); decides whether a progress bar shows.
    texts_per_second: float = 8000

    def __init__(self, *, dim: int = 256, batch_size: int = 64) -> None:
        self.dim = dim
        self.batch_size = batch_size
        self._model: Any = None

    @property
    def name(self) -> str:
        """Cache key: ``wordllama-l2-<dim>``."""
        return f"wordllama-l2-{self.dim}"

    def __repr__(self) -> str:
        return f"WordLlamaEmbedder(dim={self.dim}, batch_size={self.batch_size})"

    def _load(self) -> Any:
        if self._model is None:
            root = logging.getLogger()
            handlers, level = list(root.handlers), root.level
            import wordllama
            from wordllama import WordLlama

            # wordllama.inference calls logging.basicConfig(level=INFO) on import,
            # which would make every library's INFO messages show in a notebook.
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)

            package_dir = Path(wordllama.__file__).resolve().parent
            try:
                self._model = WordLlama.load(
                    config="l2_supercat",
                    dim=self.dim,
                    cache_dir=package_dir,
                    disable_download=True,
                )
            except FileNotFoundError as err:
                raise EmbeddingError(
                    f"The WordLlama files for dim={self.dim} are not in the installed "
                    f"package ({package_dir}). The wheel ships dim=256; use that, or "
                    "reinstall wordllama."
                ) from err
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``; returns unit rows, shape ``(len(texts), dim)``, float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.embed(list(texts), norm=False, batch_size=self.batch_size)
        return l2_normalize(np.asarray(vectors, dtype=np.float32))
