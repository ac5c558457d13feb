"""Importers of public datasets into the data contract."""
