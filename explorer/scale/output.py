"""Spark's output folder streamed into one Parquet file, replaced atomically.

Spark writes a folder of part files, ``part-00000-...``, ``part-00001-...``, in the
order of its partitions; after a global sort, that is the rows' order. The driver reads
them back one record batch at a time (its memory holds one batch, not the frame) and
writes one file through :func:`explorer.atomic.atomic_path`: ``out`` is either the
complete new file or untouched.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..analysis.candidates import CANDIDATE_COLUMNS
from ..atomic import atomic_path

__all__ = ["CANDIDATE_SCHEMA", "merge_parts"]

_NUMBERS = {"score", "cosine", "lexical"}
#: The columns of a candidates file, as the Spark engine writes them.
CANDIDATE_SCHEMA = pa.schema(
    [(c, pa.float64() if c in _NUMBERS else pa.string()) for c in CANDIDATE_COLUMNS]
)


def merge_parts(folder: str | Path, out: str | Path, *, batch_size: int = 65_536) -> int:
    """Concatenate the part files of ``folder``, in name order, into the file ``out``.

    Returns
    -------
    int
        Rows written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> tmp = Path(tempfile.mkdtemp())
    >>> row = {c: ["x"] for c in CANDIDATE_COLUMNS} | {"score": [1.0], "cosine": [0.9],
    ...                                               "lexical": [0.5]}
    >>> for k in (1, 0):
    ...     pd.DataFrame(row).assign(id_a=f"a{k}").to_parquet(tmp / f"part-0000{k}.parquet")
    >>> merge_parts(tmp, tmp / "out.parquet")
    2
    >>> pd.read_parquet(tmp / "out.parquet")["id_a"].tolist()
    ['a0', 'a1']
    """
    parts = sorted(Path(folder).glob("part-*.parquet"))
    rows = 0
    with atomic_path(out) as tmp:
        with pq.ParquetWriter(tmp, CANDIDATE_SCHEMA, compression="zstd") as writer:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches(
                    batch_size=batch_size, columns=CANDIDATE_COLUMNS
                ):
                    table = pa.Table.from_batches([batch]).cast(CANDIDATE_SCHEMA)
                    writer.write_table(table)
                    rows += table.num_rows
    return rows
