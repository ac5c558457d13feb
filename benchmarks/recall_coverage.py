"""Is ``kg.candidate_recall`` right? Its estimates against the recall counted over every pair.

    XDG_CACHE_HOME=/tmp/scale-s11/cache .venv/bin/python benchmarks/recall_coverage.py \\
        /tmp/scale-s11/n100000 [--samples 1000 2000 5000] [--trials 200]

Loads the graph, finds every pair above the embedder's threshold twice (``method="exact"``
and the default search, both through the pair cache) and counts the default search's true
recall over the unlinked pairs. Then it draws ``--trials`` random samples of entities of
each size and applies the estimator of :mod:`explorer.analysis.recall` to each (the same
per-entity counts, the same bootstrap): it prints the estimates' median, spread and bias,
and how often the 95 % interval holds the true recall (its coverage; 0.95 is right), then
one real ``kg.candidate_recall`` call per size with its seconds. The baseline is the true
recall itself; no embedding runs if the vectors are cached.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import explorer
from explorer.analysis.recall import _ratio_interval
from explorer.sorted_keys import in_sorted


def pair_keys(frame, n: int) -> np.ndarray:
    return np.sort(frame["i"].to_numpy(np.int64) * n + frame["j"].to_numpy(np.int64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--samples", type=int, nargs="*", default=[1000, 2000, 5000])
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()

    kg = explorer.load(args.data)
    state = kg.similarity
    n, threshold = len(kg), state.default_min_cosine
    exact = pair_keys(state.pairs(threshold, method="exact"), n)
    exact = exact[~in_sorted(exact, kg.linked_pair_keys())]
    found = in_sorted(exact, pair_keys(state.pairs(threshold), n))
    a, b = np.divmod(exact, np.int64(n))
    per_exact = (np.bincount(a, minlength=n) + np.bincount(b, minlength=n)).astype(np.float64)
    per_found = np.bincount(a, weights=found, minlength=n) + np.bincount(b, weights=found,
                                                                         minlength=n)
    truth = float(found.mean())
    method = state.index.resolved_method(None).value
    print(f"{args.data}: {n:,} entities, {len(exact):,} unlinked pairs at cosine >= "
          f"{threshold:g}; the default ({method}) finds {found.sum():,}: recall {truth:.4f}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(not set)')}")
    print("| sample | trials | median estimate | 2.5–97.5 % of estimates | bias | mean interval "
          "width | coverage of the 95 % interval | one kg.candidate_recall call |")
    print("|---|---|---|---|---|---|---|---|")
    valid = np.flatnonzero(np.asarray(state.index.nonzero_, dtype=bool))
    rng = np.random.default_rng(0)
    for size in args.samples:
        estimates, widths, covered = [], [], 0
        for _ in range(args.trials):
            chosen = rng.choice(valid, size=min(size, len(valid)), replace=False)
            recall, low, high = _ratio_interval(per_found[chosen], per_exact[chosen], rng)
            estimates.append(recall)
            widths.append(high - low)
            covered += low <= truth <= high
        t = time.perf_counter()
        kg.candidate_recall(sample=size, progress=False)
        seconds = time.perf_counter() - t
        lo, hi = np.nanquantile(estimates, [0.025, 0.975])
        print(f"| {size:,} | {args.trials} | {np.nanmedian(estimates):.4f} | {lo:.4f}–{hi:.4f} "
              f"| {np.nanmean(estimates) - truth:+.4f} | {np.nanmean(widths):.4f} "
              f"| {covered / args.trials:.3f} | {seconds:.2f} s |")


if __name__ == "__main__":
    main()
