"""The tidy frames the engines' results are returned in."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["empty_ids_frame", "pairs_frame"]


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
