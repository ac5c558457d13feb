"""Calibrate each built-in embedder's ``default_min_cosine`` on SciFact claims.

For every embedder this prints, on the 1,409 SciFact claims (train + dev + test):

- near-copy pairs: claims that differ by a few characters (rapidfuzz ratio >= 85,
  not identical ignoring case), mostly negations such as id 0 "... lack inductive
  properties" / id 1 "... show inductive properties";
- exact duplicates (identical ignoring case, different ids);
- same-evidence pairs: two claims whose evidence is the same abstract (related, not copies);
- random pairs: claims sharing no cited document, ids more than 20 apart (unrelated);
- each claim's nearest-neighbour cosine (duplicates excluded);
- the fraction of all pairs at or above candidate thresholds.

It prints how each embedder's current ``default_min_cosine`` splits them. With ``--reference
minilm`` (needs the ``minilm`` extra) it also prints, for each embedder, the cosine
that passes the same share of all pairs as 0.65 does on MiniLM, and how well each
threshold reproduces MiniLM's pairs >= 0.65 (precision, recall, and the share of pairs
in each 0.05 band that MiniLM relates). The defaults were chosen as the lowest 0.05 step
whose band is mostly (> 50 %) related on MiniLM, checking that near-copies stay above and
random pairs far below.

Run:  .venv/bin/python benchmarks/calibrate_thresholds.py [--embedders wordllama tfidf]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.analysis.embedders.registry import get_embedder  # noqa: E402

DATA = Path("/work/shared/data/scifact")
QS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def load_claims() -> tuple[list[int], list[str], list[set[str]], list[set[str]]]:
    ids, texts, cited, evidence = [], [], [], []
    for split in ("train", "dev", "test"):
        for line in (DATA / f"claims_{split}.jsonl").open(encoding="utf-8"):
            rec = json.loads(line)
            ids.append(rec["id"])
            texts.append(rec["claim"])
            cited.append({str(d) for d in rec.get("cited_doc_ids", [])})
            evidence.append(set(rec.get("evidence", {})))
    return ids, texts, cited, evidence


def pair_sets(ids, texts, cited, evidence, rng):
    from rapidfuzz import fuzz, process

    n = len(texts)
    lower = [t.lower() for t in texts]
    ratio = process.cdist(lower, lower, scorer=fuzz.ratio, workers=2)
    iu = np.triu_indices(n, 1)
    same = np.array([lower[i] == lower[j] for i, j in zip(*iu, strict=True)])
    near = (ratio[iu] >= 85) & ~same
    dup_pairs = np.stack([iu[0][same], iu[1][same]], axis=1)
    near_pairs = np.stack([iu[0][near], iu[1][near]], axis=1)
    ev_pairs = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if evidence[i] & evidence[j] and ratio[i, j] < 85
    ]
    rand = []
    while len(rand) < 20_000:
        i, j = rng.integers(0, n, 2)
        # SciFact writes variants of a claim under neighbouring ids: keep ids apart.
        far = abs(ids[i] - ids[j]) > 20
        if far and not (cited[i] & cited[j]) and ratio[i, j] < 85:
            rand.append((min(i, j), max(i, j)))
    return dup_pairs, near_pairs, np.array(ev_pairs), np.array(rand), same, iu


def cos_of(vectors: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", vectors[pairs[:, 0]], vectors[pairs[:, 1]])


def fmt_q(values: np.ndarray) -> str:
    qs = np.quantile(values, QS)
    return " ".join(f"p{int(q * 100):02d}={v:.3f}" for q, v in zip(QS, qs, strict=True))


def report(name, vectors, sets, ids, texts, ref_fraction=None, ref_pairs=None):
    dup_pairs, near_pairs, ev_pairs, rand_pairs, same, iu = sets
    sim = vectors @ vectors.T
    all_pairs = sim[iu]
    near = cos_of(vectors, near_pairs)
    rand = cos_of(vectors, rand_pairs)
    ev = cos_of(vectors, ev_pairs)
    dup = cos_of(vectors, dup_pairs)
    nn_sim = sim.copy()
    np.fill_diagonal(nn_sim, -np.inf)
    dup_mask = np.zeros_like(nn_sim, dtype=bool)
    dup_mask[dup_pairs[:, 0], dup_pairs[:, 1]] = True
    dup_mask[dup_pairs[:, 1], dup_pairs[:, 0]] = True
    nn_sim[dup_mask] = -np.inf
    nn = nn_sim.max(axis=1)

    print(f"\n=== {name}  (dim {vectors.shape[1]}) ===")
    print(f"exact duplicates    n={len(dup):5d}  min={dup.min():.3f}")
    print(f"near-copy pairs     n={len(near):5d}  {fmt_q(near)}")
    print(f"same-evidence pairs n={len(ev):5d}  {fmt_q(ev)}")
    print(f"random pairs        n={len(rand):5d}  {fmt_q(rand)}  max={rand.max():.3f}")
    print(f"nearest neighbour   n={len(nn):5d}  {fmt_q(nn)}")
    print(f"all pairs           n={len(all_pairs):,}  {fmt_q(all_pairs)}")
    print("threshold  near>=   evid>=   rand>=      allpairs>=   claims with a neighbour")
    for t in np.arange(0.40, 0.951, 0.05):
        print(
            f"  {t:.2f}    {np.mean(near >= t):6.1%}   {np.mean(ev >= t):6.1%}   "
            f"{np.mean(rand >= t):8.4%}   {np.mean(all_pairs >= t):9.4%}   "
            f"{np.mean(nn >= t):6.1%}"
        )
    current = float(get_embedder(name.split(" ")[0]).default_min_cosine)
    print(
        f"default_min_cosine {current:.2f}: near-copies above {np.mean(near >= current):.1%}, "
        f"random pairs above {np.mean(rand >= current):.4%}, claims with a neighbour "
        f"{np.mean(nn >= current):.1%}"
    )
    lo = near.argsort()[:3]
    for k in lo:
        i, j = near_pairs[k]
        print(
            f"  lowest near-copy {near[k]:.3f}: [{ids[i]}] {texts[i]!r} / [{ids[j]}] {texts[j]!r}"
        )
    hi = rand.argsort()[-3:][::-1]
    for k in hi:
        i, j = rand_pairs[k]
        print(
            f"  highest random   {rand[k]:.3f}: [{ids[i]}] {texts[i]!r} / [{ids[j]}] {texts[j]!r}"
        )
    fraction = (float(np.mean(all_pairs >= 0.65)), float(np.mean(nn >= 0.65)))
    if ref_fraction is not None:
        matched = float(np.quantile(all_pairs, 1 - ref_fraction[0]))
        matched_nn = float(np.quantile(nn, 1 - ref_fraction[1]))
        print(
            f"matched to 0.65 on the reference: {matched:.3f} passes the same share of all "
            f"pairs, {matched_nn:.3f} gives the same share of claims a neighbour"
        )
    if ref_pairs is not None:
        print(f"agreement with reference pairs >= 0.65 (n={int(ref_pairs.sum()):,}):")
        for t in np.arange(0.30, 0.701, 0.05):
            mine = all_pairs >= t
            band = (all_pairs >= t) & (all_pairs < t + 0.05)
            print(
                f"  {t:.2f}: {int(mine.sum()):6,} pairs, precision {np.mean(ref_pairs[mine]):.2f}, "
                f"recall {np.mean(mine[ref_pairs]):.2f}; pairs in [{t:.2f}, {t + 0.05:.2f}) "
                f"related on the reference: {np.mean(ref_pairs[band]):.0%}"
            )
    return fraction, all_pairs >= 0.65


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", nargs="+", default=["wordllama", "tfidf"])
    parser.add_argument("--reference", default=None, help="e.g. minilm")
    args = parser.parse_args()

    ids, texts, cited, evidence = load_claims()
    rng = np.random.default_rng(42)
    sets = pair_sets(ids, texts, cited, evidence, rng)
    print(f"{len(texts)} claims; {len(sets[0])} exact-duplicate pairs, {len(sets[1])} near-copy")
    print(f"pairs, {len(sets[2])} same-evidence pairs, {len(sets[3])} random pairs")

    ref_fraction = ref_pairs = None
    if args.reference:
        t0 = time.perf_counter()
        vectors = get_embedder(args.reference).encode(texts)
        print(f"[{args.reference}: encoded in {time.perf_counter() - t0:.1f}s]")
        ref_fraction, ref_pairs = report(args.reference + " (reference)", vectors, sets, ids, texts)
        print(
            f"on {args.reference} at 0.65: {ref_fraction[0]:.4%} of all pairs, "
            f"{ref_fraction[1]:.1%} of claims have a neighbour"
        )
    for name in args.embedders:
        t0 = time.perf_counter()
        vectors = get_embedder(name).encode(texts)
        print(f"[{name}: encoded in {time.perf_counter() - t0:.1f}s]")
        report(name, vectors, sets, ids, texts, ref_fraction, ref_pairs)


if __name__ == "__main__":
    main()
