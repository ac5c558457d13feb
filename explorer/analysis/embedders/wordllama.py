"""WordLlama static token embeddings, loaded offline from the files in its wheel."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

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
        Texts per :meth:`encode` call that :func:`~explorer.analysis.embedding.embed`
        uses (long batches keep the tokenizer's threads busy).
    """

    default_min_cosine: float = 0.60
    #: Measured on 2 cores (docs/similarity.md); decides whether a progress bar shows.
    texts_per_second: float = 8000

    def __init__(self, *, dim: int = 256, batch_size: int = 4096) -> None:
        self.dim = dim
        self.batch_size = batch_size
        self._model: Any = None
        self._tokenizer: Any = None

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
        """Embed ``texts``; returns unit rows, shape ``(len(texts), dim)``, float32.

        The same vectors as ``WordLlama.embed`` (the mean of each text's token vectors,
        then unit length), computed without padding: the tokens of every text in one
        sparse ``texts x vocabulary`` count matrix, times the token vectors. WordLlama pads
        each batch to its longest text and sums a dense ``batch x longest x dim`` array;
        this costs the tokens only, about 3x faster on these machines.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_str(model.tokenizer.to_str())
            self._tokenizer.no_padding()
            self._tokenizer.no_truncation()
        encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
        ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in encoded),
                          dtype=np.int64, count=int(lengths.sum()))
        table = model.embedding
        np.clip(ids, 0, table.shape[0] - 1, out=ids)
        counts = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.float32), ids,
             np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(encoded), table.shape[0]),
        )
        return l2_normalize(np.asarray(counts @ table, dtype=np.float32))
