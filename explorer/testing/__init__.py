"""Tools for tests and benchmarks: synthetic graphs. Not imported by ``import explorer``."""
