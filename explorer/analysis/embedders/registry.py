"""Built-in embedders by name: ``get_embedder("wordllama")``, converted once at the boundary."""

from __future__ import annotations

from functools import cache

from ...errors import ParameterError
from .minilm import MiniLMEmbedder
from .protocol import Embedder, EmbedderName
from .tfidf import TfidfEmbedder
from .wordllama import WordLlamaEmbedder

__all__ = ["get_embedder"]

_BUILTIN: dict[EmbedderName, type] = {
    EmbedderName.WORDLLAMA: WordLlamaEmbedder,
    EmbedderName.TFIDF: TfidfEmbedder,
    EmbedderName.MINILM: MiniLMEmbedder,
}


@cache
def _builtin(name: EmbedderName) -> Embedder:
    # One instance per process, so the model is loaded once.
    return _BUILTIN[name]()


def get_embedder(name: str | EmbedderName | Embedder = "wordllama") -> Embedder:
    """Return the embedder called ``name``, or ``name`` itself if it can encode.

    Parameters
    ----------
    name
        ``"wordllama"`` (default), ``"tfidf"`` or ``"minilm"``, or any object with
        an ``encode(texts)`` method.

    Returns
    -------
    Embedder
        Built-in embedders are shared within the process, so each model is
        loaded once.

    Raises
    ------
    ParameterError
        (a ``ValueError``) for an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> get_embedder("tfidf").name
    'tfidf-h18-ng12-en-log-p512x4-s0'
    >>> get_embedder("bert")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.ParameterError: embedder must be one of 'wordllama', ... got 'bert'.
    """
    if not isinstance(name, str) and callable(getattr(name, "encode", None)):
        return name  # type: ignore[return-value]
    try:
        key = EmbedderName(name)
    except ValueError:
        valid = ", ".join(repr(e.value) for e in EmbedderName)
        raise ParameterError(
            f"embedder must be one of {valid}, or an object with an encode(texts) method; "
            f"got {name!r}."
        ) from None
    return _builtin(key)
