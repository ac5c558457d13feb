"""Similarity engines: how the whole graph is searched for pairs above a threshold."""
