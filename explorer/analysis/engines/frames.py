"""The tidy frames the engines' results are returned in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...errors import EmbeddingError

__all__ = ["empty_ids_frame", "fitted_ids", "pairs_frame"]


def empty_ids_frame() -> pd.DataFrame:
    """An empty ``id, neighbor_id, cosine`` frame with the right dtypes."""
    return pd.DataFrame(
        {
            "id": pd.Series([], dtype=object),
            "neighbor_id": pd.Series([], dtype=object),
            "cosine": np.array([], dtype=np.float32),
        }
    )


def pairs_frame(i: np.ndarray, j: np.ndarray, cosine: np.ndarray) -> pd.DataFrame:
    """Build the tidy pairs frame sorted by cosine (desc), then i, then j."""
    order = np.lexsort((j, i, -cosine))
    return pd.DataFrame(
        {
            "i": i[order].astype(np.int64, copy=False),
            "j": j[order].astype(np.int64, copy=False),
            "cosine": cosine[order].astype(np.float32, copy=False),
        }
    )


def fitted_ids(ids: Sequence[str] | pd.Index | None, n: int) -> tuple[np.ndarray, pd.Index]:
    """The ids of ``n`` fitted rows as an object array and a unique index (``"0"..`` if none)."""
    if isinstance(ids, pd.Index) and len(ids) == n and ids.is_unique:
        id_array = ids.to_numpy(dtype=object)
    elif ids is None:
        id_array = np.array([str(k) for k in range(n)], dtype=object)
    else:
        id_array = np.array([str(v) for v in ids], dtype=object)
        if id_array.shape != (n,):
            raise EmbeddingError(
                f"ids has {len(id_array)} entries but vectors has {n} rows; give one id per row."
            )
    position = ids if isinstance(ids, pd.Index) else pd.Index(id_array)
    if not position.is_unique:
        dupes = position[position.duplicated()].unique()[:5].tolist()
        raise EmbeddingError(f"ids must be unique; repeated: {dupes}.")
    return id_array, position
