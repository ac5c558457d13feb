"""Words for display: the one plural rule (and its inverse), and shortening long text.

Both the loader (``claims.csv`` holds kind ``claim``) and the card (heading ``Claims (3)``)
use these two functions, so a kind read from a file name and the heading shown for it
always agree.
"""

from __future__ import annotations

__all__ = ["plural", "singular", "shorten"]

_VOWELS = "aeiou"


def plural(word: str) -> str:
    """The plural of an English kind name.

    Examples
    --------
    >>> [plural(w) for w in ["finding", "analysis", "study", "class", "box", "day"]]
    ['findings', 'analyses', 'studies', 'classes', 'boxes', 'days']
    """
    if word.endswith("is") and len(word) > 2:
        return word[:-2] + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def singular(word: str) -> str:
    """The singular of a plural made by :func:`plural` (``singular(plural(w)) == w``).

    Examples
    --------
    >>> [singular(w) for w in ["claims", "analyses", "studies", "classes", "boxes", "method"]]
    ['claim', 'analysis', 'study', 'class', 'box', 'method']
    """
    if word.endswith(("yses", "eses", "oses")) and len(word) > 4:
        return word[:-2] + "is"
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut.

    Examples
    --------
    >>> shorten("Sleep improves memory consolidation", 12)
    'Sleep impro…'
    >>> shorten("short", 12)
    'short'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"
