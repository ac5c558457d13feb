"""The one "did you mean": the closest strings to a wrong one (rapidfuzz).

Used wherever a user can name something that is not there: an entity id, a column,
an embedder. Above ``MAX_CHOICES`` candidates the look-up would cost more than the error
it explains, so only an exact-prefix scan is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["MAX_CHOICES", "closest"]

#: Past this many choices, suggestions come from a prefix match only.
MAX_CHOICES = 200_000


def closest(wanted: str, choices: Sequence[str] | Iterable[str], limit: int = 3) -> list[str]:
    """The choices most like ``wanted``, best first (at most ``limit``).

    Examples
    --------
    >>> closest("claim:abc", ["claim:abd", "paper:xyz", "claim:abc-2"], limit=2)
    ['claim:abc-2', 'claim:abd']
    >>> closest("bert", ["wordllama", "tfidf", "minilm"])
    []
    """
    from rapidfuzz import fuzz, process, utils

    options = choices if isinstance(choices, Sequence) else list(choices)
    if len(options) > MAX_CHOICES:
        prefix = str(wanted)[: max(len(str(wanted)) - 2, 1)]
        return [str(c) for c in options if str(c).startswith(prefix)][:limit]
    hits = process.extract(
        str(wanted), options, scorer=fuzz.WRatio, processor=utils.default_process,
        limit=limit, score_cutoff=50,
    )
    return [str(hit[0]) for hit in hits]
