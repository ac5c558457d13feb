"""Embedders: one module per library, behind the :class:`~.protocol.Embedder` protocol."""
