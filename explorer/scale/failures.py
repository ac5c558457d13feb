"""Failures on the executors, raised on the driver as the explorer's own errors.

An error raised inside a ``mapInPandas`` function reaches the driver as a Spark
``PythonException`` whose text holds the worker's traceback. :func:`translated_errors`
finds the explorer error at its end (``explorer.errors.EmbeddingError: ...``) and raises
that instead, and turns an executor that cannot import the explorer into a message that
says to install it there.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from ..errors import EmbeddingError, ExplorerError, ParameterError, SchemaError
from .session import SparkUnavailableError

__all__ = ["translate", "translated_errors"]

_RAISED = re.compile(r"^explorer\.[\w.]*?(\w+Error): (.*)$", re.MULTILINE)
_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


def translate(err: BaseException) -> ExplorerError | None:
    r"""The explorer's own error behind a Spark job failure, or ``None`` if it is not one.

    Examples
    --------
    >>> translate(RuntimeError("Traceback ...\nexplorer.errors.EmbeddingError: NaN in 2 texts"))
    EmbeddingError('NaN in 2 texts')
    >>> translate(RuntimeError("disk full")) is None
    True
    """
    text = str(err)
    raised = _RAISED.findall(text)
    if raised:
        name, message = raised[-1]
        kinds: dict[str, type[ExplorerError]] = {
            "EmbeddingError": EmbeddingError, "ParameterError": ParameterError,
            "SchemaError": SchemaError, "SparkUnavailableError": SparkUnavailableError,
        }
        return kinds.get(name, ExplorerError)(message)
    missing = _NO_MODULE.search(text)
    if missing:
        return SparkUnavailableError(
            f"The Spark executors cannot import {missing.group(1)!r}. Install the explorer "
            "on every executor, the same version as on the driver: pip install "
            "'claim-graph-explorer[spark]' (see docs/scale-out.md)."
        )
    return None


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise an explorer error raised on an executor as itself, not as a Spark trace."""
    try:
        yield
    except ExplorerError:
        raise
    except Exception as err:
        mapped = translate(err)
        if mapped is None:
            raise
        raise mapped from err
