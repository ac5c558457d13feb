"""The vector cache: one file per embedder, each vector keyed by a hash of its text.

Written atomically (:func:`explorer.atomic.atomic_path`): a killed run leaves the last
complete file, never a torn one.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import struct
import time
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from .vectors import all_finite

__all__ = ["VectorCache", "cache_path", "keep_newest", "keys_digest", "read_cache", "text_key",
           "touch", "write_cache"]

CACHE_FORMAT = 1
KEY_BYTES = 16
#: Part of :func:`keys_digest`: a new number renames (so rebuilds) the files named by it.
KEYS_DIGEST_FORMAT = 1


def text_key(text: str) -> bytes:
    """The cache key of a text: its 16-byte BLAKE2b hash."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


def keys_digest(keys: Sequence[bytes | None]) -> str:
    """A short hex digest of texts in order, from their :func:`text_key` (``None``: blank).

    Computed from the keys the embedding step makes anyway: no second pass over the texts.

    Examples
    --------
    >>> a, b = text_key("tau spreads"), text_key("tau is cleared")
    >>> keys_digest([a, b]) != keys_digest([b, a]), keys_digest([a, None]) == keys_digest([a, None])
    (True, True)
    """
    blank = bytes(KEY_BYTES)
    h = hashlib.blake2b(digest_size=12)
    h.update(f"text-keys-{KEYS_DIGEST_FORMAT}-{len(keys)}".encode())
    h.update(b"".join(blank if k is None else k for k in keys))
    return h.hexdigest()


def cache_path(cache_dir: Path, name: str) -> Path:
    """The cache file of one embedder in ``cache_dir`` (a safe file name per embedder name)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if safe != name:  # keep distinct names distinct after sanitising
        safe += "-" + hashlib.blake2b(name.encode("utf-8"), digest_size=4).hexdigest()
    return cache_dir / f"embeddings-{safe}.npz"


@dataclass
class VectorCache:
    """Vectors and the text keys they belong to, in the order they were added."""

    keys: np.ndarray  # (n, 16) uint8
    vectors: np.ndarray  # (n, d) float32

    @classmethod
    def empty(cls, dim: int | None = None) -> VectorCache:
        """A cache with no vectors."""
        return cls(
            np.zeros((0, KEY_BYTES), dtype=np.uint8),
            np.zeros((0, dim or 0), dtype=np.float32),
        )

    def index(self) -> dict[bytes, int]:
        """Key -> row."""
        if len(self.keys) == 0:
            return {}
        raw = self.keys.tobytes()
        return {raw[i * KEY_BYTES : (i + 1) * KEY_BYTES]: i for i in range(len(self.keys))}


def _mapped_member(path: Path, info: zipfile.ZipInfo) -> np.ndarray | None:
    """The ``.npy`` member ``info`` of an uncompressed ``.npz`` as a read-only memory map.

    ``np.load`` maps plain ``.npy`` files but reads an ``.npz`` member into fresh memory
    (1M x 256 vectors: 1 GB copied, 3.8 s with its CRC); ``np.savez`` stores members
    uncompressed, so the array's bytes lie in the file as they are and can be mapped:
    a gather then copies from the page cache once. Hand-written because numpy has no
    such call. ``None`` when the member is compressed or not a plain array (then the
    caller reads it).
    """
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)  # the local file header: its name and extra field vary
        if local[:4] != b"PK\x03\x04":
            raise ValueError(f"no local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        fh.seek(start)
        fmt = np.lib.format
        version = fmt.read_magic(fh)
        header = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}
        if version not in header:
            return None
        shape, fortran, dtype = header[version](fh)
        offset = fh.tell()
    if fortran or dtype.hasobject or offset - start + dtype.itemsize * math.prod(shape) > (
        info.file_size
    ):
        return None
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)


def read_cache(path: Path, name: str, *, mapped: bool = False) -> VectorCache | None:
    """Read a cache file; ``None`` if there is none, empty with a warning if unusable.

    With ``mapped``, the vectors are a read-only memory map of the file (see
    :func:`_mapped_member`) when it allows one: the caller copies what it keeps.
    """
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            fmt = int(data["format"])
            stored_name = str(data["name"])
            keys = data["keys"]
            # The archive np.load opened: its directory is not read a second time.
            vectors = _mapped_member(path, data.zip.getinfo("vectors.npy")) if mapped else None
            if vectors is None:
                vectors = data["vectors"]
        if fmt != CACHE_FORMAT:
            raise ValueError(f"format {fmt}, expected {CACHE_FORMAT}")
        if stored_name != name:
            raise ValueError(f"it holds vectors of {stored_name!r}, not {name!r}")
        if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != KEY_BYTES:
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
        return VectorCache.empty()
    return VectorCache(keys, vectors)


def write_cache(path: Path, name: str, cache: VectorCache) -> None:
    """Write ``cache`` atomically (temporary file beside it, fsync, rename)."""
    with atomic_path(path, suffix=".npz.tmp") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(
                fh, format=np.array(CACHE_FORMAT), name=np.array(name), keys=cache.keys,
                vectors=cache.vectors,
            )
    # Temporary files left by a run killed mid-write; a live writer's file is recent.
    for stale in path.parent.glob(f".{path.stem}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > STALE_TMP_SECONDS:
                stale.unlink()


#: A temporary file of a cache write older than this is left from a killed process.
STALE_TMP_SECONDS = 3600


def keep_newest(folder: Path, prefix: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently used ``<prefix>-<hex digest>.npz`` files.

    The files named by a digest (the text features, the pairs) are replaced, not
    overwritten, when the texts change; without this the folder would grow by one set of
    files per edit of the data. A file read from is :func:`touch`-ed, so it counts as used.
    Only names of that exact form are considered (a user's own ``pairs-mine.npz`` in a
    ``cache=`` folder stays), and temporaries of a write that a killed process left
    (``.<prefix>-….tmp``, older than :data:`STALE_TMP_SECONDS`) are removed too.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = Path(tempfile.mkdtemp())
    >>> for k in range(4):
    ...     _ = (folder / f"pairs-{k:024x}.npz").write_bytes(b"")
    ...     os.utime(folder / f"pairs-{k:024x}.npz", (k, k))
    >>> _ = (folder / "pairs-mine.npz").write_bytes(b"")
    >>> keep_newest(folder, "pairs", 2)
    >>> sorted(p.name.replace("0" * 23, "…") for p in folder.iterdir())
    ['pairs-mine.npz', 'pairs-…2.npz', 'pairs-…3.npz']
    """
    def used(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return float("inf")  # gone or unreadable: left alone

    named = re.compile(re.escape(prefix) + r"-[0-9a-f]{16,64}\.npz")
    ours = [p for p in folder.glob(f"{prefix}-*.npz") if named.fullmatch(p.name)]
    for old in sorted(ours, key=used, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    now = time.time()
    for tmp in folder.glob(f".{prefix}-*.tmp"):
        if now - used(tmp) > STALE_TMP_SECONDS:
            with contextlib.suppress(OSError):
                tmp.unlink()


def touch(path: Path) -> None:
    """Mark a cache file as just used (its modification time), if it can be."""
    with contextlib.suppress(OSError):
        os.utime(path)  # never creates it: a file another process just removed stays gone
