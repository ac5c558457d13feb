"""Giving back to the system the memory Arrow keeps after a large read or join.

Arrow allocates from its own pool (mimalloc here), which keeps freed memory for reuse.
After reading a million-entity graph it holds 1.6 GB at the most and 0.4 GB in use: the
rest stays resident, and numpy and Python, which allocate elsewhere, cannot use it.
:func:`release_unused` returns it (1.85 -> 1.11 GB resident after ``explorer.load`` at
1M entities; ``docs/performance.md``). It costs microseconds when there is nothing to give.

glibc's heap, where numpy's smaller arrays and Python's objects live, does the same: after
the pair search at 1M entities it kept 0.27 GB of freed blocks resident, which
``malloc_trim`` gives back (:func:`trim_heap`; measured in ``docs/performance.md``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyarrow as pa

__all__ = ["release_unused", "trim_heap"]


def release_unused(*, heap: bool = False) -> None:
    """Return the memory Arrow's default pool holds but does not use to the system.

    ``heap=True`` also trims glibc's heap (:func:`trim_heap`), which takes milliseconds:
    for after a large step, not inside a loop.

    Examples
    --------
    >>> release_unused()  # nothing to see: the process's resident memory falls
    """
    pa.default_memory_pool().release_unused()
    if heap:
        trim_heap()


def trim_heap() -> bool:
    """Give glibc's freed heap memory back to the system; ``False`` where there is no glibc.

    Examples
    --------
    >>> trim_heap() in (True, False)
    True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> ctypes._CFuncPtr | None:
    name = ctypes.util.find_library("c")
    try:
        function = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim this way
        return None
    if function is not None:
        function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function
