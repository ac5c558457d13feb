"""Thresholds and search choices shared by every similarity engine, each defined once."""

from __future__ import annotations

import math
import numbers
from enum import Enum
from typing import Any

from ..choices import as_choice
from ..errors import ParameterError

__all__ = [
    "DEFAULT_EXACT_MAX", "DEFAULT_MIN_COSINE", "Method", "as_method", "check_min_cosine",
]

#: Threshold for "related by similarity" where the vectors' scale is unknown (the data's
#: own vectors); each built-in embedder carries its own calibrated ``default_min_cosine``.
DEFAULT_MIN_COSINE = 0.65

#: Largest number of embedded entities for which ``method="auto"`` lists pairs exactly;
#: above it, the clustered engine (approximate). See ``docs/performance.md``.
DEFAULT_EXACT_MAX = 20_000


class Method(str, Enum):
    """How the whole graph is searched for pairs above a threshold."""

    AUTO = "auto"
    EXACT = "exact"
    BRUTE = "brute"
    FAISS = "faiss"
    CLUSTERED = "clustered"  # k-means lists, one matmul each (docs/performance.md)


def as_method(value: str | Method) -> Method:
    """The user's ``method`` as a :class:`Method` (a clear error for anything else)."""
    return as_choice(Method, value, "method")


def check_min_cosine(value: Any, *, name: str = "min_cosine") -> float:
    """Validate a cosine threshold and return it as a float.

    Parameters
    ----------
    value
        The threshold, a real number in [-1, 1].
    name
        The parameter's name, used in the error message.

    Returns
    -------
    float
        ``value`` as a Python float.

    Raises
    ------
    ParameterError
        (a ``ValueError``) if ``value`` is not a real number, is NaN, or lies
        outside [-1, 1].

    Examples
    --------
    >>> check_min_cosine(0.65)
    0.65
    >>> check_min_cosine(1.5)
    Traceback (most recent call last):
    ...
    explorer.errors.ParameterError: min_cosine must be a cosine in [-1, 1]; got 1.5.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be a cosine in [-1, 1] (a real number); got {value!r}.")
    result = float(value)
    if math.isnan(result) or not -1.0 <= result <= 1.0:
        raise ParameterError(f"{name} must be a cosine in [-1, 1]; got {value!r}.")
    return result


