"""Giving back to the system the memory Arrow keeps after a large read or join.

Arrow allocates from its own pool (mimalloc here), which keeps freed memory for reuse.
After reading a million-entity graph it holds 1.6 GB at the most and 0.4 GB in use: the
rest stays resident, and numpy and Python, which allocate elsewhere, cannot use it.
:func:`release_unused` returns it (1.85 -> 1.11 GB resident after ``explorer.load`` at
1M entities; ``docs/performance.md``). It costs microseconds when there is nothing to give.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["release_unused"]


def release_unused() -> None:
    """Return the memory Arrow's default pool holds but does not use to the system.

    Examples
    --------
    >>> release_unused()  # nothing to see: the process's resident memory falls
    """
    pa.default_memory_pool().release_unused()
