"""Errors of the synthetic-graph generator (:mod:`explorer.testing.synth`)."""

from __future__ import annotations

from ..errors import ExplorerError

__all__ = ["MissingTextsError", "SynthError"]


class SynthError(ExplorerError, ValueError):
    """Arguments the generator cannot work with (a negative size, no usable text, ...).

    Examples
    --------
    >>> issubclass(SynthError, ExplorerError), issubclass(SynthError, ValueError)
    (True, True)
    """


class MissingTextsError(ExplorerError, FileNotFoundError):
    """The texts shipped with the package are not there; pass ``texts=`` instead.

    Examples
    --------
    >>> issubclass(MissingTextsError, FileNotFoundError)
    True
    """
