"""Whole-graph pairs cached beside the vectors: a second call reads them, it does not search.

The pair search is the largest step of ``kg.candidates`` at scale (100k entities: about
5 s; 1M: about 105 s), and what it finds depends only on the vectors, the engine and the
engine's settings. So the pairs are kept in the vector cache folder, one file per
(vectors, engine, settings): its name is a SHA-256 digest of the fitted vectors' bytes and
of those settings, and it holds every pair at or above the lowest threshold searched so
far. A call at that threshold or above reads the file and keeps the pairs at or above its
own: the very pairs the engine would return, since its lists and blocks do not depend on
the threshold. A lower threshold searches again and replaces the file.

An unreadable, foreign or damaged file is ignored and replaced (``np.load`` with
``allow_pickle=False``: arrays only); writes are atomic (:func:`explorer.atomic.atomic_path`);
a read-only folder only costs the saving. Lists above :data:`MAX_CACHED_PAIRS` pairs are
not written, and a folder keeps the :data:`KEEP_FILES` most recently used files.

Examples
--------
>>> import tempfile, pathlib
>>> from explorer.analysis.index import SimilarityIndex
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> index = SimilarityIndex().fit(np.array([[1, 0], [0.9, 0.1], [0, 1]]))
>>> cached_pairs(index, folder, 0.6)[["i", "j"]].values.tolist()   # searched, then saved
[[0, 1]]
>>> [p.name.startswith("pairs-") for p in folder.iterdir()]
[True]
>>> len(cached_pairs(index, folder, 0.999))                        # read, kept >= 0.999
0
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .index import SimilarityIndex
from .thresholds import check_min_cosine
from .vector_cache import keep_newest, touch

__all__ = ["KEEP_FILES", "MAX_CACHED_PAIRS", "PAIR_CACHE_FORMAT", "cached_pairs", "pairs_file"]

PAIR_CACHE_FORMAT = 2  # 2: the exact engine's cosines computed per pair (engines/exact.py)
#: Longer lists are not written (12 bytes a pair: 240 MB); they are searched each time.
MAX_CACHED_PAIRS = 20_000_000
#: Pairs files kept in a folder: the most recently used (other vectors', settings' removed).
KEEP_FILES = 4


def pairs_file(index: SimilarityIndex, folder: Path, method: str | None = None) -> Path:
    """The cache file of ``index``'s pairs by ``method`` (``None``: the index's own).

    The name digests the fitted vectors (every byte, zero rows included: 0.6 s per GB),
    the engine the method resolves to, and every setting that can change what it finds.
    """
    resolved = index.resolved_method(method)
    x = index.vectors_
    settings = (f"pairs-{PAIR_CACHE_FORMAT}|{resolved.value}|{x.shape}|{index.block_size}|"
                f"{index.nlist}|{index.nprobe}|{index.random_state}|{_engine_defaults(len(x))}")
    digest = hashlib.sha256(settings.encode())
    digest.update(memoryview(np.ascontiguousarray(x)).cast("B"))
    return folder / f"pairs-{digest.hexdigest()[:24]}.npz"


def _engine_defaults(n: int) -> str:
    """The engines' own settings where the index leaves them unset.

    A change of a default (a retuned k-means, another faiss) must not serve pairs found the
    old way.
    """
    from .engines import clustered, faiss_ivf, int8

    version = getattr(faiss_ivf.faiss, "__version__", "?")
    # 8-bit products rank the lists a vector probes a little differently from float32.
    probes = f"int8 {int8.LEVELS}" if int8.int8_available() else "float32"
    return (f"{clustered.default_nlist(n)}|{clustered.DEFAULT_NPROBE}|{clustered.ITERATIONS}|"
            f"{clustered.SAMPLE_PER_LIST}|{faiss_ivf.FAISS_NPROBE}|"
            f"{faiss_ivf.TRAIN_POINTS_PER_LIST}|faiss {version}|{probes}")


def cached_pairs(
    index: SimilarityIndex,
    folder: Path | None,
    min_cosine: float,
    *,
    method: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """:meth:`SimilarityIndex.pairs`, read from ``folder`` when it holds them.

    Parameters
    ----------
    index
        The fitted index.
    folder
        The vector cache folder; ``None`` searches every time.
    min_cosine, method, progress
        As in :meth:`SimilarityIndex.pairs` (``min_cosine`` already checked).

    Returns
    -------
    pandas.DataFrame
        Columns ``i, j, cosine``, as :meth:`SimilarityIndex.pairs` returns them.
    """
    min_cosine = check_min_cosine(min_cosine)  # the same error with or without a file
    if folder is None or index.n_samples_fit_ < 2:
        return index.pairs(min_cosine, method=method, progress=progress)
    path = pairs_file(index, folder, method)
    found = _read(path, min_cosine, index.n_samples_fit_)
    if found is not None:
        return found
    pairs = index.pairs(min_cosine, method=method, progress=progress)
    if len(pairs) <= MAX_CACHED_PAIRS:
        _write(path, min_cosine, index.n_samples_fit_, pairs)
    return pairs


def _read(path: Path, min_cosine: float, n: int) -> pd.DataFrame | None:
    """The cached pairs at or above ``min_cosine``; ``None`` if the file cannot serve them."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if (int(data["format"]) != PAIR_CACHE_FORMAT or int(data["n"]) != n
                    or float(data["threshold"]) > min_cosine):
                return None
            i, j, cosine = data["i"], data["j"], data["cosine"]
        ok = (i.ndim == j.ndim == cosine.ndim == 1 and len(i) == len(j) == len(cosine)
              and np.issubdtype(i.dtype, np.integer) and np.issubdtype(j.dtype, np.integer)
              and cosine.dtype == np.float32 and (len(i) == 0 or (
                  0 <= i.min() and j.max() < n and bool((i < j).all())
                  and bool((cosine[1:] <= cosine[:-1]).all()))))
    except (OSError, KeyError, ValueError, TypeError, AttributeError, EOFError,
            zipfile.BadZipFile):
        return None
    if not ok:
        return None
    # Stored best first: those at or above the threshold are a prefix.
    touch(path)
    keep = int(np.searchsorted(-cosine, -np.float32(min_cosine), side="right"))
    return pd.DataFrame({"i": i[:keep].astype(np.int64), "j": j[:keep].astype(np.int64),
                         "cosine": cosine[:keep]})


def _write(path: Path, min_cosine: float, n: int, pairs: pd.DataFrame) -> None:
    small = np.int32 if n <= np.iinfo(np.int32).max else np.int64
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, suffix=".npz.tmp") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, format=np.array(PAIR_CACHE_FORMAT), n=np.array(n),
                         threshold=np.array(float(min_cosine)),
                         i=pairs["i"].to_numpy().astype(small),
                         j=pairs["j"].to_numpy().astype(small),
                         cosine=pairs["cosine"].to_numpy(dtype=np.float32))
    except OSError:  # a read-only cache: the pairs are searched again next time
        return
    keep_newest(path.parent, "pairs", KEEP_FILES)
