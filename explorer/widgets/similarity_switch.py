"""Whether the Explorer shows similarity, and computing it from a button.

Similarity (the card's "Related by similarity" section, the graph's dashed links, the
review's candidates) needs every entity's vector: seconds on a small graph, minutes on a
million entities. So on a large graph whose vectors are not in memory yet, the Explorer
opens with similarity off and a "Compute similarity" button (see :func:`compute`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..errors import ParameterError

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["LARGE_GRAPH", "NOT_COMPUTED", "compute", "similarity_wanted"]

#: With ``similarity="auto"``, graphs above this many entities start with similarity off
#: unless their vectors are in memory already.
LARGE_GRAPH = 50_000
#: What the card says in its similarity section while similarity is off.
NOT_COMPUTED = "not computed yet — press “Compute similarity” above the card"


def similarity_wanted(kg: KnowledgeGraph, similarity: bool | str) -> bool:
    """Whether an Explorer starts with similarity on (see its ``similarity`` parameter).

    ``True`` and ``False`` say so; ``"auto"`` is on when the vectors are in memory
    (``kg.similarity_ready``) or the graph has at most :data:`LARGE_GRAPH` entities.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> similarity_wanted(kg, "auto"), similarity_wanted(kg, False)
    (True, False)
    """
    if isinstance(similarity, bool):
        return similarity
    if similarity != "auto":
        raise ParameterError(f"similarity must be True, False or 'auto', not {similarity!r}.")
    return bool(kg.similarity_ready) or len(kg) <= LARGE_GRAPH


def compute(kg: KnowledgeGraph, button: widgets.Button, progress: widgets.Output) -> float:
    """Compute the vectors, with a progress bar in ``progress``; return the seconds taken.

    ``button`` is disabled and says "Computing…" meanwhile. Errors propagate (the caller
    shows them).
    """
    label = button.description
    button.disabled, button.description = True, "Computing…"
    started = time.perf_counter()
    try:
        with progress:
            kg.compute_similarity(progress=True)
    finally:
        button.disabled, button.description = False, label
    return time.perf_counter() - started
