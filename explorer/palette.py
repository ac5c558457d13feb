"""Colours for entity kinds, shared by the card, the graph and the widgets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["KNOWN_KIND_COLORS", "kind_color", "kind_colors"]

KNOWN_KIND_COLORS: dict[str, str] = {
    "claim": "#1f6feb",
    "finding": "#1a7f37",
    "method": "#bf8700",
    "question": "#8250df",
    "paper": "#57606a",
    "note": "#bc4c00",
}
_FALLBACK = ["#cf222e", "#0a7ea4", "#6e7781", "#953800", "#116329", "#a475f9", "#e16f24", "#3192aa"]


def kind_color(kind: str) -> str:
    """A stable colour for a kind: a fixed one for the usual kinds, else hash-chosen.

    Examples
    --------
    >>> kind_color("claim")
    '#1f6feb'
    >>> kind_color("dataset") == kind_color("dataset")
    True
    """
    if kind in KNOWN_KIND_COLORS:
        return KNOWN_KIND_COLORS[kind]
    digest = hashlib.blake2b(str(kind).encode("utf-8"), digest_size=2).digest()
    return _FALLBACK[int.from_bytes(digest, "big") % len(_FALLBACK)]


def kind_colors(kinds: Iterable[str]) -> dict[str, str]:
    """Colour of each kind in ``kinds``."""
    return {str(kind): kind_color(str(kind)) for kind in kinds}
