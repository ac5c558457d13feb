"""The one rule for progress bars: shown when asked, or when the work should take a while.

Every long loop (embedding, whole-graph similarity, synthetic graphs) calls
:func:`progress_bar` with an estimate of its duration; with ``show=None`` a bar appears
when that estimate reaches ``MIN_SECONDS``. One rule, so a user sees a bar for any wait
of a few seconds and never for a blink.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MIN_SECONDS", "progress_bar", "shows"]

#: With ``show=None``, work expected to take at least this long shows a bar.
MIN_SECONDS = 2.0


def shows(show: bool | None, expected_seconds: float) -> bool:
    """Whether a bar is shown.

    Examples
    --------
    >>> shows(None, 0.5), shows(None, 10.0), shows(True, 0.0), shows(False, 99.0)
    (False, True, True, False)
    """
    return expected_seconds >= MIN_SECONDS if show is None else bool(show)


def progress_bar(
    total: int, *, desc: str, unit: str = "it", show: bool | None = None,
    expected_seconds: float = 0.0,
) -> Any:
    """A ``tqdm.auto`` bar (a notebook widget in Jupyter, text in a terminal).

    Parameters
    ----------
    total
        Steps the work takes.
    desc, unit
        Shown on the bar.
    show
        ``True`` or ``False`` force it; ``None`` applies the rule above.
    expected_seconds
        The caller's estimate of the whole work's duration.
    """
    from tqdm.auto import tqdm

    disable = not shows(show, expected_seconds)
    return tqdm(total=total, desc=desc, unit=unit, disable=disable, leave=False)
