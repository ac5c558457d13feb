"""faiss IVF ``range_search`` against the clustered engine: seconds (median) and recall.

Usage::

    .venv/bin/python benchmarks/engines.py --vectors /tmp/s2/x-n100000.npy [--repeat 3]

``--vectors`` is a ``.npy`` of unit float32 rows (no zero rows), e.g. saved from
``explorer.load(dir).similarity.vectors``. Recall is against :func:`exact_pairs` on the
same vectors; above 200,000 rows, against the exact pairs of a seeded sample of 2,000
rows. Prints one Markdown row per engine and states ``OPENBLAS_CORETYPE``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from explorer.analysis.engines.clustered import clustered_pairs
from explorer.analysis.engines.exact import exact_pairs
from explorer.analysis.engines.faiss_ivf import build_ivf, faiss_pairs


def truth(x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray | None]:
    m = len(x)
    if m <= 200_000:
        i, j, _ = exact_pairs(x, t, progress=False)
        return i * m + j, None
    rows = np.sort(np.random.default_rng(1).choice(m, 2000, replace=False))
    r, c = np.nonzero(x[rows] @ x.T >= np.float32(t))
    a, b = rows[r], c
    keep = a != b
    return np.minimum(a, b)[keep] * m + np.maximum(a, b)[keep], rows


def recall(found: np.ndarray, exact: np.ndarray, rows: np.ndarray | None, m: int) -> float:
    if rows is not None:
        i, j = np.divmod(found, m)
        found = found[np.isin(i, rows) | np.isin(j, rows)]
    return float(np.isin(np.unique(exact), found).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--threshold", type=float, default=0.60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=["faiss", "clustered"])
    args = parser.parse_args()
    x = np.ascontiguousarray(np.load(args.vectors), dtype=np.float32)
    m, t = len(x), args.threshold
    exact, rows = truth(x, t)

    def faiss_run() -> np.ndarray:
        vi, vj, _ = faiss_pairs(build_ivf(x, nlist=None, nprobe=16, seed=0), x, t, progress=False)
        return vi * m + vj

    def clustered_run() -> np.ndarray:
        vi, vj, _ = clustered_pairs(x, t, progress=False)
        return vi * m + vj

    runs = {"faiss": faiss_run, "clustered": clustered_run}
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"load average {os.getloadavg()[0]:.1f}, {m:,} x {x.shape[1]}, t={t}")
    print("| entities | engine | seconds (median) | runs | recall |")
    print("|---:|---|---:|---|---:|")
    for name in args.engines:
        times, found = [], None
        for _ in range(args.repeat):
            start = time.perf_counter()
            found = runs[name]()
            times.append(time.perf_counter() - start)
        shown = ", ".join(f"{v:.1f}" for v in times)
        print(f"| {m:,} | {name} | {statistics.median(times):.2f} | {shown} | "
              f"{recall(found, exact, rows, m):.4f} |", flush=True)


if __name__ == "__main__":
    main()
