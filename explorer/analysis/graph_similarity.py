"""The graph's vectors: the data's own, or an embedder's (cached), and the index over them."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..arrow_pool import release_unused
from ..core.graph import GraphCore
from ..errors import SchemaError
from ..load.tables import read_table
from .embedders.protocol import Embedder
from .embedders.registry import get_embedder
from .embedding import embed
from .index import SimilarityIndex
from .texts import entity_texts
from .thresholds import DEFAULT_MIN_COSINE, check_min_cosine
from .vectors import validate_vectors

if TYPE_CHECKING:
    from .lexical import LexicalScorer
    from .pair_labels import PairTexts

__all__ = ["APP_NAME", "GraphSimilarity", "read_own_vectors", "vector_cache_dir"]

APP_NAME = "claim-graph-explorer"
BESIDE_DATA = ".explorer-cache"
NO_TEXT = "no text to embed (title and summary empty)"
NO_VECTOR = "no vector in the entities' own embeddings"


def vector_cache_dir(data_folder: Path | None, where: str | Path | None = "user") -> Path | None:
    """Where the vectors of a data folder are cached.

    Parameters
    ----------
    data_folder
        The data directory (``None`` for a graph built from frames).
    where
        ``"user"`` (default): the user's cache directory (``platformdirs``), in a folder
        keyed by the data folder's absolute path, so a read-only or shared data folder is
        never written to. ``"data"``: ``<data>/.explorer-cache`` beside the data. A path:
        that folder. ``None``: no cache. Vectors inside are keyed by a hash of each
        text, so a changed table only re-embeds the texts that changed.

    Examples
    --------
    >>> vector_cache_dir(Path("data/example"), None) is None
    True
    >>> vector_cache_dir(Path("data/example"), "data").name
    '.explorer-cache'
    """
    if where is None:
        return None
    if where == "data":
        return None if data_folder is None else data_folder / BESIDE_DATA
    if where == "user":
        from platformdirs import user_cache_dir

        base = Path(user_cache_dir(APP_NAME)) / "vectors"
        if data_folder is None:
            return base / "frames"
        resolved = str(Path(data_folder).resolve())
        key = hashlib.blake2b(resolved.encode("utf-8"), digest_size=8).hexdigest()
        return base / f"{Path(resolved).name}-{key}"
    return Path(where)


@dataclass
class GraphSimilarity:
    """The vectors of every entity, in entity order, and the index over them.

    Attributes
    ----------
    source
        ``"own vectors"`` or the embedder's name.
    default_min_cosine
        The threshold that means "related" on this source's scale.
    set_aside
        Entities without a vector, with the reason (columns ``id, reason``).
    """

    source: str
    default_min_cosine: float
    index: SimilarityIndex
    set_aside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["id", "reason"]))
    texts: Sequence[str] = ()
    cache_dir: Path | None = None
    _pair_texts: Any = field(default=None, repr=False)
    _lexical: Any = field(default=None, repr=False)
    _text_list: Any = field(default=None, repr=False)
    _digest: str | None = field(default=None, repr=False)

    def _all_texts(self) -> list[str]:
        """Every text as a list (0.35 GB at 1M): made only to build what is not cached."""
        from .lexical import as_texts

        if self._text_list is None:
            self._text_list = as_texts(list(self.texts))
        return self._text_list

    def _texts_digest(self) -> str:
        """The digest naming the text-feature files: the embedding's, else of the texts."""
        from .text_cache import texts_digest

        if self._digest is None:
            self._digest = texts_digest(self._all_texts())
        return self._digest

    @property
    def pair_texts(self) -> PairTexts:
        """Each entity's text, prepared once, to label and explain pairs.

        Texts are read lazily, as pairs ask for them; when the whole graph's were read
        and cached before (:meth:`prepare_all`), they come from the cache at once.
        """
        from .pair_labels import PairTexts
        from .text_cache import load_pair_texts

        if self._pair_texts is None:
            if self.cache_dir is not None:
                self._pair_texts = load_pair_texts(self.cache_dir, self._texts_digest(),
                                                   len(self.texts))
            if self._pair_texts is None:
                self._pair_texts = PairTexts.from_texts(self.texts)
        return self._pair_texts

    def prepare_all(self) -> None:
        """Read every text for the labels and fit the TF-IDF, from the cache or cached."""
        from .text_cache import save_pair_texts

        texts = self.pair_texts
        if not texts.all_read:
            texts.read_all()
            if self.cache_dir is not None:
                save_pair_texts(self.cache_dir, self._texts_digest(), texts)
        _ = self.lexical
        # Both are read: the list of every text (0.35 GB at 1M), if made, is not needed.
        self._text_list = None
        release_unused(heap=True)

    @property
    def lexical(self) -> LexicalScorer:
        """TF-IDF over the graph's own texts (fitted on first use; cached beside the vectors)."""
        from .lexical import LexicalScorer
        from .text_cache import load_lexical, save_lexical

        if self._lexical is None:
            if self.cache_dir is None:
                self._lexical = LexicalScorer.fit(self.texts)
            else:
                digest = self._texts_digest()
                self._lexical = load_lexical(self.cache_dir, digest)
                if self._lexical is None:
                    self._lexical = LexicalScorer.fit(self._all_texts())
                    save_lexical(self.cache_dir, digest, self._lexical)
        return self._lexical

    @property
    def score_rule(self) -> str:
        """How ``score`` is computed, in words."""
        from .lexical import LEXICAL_WEIGHT

        return f"{1 - LEXICAL_WEIGHT:g} × cosine + {LEXICAL_WEIGHT:g} × TF-IDF cosine"

    def score(self, cosine: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """The ranking score of pairs with these cosines and lexical similarities."""
        from .lexical import combined_score

        return combined_score(np.asarray(cosine, dtype=np.float32), lexical)

    def pairs(
        self, min_cosine: float, *, method: str | None = None, progress: bool | None = None
    ) -> pd.DataFrame:
        """Every pair with cosine >= ``min_cosine`` (:meth:`SimilarityIndex.pairs`), cached.

        A second search over the same vectors with the same engine reads the pairs from
        the vector cache folder (:mod:`explorer.analysis.pair_cache`) instead of searching.
        """
        from .pair_cache import cached_pairs

        return cached_pairs(self.index, self.cache_dir, min_cosine, method=method,
                            progress=progress)

    @property
    def vectors(self) -> np.ndarray:
        """Every entity's unit vector, in entity order (zero rows for those set aside)."""
        return self.index.vectors_

    @classmethod
    def build(
        cls,
        graph: GraphCore,
        *,
        embedder: str | Embedder | None = None,
        fields: Sequence[str] = ("title", "summary"),
        progress: bool | None = None,
        cache_dir: Path | None = None,
        embeddings_file: Path | None = None,
    ) -> GraphSimilarity:
        """Vectors from the data when it brings its own, else from the embedder.

        Parameters
        ----------
        graph
            The graph whose entities are embedded.
        embedder
            A name or an :class:`Embedder`; ``None`` takes the data's own vectors when
            it has them, else wordllama.
        fields
            Columns joined into each entity's text.
        progress
            Show a progress bar (``None``: when the work takes a while).
        cache_dir
            Folder of the vector cache (:func:`vector_cache_dir`); ``None``: no cache.
        embeddings_file
            The data's own vectors file, if any.
        """
        kg = graph
        ids = kg.ids
        cache_dir = _usable(cache_dir)
        own = None if embedder is not None else read_own_vectors(kg, embeddings_file)
        digest = None  # of the texts: from the embedding's keys, else made when needed
        if own is not None:
            vectors, missing = own
            source, threshold, reason = "own vectors", DEFAULT_MIN_COSINE, NO_VECTOR
        else:
            model = get_embedder(embedder or "wordllama")
            result = embed(
                entity_texts(kg.entities, fields=fields), model, cache_dir=cache_dir,
                progress=progress,
            )
            vectors, missing, digest = result.vectors, result.missing, result.text_digest
            source, threshold, reason = model.name, float(model.default_min_cosine), NO_TEXT
        set_aside = pd.DataFrame({"id": ids[missing].to_numpy(), "reason": reason})
        # The index normalizes these vectors in place and keeps them: one copy in memory.
        index = SimilarityIndex().fit(vectors, ids=ids, copy=False)
        return cls(
            source=source, default_min_cosine=threshold, index=index, set_aside=set_aside,
            texts=entity_texts(kg.entities, fields=fields), cache_dir=cache_dir,
            _digest=digest,
        )

    def threshold(self, min_cosine: float | None) -> float:
        """The user's threshold, checked, or this source's default."""
        return self.default_min_cosine if min_cosine is None else check_min_cosine(min_cosine)


def read_own_vectors(
    kg: GraphCore, embeddings_file: Path | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The entities' own vectors (``embedding`` column or ``embeddings.<ext>`` file).

    Returns
    -------
    tuple or None
        ``(vectors, missing)`` in entity order (zero rows where an entity has no vector),
        or ``None`` when the data brings no vectors.
    """
    if "embedding" in kg.entities.columns:
        column = kg.entities["embedding"]
        has = column.map(lambda v: v is not None and not (np.isscalar(v) and pd.isna(v)))
        given = validate_vectors(column[has].tolist(), kg.ids[has.to_numpy()].tolist())
        return _spread(given, has.to_numpy(), len(kg))
    if embeddings_file is None:
        return None
    table = read_table(embeddings_file)
    if "id" not in table.columns:
        raise SchemaError(
            "missing required column 'id'.", file=str(embeddings_file), column="id",
            hint="An embeddings table needs 'id' and 'vector' (or v0, v1, ...).",
        )
    numbered = sorted(
        (c for c in table.columns if isinstance(c, str) and c[:1] == "v" and c[1:].isdigit()),
        key=lambda c: int(c[1:]),
    )
    if "vector" in table.columns:
        rows = [np.asarray(v, dtype=np.float32) for v in table["vector"]]
    elif numbered:
        rows = list(table[numbered].apply(pd.to_numeric, errors="coerce").to_numpy(np.float32))
    else:
        raise SchemaError(
            "no vector columns: expected 'vector' or v0, v1, ...",
            file=str(embeddings_file),
            hint="See 'Vectors' in docs/data-format.md.",
        )
    ids = table["id"].astype(str)
    given = validate_vectors(rows, ids.tolist())
    positions = kg.ids.get_indexer(ids)
    if (positions < 0).any():
        bad = int(np.flatnonzero(positions < 0)[0])
        raise SchemaError(
            f"id {ids.iloc[bad]!r} is not an entity id.",
            file=str(embeddings_file), row=int(table["_row"].iloc[bad]), column="id",
            hint="Every vector must belong to an entity of the entities table.",
        )
    vectors = np.zeros((len(kg), given.shape[1]), dtype=np.float32)
    vectors[positions] = given
    has = np.zeros(len(kg), dtype=bool)
    has[positions] = True
    return vectors, ~has


def _spread(given: np.ndarray, has: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    vectors = np.zeros((n, given.shape[1] if given.ndim == 2 else 0), dtype=np.float32)
    vectors[has] = given
    return vectors, ~has


def _usable(folder: Path | None) -> Path | None:
    """``folder`` if it can be written, else ``None`` with a warning (vectors still computed)."""
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as err:
        warnings.warn(
            f"Cannot write the vector cache in {folder} ({err}); vectors will be computed "
            "again next time. Pass cache='user' or a writable folder to set_embedder.",
            stacklevel=4,
        )
        return None
    return folder
