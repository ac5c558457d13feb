"""Importers: turn public datasets into data directories in the explorer's format."""

from explorer.importers.scifact import import_scifact

__all__ = ["import_scifact"]
