"""One string per entity, each distinct string stored once in Arrow: codes into the values.

The labels compare the normalised texts of millions of pairs (equal or not) and read the
strings of a few of them (the lexical ratio, the numbers' reason). Python strings cost
about 50 bytes each before their text, and comparing object arrays compares strings one
by one: at a million entities that was 0.33 GB and a second of comparisons. Here each
entity has an integer code, equal codes mean equal strings, and the distinct strings
sit in one Arrow array, read back only where they are needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["StringCodes", "packed_strings"]


class StringCodes:
    """Strings by position, as codes into distinct values; position not set: code -1.

    Examples
    --------
    >>> s = StringCodes(4)
    >>> s.set(np.array([0, 1, 2]), ["tau", "sleep", "tau"])
    >>> s.equal(np.array([0, 0, 3]), np.array([2, 1, 3])).tolist()
    [True, False, False]
    >>> s.take(np.array([2, 1]))
    ['tau', 'sleep']
    """

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, dtype=np.int64)
        self._values = pa.array([], type=pa.large_string())

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def values(self) -> pa.Array:
        """The distinct strings, in the order first set (code ``c`` is ``values[c]``)."""
        return self._values

    def set(self, positions: np.ndarray, strings: Sequence[str] | pa.Array) -> None:
        """Give the entities at ``positions`` these strings (one each, in order)."""
        array = strings if isinstance(strings, (pa.Array, pa.ChunkedArray)) \
            else _arrow_strings(list(strings))
        array = array.cast(pa.large_string())
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if len(array) != len(positions):
            raise ValueError(f"{len(positions)} positions but {len(array)} strings")
        encoded = pc.dictionary_encode(array)
        local = encoded.dictionary
        found = np.asarray(pc.index_in(local, value_set=self._values).fill_null(-1),
                           dtype=np.int64) if len(self._values) else np.full(len(local), -1)
        new = found < 0
        found[new] = len(self._values) + np.arange(int(new.sum()), dtype=np.int64)
        if new.any():
            self._values = pa.concat_arrays([self._values, local.filter(pa.array(new))])
        self.codes[np.asarray(positions, dtype=np.int64)] = found[
            np.asarray(encoded.indices, dtype=np.int64)]

    def equal(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether positions ``i[k]`` and ``j[k]`` hold the same string (both set)."""
        a, b = self.codes[i], self.codes[j]
        return (a == b) & (a >= 0)

    def arrow(self, positions: np.ndarray) -> pa.Array:
        """The strings at ``positions`` (set ones), as an Arrow array."""
        return self._values.take(pa.array(self.codes[positions]))

    def take(self, positions: np.ndarray) -> list[str]:
        """The strings at ``positions`` (set ones), as Python strings."""
        return self.arrow(positions).to_pylist()

    def to_list(self) -> list[str]:
        """Every position's string (all must be set), as Python strings."""
        return self.take(np.arange(len(self.codes)))


def _arrow_strings(strings: list[str]) -> pa.Array:
    """Python strings as Arrow; a lone surrogate (not UTF-8) is kept as its backslash escape."""
    try:
        return pa.array(strings, type=pa.large_string())
    except (UnicodeEncodeError, pa.ArrowInvalid):
        return pa.array([t.encode("utf-8", "backslashreplace").decode("utf-8")
                         for t in strings], type=pa.large_string())


def packed_strings(packed: np.ndarray, n: int, separator: int = 0) -> pa.Array:
    r"""``n`` UTF-8 strings joined by the byte ``separator``, as an Arrow array, no copy in Python.

    Raises ``ValueError`` when the count does not match or the bytes are not UTF-8.

    Examples
    --------
    >>> packed_strings(np.frombuffer(b"tau\x00\x00sleep", np.uint8), 3).to_pylist()
    ['tau', '', 'sleep']
    """
    packed = np.asarray(packed, dtype=np.uint8)
    if n == 0:
        if len(packed):
            raise ValueError("bytes given for no strings")
        return pa.array([], type=pa.large_string())
    at = np.flatnonzero(packed == separator)
    if len(at) != n - 1:
        raise ValueError(f"{len(at) + 1} strings packed, {n} expected")
    starts = np.concatenate([[0], at + 1]).astype(np.int64)
    offsets = np.concatenate([starts - np.arange(n, dtype=np.int64),
                              [len(packed) - (n - 1)]]).astype(np.int64)
    data = packed[packed != separator] if len(at) else packed
    out = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.copy()))
    out.validate(full=True)  # raises on bytes that are not UTF-8
    return out
