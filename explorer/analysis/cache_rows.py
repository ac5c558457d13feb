"""Which row of the vector cache holds each entity's vector, remembered between loads.

Finding the rows means joining and hashing every text and looking each hash up in the
cache (1M entities: about 7 s of the 14 s that reading cached vectors took). When
neither the texts nor the cache changed, neither did the answer, so :func:`embed` keeps
it in a small file beside the cache (``rows-<digest>.npz``: one int64 per text), named
by the embedder and :meth:`EntityTexts.digest` (a hash of the text columns' buffers,
0.3 s at 1M), and checked against a hash of the cache's keys before it is used. A file
that does not match, or is damaged, is ignored: the rows are found the slow way and the
file is written again. Derived state only: deleting it costs one slow read.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from .vector_cache import VectorCache, keep_newest, touch

__all__ = ["CacheRows", "read_rows", "rows_path", "write_rows"]

#: Part of every file's name: a new number makes the files of an older one unused.
ROWS_FORMAT = 1
#: Row files kept per cache folder (one per graph version and embedder in use).
KEEP_FILES = 4
PREFIX = "rows"


@dataclass(frozen=True)
class CacheRows:
    """Where the vectors of a sequence of texts are in one cache."""

    rows: np.ndarray  # int64, one per text that is not blank: its row in the cache
    missing: np.ndarray  # bool, one per text: blank, no vector
    text_digest: str  # keys_digest of the texts (EmbeddingResult.text_digest)
    n_unique: int  # distinct texts that are not blank

    def fits(self, n_texts: int, cache: VectorCache) -> bool:
        """Whether these rows can describe ``n_texts`` texts over ``cache``."""
        return (
            self.missing.shape == (n_texts,)
            and self.missing.dtype == np.bool_
            and self.rows.dtype == np.int64
            and self.rows.shape == (n_texts - int(self.missing.sum()),)
            and 0 <= self.n_unique <= len(cache.keys)
            and (len(self.rows) == 0 or (
                int(self.rows.min()) >= 0 and int(self.rows.max()) < len(cache.keys)
            ))
        )


def keys_fingerprint(cache: VectorCache) -> str:
    """A hex digest of the cache's keys in order (1M keys: 16 MB, about 20 ms)."""
    return hashlib.blake2b(np.ascontiguousarray(cache.keys).tobytes(), digest_size=16).hexdigest()


def rows_path(cache_dir: Path, embedder_name: str, texts_digest: str) -> Path:
    """The rows file of these texts under this embedder's cache in ``cache_dir``."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{PREFIX}-{ROWS_FORMAT}\0{embedder_name}\0{texts_digest}".encode())
    return cache_dir / f"{PREFIX}-{h.hexdigest()}.npz"


def read_rows(path: Path, n_texts: int, cache: VectorCache) -> CacheRows | None:
    """The remembered rows, or ``None`` when there are none that fit this cache.

    Never raises: a missing, damaged or stale file only means the rows are found again.
    """
    if len(cache.keys) == 0 or not path.exists():
        return None
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            if str(data["fingerprint"]) != keys_fingerprint(cache):
                return None  # the cache was rewritten since: its rows may have moved
            found = CacheRows(
                rows=data["rows"], missing=data["missing"],
                text_digest=str(data["text_digest"]), n_unique=int(data["n_unique"]),
            )
    except Exception:  # noqa: BLE001 - derived state: any damage means "find them again"
        return None
    if not found.fits(n_texts, cache):
        return None
    touch(path)
    return found


def write_rows(path: Path, cache: VectorCache, found: CacheRows) -> None:
    """Remember ``found`` for ``cache`` (atomically; a failure to write is not an error)."""
    with contextlib.suppress(OSError):
        with atomic_path(path, suffix=".npz.tmp") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh, fingerprint=np.array(keys_fingerprint(cache)), rows=found.rows,
                    missing=found.missing, text_digest=np.array(found.text_digest),
                    n_unique=np.array(found.n_unique),
                )
        keep_newest(path.parent, PREFIX, KEEP_FILES)
