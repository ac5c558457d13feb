"""Colours for entity kinds, shared by the card, the graph and the widgets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["FALLBACK_COLORS", "KNOWN_KIND_COLORS", "kind_color", "kind_colors"]

#: Colours of the kinds every graph has, in a fixed order (Tableau 10).
KNOWN_KIND_COLORS: dict[str, str] = {
    "claim": "#4e79a7",
    "finding": "#59a14f",
    "method": "#f28e2b",
    "question": "#b07aa1",
    "paper": "#9c755f",
    "note": "#bab0ac",
}
#: Colours for any other kind, chosen by a stable hash of the kind's name.
FALLBACK_COLORS: tuple[str, ...] = (
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#17becf",
    "#bcbd22",
    "#637939",
)

def kind_colors(kinds: Iterable[str]) -> dict[str, str]:
    """Map each kind to its colour: fixed for the usual kinds, hash-stable for the others.

    The usual kinds (claim, finding, method, question, paper, note; case-insensitive)
    always get the same colours. Any other kind gets a colour from a second palette
    chosen by a hash of its name, so it is the same in every session and every graph
    (two rare kinds may share a colour).

    Parameters
    ----------
    kinds
        Kind names; repeats are fine.

    Returns
    -------
    dict[str, str]
        ``{kind: "#rrggbb"}`` for each distinct kind, in order of first appearance.

    Examples
    --------
    >>> kind_colors(["claim", "paper", "claim"])
    {'claim': '#4e79a7', 'paper': '#9c755f'}
    >>> kind_colors(["dataset"]) == kind_colors(["dataset"])
    True
    """
    colors: dict[str, str] = {}
    for kind in kinds:
        kind = str(kind)
        if kind in colors:
            continue
        known = KNOWN_KIND_COLORS.get(kind.lower())
        if known is None:
            digest = hashlib.sha1(kind.encode("utf-8")).digest()
            known = FALLBACK_COLORS[int.from_bytes(digest[:4], "big") % len(FALLBACK_COLORS)]
        colors[kind] = known
    return colors



def kind_color(kind: str) -> str:
    """Return the colour of one kind (see :func:`kind_colors`).

    Examples
    --------
    >>> kind_color("claim")
    '#4e79a7'
    """
    return kind_colors([kind])[str(kind)]
