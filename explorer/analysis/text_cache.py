"""What the ranking and the labels read from the texts, cached beside the vectors.

Whole-graph candidates need two things per entity besides its vector: its TF-IDF row
(:class:`~explorer.analysis.lexical.LexicalScorer`) and its words and numbers as the label
rules read them (:class:`~explorer.analysis.pair_labels.PairTexts`). Both depend on the
texts alone, and building them costs about as much as the pair search itself (100k texts:
2-3 s each), so they are cached like the vectors: in the same folder, one file each,
named by a BLAKE2b digest of every text in order: of their vector-cache keys when an
embedder made the vectors (:func:`~explorer.analysis.vector_cache.keys_digest`, so a
fresh load finds the files without listing the texts again: 0.5 -> 0.14 s at 100k), else
:func:`texts_digest`. A changed text changes the digest and the file is rebuilt; an
unreadable, foreign or damaged file is ignored and rebuilt (``np.load(allow_pickle=False)``:
arrays only, never code). Writes are atomic (:func:`explorer.atomic.atomic_path`). The two
most recently used files of each kind are kept (:data:`KEEP_FILES`): older texts' files are
removed when a new one is written.

Examples
--------
>>> import tempfile, pathlib
>>> from explorer.analysis.lexical import LexicalScorer
>>> folder, texts = pathlib.Path(tempfile.mkdtemp()), ["tau spreads", "tau spreads fast"]
>>> digest = texts_digest(texts)
>>> load_lexical(folder, digest) is None
True
>>> save_lexical(folder, digest, LexicalScorer.fit(texts))
>>> load_lexical(folder, digest).matrix.shape
(2, 3)
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..atomic import atomic_path
from .lexical import LexicalScorer
from .pair_labels import PairTexts
from .string_codes import packed_strings
from .vector_cache import keep_newest, touch

__all__ = [
    "TEXT_CACHE_FORMAT", "load_lexical", "load_pair_texts", "save_lexical", "save_pair_texts",
    "texts_digest",
]

TEXT_CACHE_FORMAT = 1
KEEP_FILES = 2  #: files of each kind kept in a folder (the newest; older texts' are removed)
_SEP = "\x00"


def texts_digest(texts: Sequence[str]) -> str:
    """A short hex digest of every text, in order (the cache files' name).

    Examples
    --------
    >>> texts_digest(["a", "b"]) != texts_digest(["b", "a"])
    True
    """
    h = hashlib.blake2b(digest_size=12)
    h.update(f"text-cache-{TEXT_CACHE_FORMAT}-{len(texts)}".encode())
    for start in range(0, len(texts), 50_000):
        chunk = texts[start : start + 50_000]
        h.update(_SEP.join(chunk if isinstance(chunk, list) else list(chunk)).encode("utf-8"))
        h.update(b"\x01")
    return h.hexdigest()


def _path(folder: Path, what: str, digest: str) -> Path:
    return folder / f"{what}-{digest}.npz"


def _pack(strings: Sequence[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array (``_SEP`` between them)."""
    return np.frombuffer(_SEP.join(strings).encode("utf-8"), dtype=np.uint8)


def _unpack(packed: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    if n:
        out[:] = packed.tobytes().decode("utf-8").split(_SEP)
    return out


def _read(path: Path) -> dict[str, np.ndarray] | None:
    try:  # a damaged or foreign file (a plain .npy, a format that is no number) is ignored
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        if int(arrays.get("format", np.array(-1))) != TEXT_CACHE_FORMAT:
            return None
    except (OSError, ValueError, TypeError, AttributeError, EOFError, zipfile.BadZipFile):
        return None
    touch(path)
    return arrays


def _write(path: Path, **arrays: np.ndarray) -> None:
    try:
        with atomic_path(path, suffix=".npz.tmp") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, format=np.array(TEXT_CACHE_FORMAT), **arrays)
    except OSError:  # a read-only cache: the features are rebuilt next time
        return
    # The files of texts as they were before the last edits: the newest few are kept.
    keep_newest(path.parent, path.name.split("-")[0], KEEP_FILES)


def load_lexical(folder: Path | None, digest: str) -> LexicalScorer | None:
    """The cached TF-IDF of these texts, or ``None``."""
    arrays = None if folder is None else _read(_path(folder, "tfidf", digest))
    if arrays is None:
        return None
    try:
        matrix = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                               shape=tuple(arrays["shape"]))
    except (KeyError, ValueError):
        return None
    return LexicalScorer(matrix)


def save_lexical(folder: Path | None, digest: str, scorer: LexicalScorer) -> None:
    """Cache the TF-IDF of these texts (nothing when ``folder`` is None)."""
    if folder is None:
        return
    m = scorer.matrix
    _write(_path(folder, "tfidf", digest), data=m.data, indices=m.indices, indptr=m.indptr,
           shape=np.array(m.shape))


def load_pair_texts(folder: Path | None, digest: str, n: int) -> PairTexts | None:
    """The cached :class:`PairTexts` of the ``n`` texts ``digest`` names (all read), or ``None``."""
    arrays = None if folder is None else _read(_path(folder, "pairtexts", digest))
    if arrays is None:
        return None
    try:
        n_words = len(arrays["df"])
        if len(arrays["status"]) != n:
            return None
        return PairTexts.from_state(n, {
            "status": arrays["status"], "norm": packed_strings(arrays["norm"], n),
            "numbers": packed_strings(arrays["numbers"], n),
            "words": _unpack(arrays["words"], n_words).tolist(), "df": arrays["df"],
            "marks": arrays["marks"], "rows": arrays["rows"], "word_ids": arrays["word_ids"],
        })
    except (KeyError, ValueError, UnicodeDecodeError):
        return None


def save_pair_texts(folder: Path | None, digest: str, texts: PairTexts) -> None:
    """Cache a :class:`PairTexts` whose every text has been read."""
    if folder is None:
        return
    state = texts.state()
    if any(_SEP in s for s in state["norm"]) or any(_SEP in w for w in state["words"]):
        return  # normalisation never leaves one; if it ever did, do not cache
    _write(_path(folder, "pairtexts", digest), status=state["status"],
           norm=_pack(state["norm"]), numbers=_pack(state["numbers"]),
           words=_pack(state["words"]), df=state["df"], marks=state["marks"],
           rows=state["rows"], word_ids=state["word_ids"])
