"""Keyboard shortcuts for the :class:`~.review.Review` (an invisible anywidget).

ipywidgets has no key events; the front end (``static/review_keys.js``) listens for keys
pressed while the focus is inside the Review and copies the key into :attr:`pressed`.
In a front end without anywidget the buttons still work, and each button's tooltip names
its key.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

__all__ = ["KEYS", "ReviewKeys"]

#: Key -> the Review action it runs.
KEYS = {
    "a": "accept", "r": "reject", "m": "merge", "d": "defer", "u": "undo", "s": "swap",
    "n": "next", "ArrowRight": "next", "p": "previous", "ArrowLeft": "previous",
}


class ReviewKeys(anywidget.AnyWidget):
    """Reports keys pressed inside a Review.

    Attributes
    ----------
    pressed
        The key last pressed (a key of :data:`KEYS`), ``""`` once Python has acted on it.
    """

    _esm = Path(__file__).resolve().parents[1] / "static" / "review_keys.js"
    pressed = traitlets.Unicode("").tag(sync=True)
