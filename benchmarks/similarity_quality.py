"""How good are the similarity candidates on real data (SciFact)?

Prints, at the default settings (wordllama, its calibrated threshold):
- how many exact-duplicate claim texts (same text, case-insensitive, under two ids) the
  candidate list finds, and with which label;
- the top 50 candidates, each with two automatic relatedness signals (the claims cite a
  common paper; the texts are near-copies by rapidfuzz ratio >= 85), for a reader to judge;
- the cosine of a few named pairs.

Run: .venv/bin/python benchmarks/similarity_quality.py [--data data/scifact] [--top 50]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz

import explorer

ROOT = Path(__file__).resolve().parents[1]
SHOWN_PAIRS = [  # SciFact ids; see data/scifact/SOURCE.md and ../shared/data/scifact/SOURCE.md
    ("claim:scifact-0", "claim:scifact-1"),  # "... lack inductive properties" / "... show ..."
    ("claim:scifact-85", "claim:scifact-86"),  # the same text under two ids
    ("claim:scifact-2", "claim:scifact-5"),  # "1 in 5 million ..." / "1/2000 in UK ..."
    ("claim:scifact-868", "claim:scifact-874"),  # "Obesity decreases / prolongs life expectancy"
    ("claim:scifact-872", "claim:scifact-873"),  # "in part by genetic / solely by environmental"
    ("claim:scifact-0", "claim:scifact-2"),  # unrelated
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "scifact")
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--embedder", default=None)
    args = parser.parse_args()

    kg = explorer.load(args.data)
    if args.embedder:
        kg.set_embedder(args.embedder)
    found = kg.candidates()
    threshold = found.attrs["min_cosine"]
    print(f"embedder: {kg.similarity.source} · threshold {threshold} · "
          f"{len(found):,} candidate pairs ({(found['label'] == 'possible duplicate').sum():,} "
          "possible duplicates)")

    claims = kg.entities[kg.entities["kind"] == "claim"]
    groups = claims.groupby(claims["title"].str.lower().str.strip())["id"].apply(list)
    duplicate_pairs = [
        tuple(sorted(pair)) for ids in groups if len(ids) > 1
        for pair in itertools.combinations(ids, 2)
    ]
    keyed = {tuple(sorted(p)): label for p, label in
             zip(zip(found["id_a"], found["id_b"], strict=True), found["label"], strict=True)}
    hits = [p for p in duplicate_pairs if p in keyed]
    labels = pd.Series([keyed[p] for p in hits]).value_counts().to_dict()
    print(f"\nexact-duplicate claim texts: {len(duplicate_pairs)} pairs; found {len(hits)} "
          f"({labels})")
    for pair in duplicate_pairs:
        print(f"  {'found' if pair in keyed else 'MISSED'}  {pair[0]} = {pair[1]}")

    cited = kg.edges.groupby("source")["target"].apply(set).to_dict()
    top = found.head(args.top)
    share_paper = near_copy = either = 0
    print(f"\ntop {args.top} candidates (cosine, label, common cited paper?, near-copy text?):")
    for row in top.itertuples(index=False):
        common = bool(cited.get(row.id_a, set()) & cited.get(row.id_b, set()))
        copy = fuzz.ratio(row.title_a.lower(), row.title_b.lower()) >= 85
        share_paper += common
        near_copy += copy
        either += common or copy
        print(f"  {row.cosine:.3f} {row.label[:9]:9} {'P' if common else '-'}{'C' if copy else '-'}"
              f"  {row.title_a[:70]!r} ~ {row.title_b[:70]!r}")
    print(f"\nof the top {len(top)}: {share_paper} cite a common paper, {near_copy} are "
          f"near-copies, {either} either")

    vectors = kg.similarity.vectors
    print("\ncosine of named pairs:")
    for a, b in SHOWN_PAIRS:
        if a in kg and b in kg:
            cosine = float(vectors[kg.position(a)] @ vectors[kg.position(b)])
            title_a, title_b = kg.entity(a)["title"][:60], kg.entity(b)["title"][:60]
            print(f"  {cosine:.3f}  {title_a!r} ~ {title_b!r}")


if __name__ == "__main__":
    main()
