"""One step of a Hypothesis-generated curation sequence, shared by the curation tests."""

from __future__ import annotations

from explorer.curation import CurationError
from explorer.errors import ParameterError


def apply_step(kg, kind: str, x: int, y: int) -> None:
    """Apply ``kind`` (accept, reject, defer, merge, undo) to the entities picked by x, y.

    Refused decisions (self-pairs, cycles, nothing to undo) raise and change nothing.
    """
    ids = [i for i in kg.ids if not i.startswith("paper:")]
    a, b = ids[x % len(ids)], ids[y % len(ids)]
    try:
        if kind == "accept":
            kg.accept(a, b, "associated_with")
        elif kind == "undo":
            kg.undo()
        else:
            getattr(kg, kind)(a, b)
    except (CurationError, ParameterError):
        pass
