"""Vectors: the one L2 normaliser, finiteness checks, and validation of vectors users bring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import EmbeddingError

__all__ = ["all_finite", "l2_normalize", "normalized", "validate_vectors"]

GATHER_BLOCK = 65_536


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Scale each row to unit length in place (and return it); rows of zeros stay zeros.

    Examples
    --------
    >>> l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    nonzero_rows(x)
    return x


def nonzero_rows(x: np.ndarray) -> np.ndarray:
    """Normalise ``x`` in place, a block of rows at a time; return which rows are non-zero."""
    nonzero = np.empty(len(x), dtype=bool)
    for start in range(0, len(x), GATHER_BLOCK):
        block = x[start : start + GATHER_BLOCK]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, norms, out=block, where=norms > 0)
        nonzero[start : start + GATHER_BLOCK] = norms[:, 0] > 0
    return nonzero


def all_finite(array: np.ndarray, block: int = GATHER_BLOCK) -> bool:
    """Whether every value is finite, checked a block of rows at a time (small temporaries)."""
    return all(np.isfinite(array[i : i + block]).all() for i in range(0, len(array), block))


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


def normalized(
    vectors: Any, *, what: str = "vectors", copy: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Return L2-normalized float32 rows (a copy unless ``copy=False``) and the non-zero mask."""
    try:
        array = np.array(vectors, dtype=np.float32, copy=True if copy else None, order="C")
    except (TypeError, ValueError) as err:
        raise EmbeddingError(f"{what} must be a 2-D array of numbers: {err}") from err
    if array.ndim != 2:
        raise EmbeddingError(
            f"{what} must be a 2-D array (n_entities, dim); got shape {array.shape}."
        )
    if not all_finite(array):
        bad = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise EmbeddingError(
            f"{what} contain NaN or infinite values (first at row {bad}); "
            "re-embed those entities or give them all-zero vectors."
        )
    return array, nonzero_rows(array)
