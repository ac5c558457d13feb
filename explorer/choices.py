"""Choices given as ``str | Enum``, converted once at the boundary."""

from __future__ import annotations

import numbers
from enum import Enum
from typing import Any, TypeVar

from .errors import ParameterError

__all__ = ["as_choice", "check_int"]

E = TypeVar("E", bound=Enum)


def as_choice(enum: type[E], value: Any, name: str) -> E:
    """``value`` as a member of ``enum``, or a :class:`ParameterError` listing the choices.

    Examples
    --------
    >>> from explorer.load.schema import OnError
    >>> as_choice(OnError, "report", "on_error").value
    'report'
    >>> as_choice(OnError, "skip", "on_error")
    Traceback (most recent call last):
    ...
    explorer.errors.ParameterError: on_error must be one of 'raise', 'report'; got 'skip'.
    """
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in enum)
        raise ParameterError(f"{name} must be one of {valid}; got {value!r}.") from None


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int at least ``minimum``, or a :class:`ParameterError`.

    Examples
    --------
    >>> check_int(3, "hops", 0)
    3
    >>> check_int(-1, "hops", 0)
    Traceback (most recent call last):
    ...
    explorer.errors.ParameterError: hops must be an integer >= 0; got -1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)
