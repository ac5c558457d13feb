"""Scale out: the whole-graph candidates on a Spark cluster (the ``[spark]`` extra).

:func:`spark_candidates` computes what :meth:`explorer.KnowledgeGraph.candidates` does,
with the same embedder, kernel and labelling, on the executors of a Spark cluster (or
``local[2]``), and writes one Parquet file. pyspark is imported only when it runs.
See ``docs/scale-out.md``.
"""

from .session import SparkUnavailableError, get_session
from .spark import spark_candidates

__all__ = ["SparkUnavailableError", "get_session", "spark_candidates"]
