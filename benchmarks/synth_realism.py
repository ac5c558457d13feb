"""How alike synthetic texts are, next to real ones: pairs above the similarity threshold.

Usage (from the repository root)::

    .venv/bin/python benchmarks/synth_realism.py                       # scifact, 10k, 100k
    .venv/bin/python benchmarks/synth_realism.py --sizes 10000 1000000 --sample 20000

For ``data/scifact`` (``explorer.load``, ``kg.similarity.vectors``) and for synthetic graphs of
each size (``explorer.testing.synth.synthesize``, seed 0, texts from
``explorer.analysis.texts.entity_texts`` embedded with wordllama), counts the pairs of entities
with cosine >= the embedder's default threshold (wordllama: 0.60) by a blocked product of
the unit vectors (upper triangle only), and prints one markdown table: pairs, pairs per
entity, median partners per entity and the share of entities with at least one partner.
Above ``--exact-up-to`` entities the counts are estimated from ``--sample`` random rows
compared with every entity (marked ``~``). Synthetic rows also give the generation time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = 4096


def count_pairs(vectors: np.ndarray, threshold: float) -> tuple[int, np.ndarray]:
    """Pairs ``i < j`` with ``vectors[i] @ vectors[j] >= threshold``, and partners per row.

    Examples
    --------
    >>> v = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    >>> pairs, partners = count_pairs(v, 0.6)
    >>> pairs, partners.tolist()
    (1, [1, 1, 0])
    """
    n = len(vectors)
    partners = np.zeros(n, dtype=np.int64)
    pairs = 0
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        for lo2 in range(lo, n, _BLOCK):
            hi2 = min(n, lo2 + _BLOCK)
            hit = vectors[lo:hi] @ vectors[lo2:hi2].T >= threshold
            if lo2 == lo:
                hit = np.triu(hit, 1)
            rows, cols = np.nonzero(hit)
            pairs += len(rows)
            partners += np.bincount(lo + rows, minlength=n)
            partners += np.bincount(lo2 + cols, minlength=n)
    return pairs, partners


def sample_partners(
    vectors: np.ndarray, threshold: float, sample: int, seed: int = 0
) -> tuple[float, np.ndarray]:
    """Estimated pairs, and the partners of ``sample`` random rows among all rows."""
    n = len(vectors)
    rows = np.sort(np.random.default_rng(seed).choice(n, min(sample, n), replace=False))
    partners = np.zeros(len(rows), dtype=np.int64)
    for lo in range(0, len(rows), 512):
        query = vectors[rows[lo : lo + 512]]
        for lo2 in range(0, n, 65_536):
            partners[lo : lo + 512] += (query @ vectors[lo2 : lo2 + 65_536].T >= threshold).sum(1)
    own = np.einsum("ij,ij->i", vectors[rows], vectors[rows]) >= threshold  # itself
    partners -= own
    return float(partners.mean()) * n / 2, partners


def row(label: str, vectors: np.ndarray, threshold: float, exact_up_to: int, sample: int,
        seconds: float | None) -> str:
    n = len(vectors)
    if n <= exact_up_to:
        pairs, partners = count_pairs(vectors, threshold)
        mark = ""
    else:
        pairs, partners = sample_partners(vectors, threshold, sample)
        mark = "~"
    cells = [
        label,
        f"{n:,}",
        f"{mark}{pairs:,.0f}",
        f"{mark}{pairs / n:.2f}",
        f"{mark}{np.median(partners):.0f}",
        f"{mark}{(partners > 0).mean():.1%}",
        "" if seconds is None else f"{seconds:.1f} s",
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scifact", type=Path, default=ROOT / "data" / "scifact")
    parser.add_argument("--exact-up-to", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args(argv)

    import explorer
    from explorer.analysis.embedding import embed
    from explorer.analysis.texts import entity_texts
    from explorer.testing.synth import synthesize

    threshold = explorer.get_embedder("wordllama").default_min_cosine
    print(f"wordllama, cosine >= {threshold:.2f}\n")
    print("| data | entities | pairs ≥ threshold | pairs / entity | median partners "
          "| share with a partner | generation |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    kg = explorer.load(args.scifact)
    vectors = np.ascontiguousarray(kg.similarity.vectors, dtype=np.float32)
    print(row("scifact", vectors, threshold, args.exact_up_to, args.sample, None), flush=True)
    for n in args.sizes:
        start = time.perf_counter()
        entities, _ = synthesize(n, seed=args.seed)
        seconds = time.perf_counter() - start
        vectors = embed(entity_texts(entities), "wordllama", progress=False).vectors
        del entities
        label = f"synthetic {n:,}"
        print(row(label, vectors, threshold, args.exact_up_to, args.sample, seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
