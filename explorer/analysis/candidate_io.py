"""Candidate frames on disk: written atomically (CSV or Parquet), read back the same."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from ..errors import SchemaError
from .pair_labels import LABELS

__all__ = ["read_candidates", "write_candidates"]

REQUIRED = ("id_a", "id_b", "cosine")


def write_candidates(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a candidates frame, best first as it is: ``.parquet``, else CSV.

    The file appears complete or not at all (a temporary file beside it, then a rename).
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return path


def read_candidates(path: str | Path) -> pd.DataFrame:
    """Read a frame written by :func:`write_candidates` or the Spark engine.

    Raises
    ------
    SchemaError
        The file is missing or lacks the columns ``id_a, id_b, cosine``.
    """
    path = Path(path)
    if not path.is_file():
        raise SchemaError("no such candidates file.", file=str(path),
                          hint="Write one with: python -m explorer candidates --out FILE")
    frame = (pd.read_parquet(path) if path.suffix.lower() == ".parquet"
             else pd.read_csv(path, dtype={"id_a": str, "id_b": str}, keep_default_na=False,
                              na_values=[""]))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(f"missing column {missing[0]!r}.", file=str(path), column=missing[0],
                          hint="A candidates file has columns id_a, id_b, cosine, label, ...")
    if "label" in frame.columns:
        frame["label"] = pd.Categorical(frame["label"].astype(str), categories=list(LABELS))
    for column in ("shared", "differs", "reason"):
        if column in frame.columns:
            frame[column] = frame[column].fillna("")
    frame.attrs = {"source": str(path)}
    return frame
