"""Benchmark of explorer.similarity on SciFact texts embedded with wordllama.

For each size it measures, each step in a fresh subprocess (so that peak memory
is the step's own):

* embedding the texts with wordllama (model load not counted, reported apart);
* building the index and listing every pair with cosine >= 0.65, with
  scikit-learn brute ``radius_neighbors`` (the baseline), the exact blocked
  matmul, and faiss IVF (approximate; recall measured against exact).

Peak memory is the process's peak resident set during the step (VmHWM, reset
through /proc/self/clear_refs before the step) minus its resident set just
before it: what the step itself needed. tracemalloc would miss BLAS buffers.

Usage::

    .venv/bin/python benchmarks/similarity.py --sizes 1000 10000 100000 --repeats 3

Repeats: the median of ``--repeats`` runs for sizes up to 10,000, one run above
(``--big-repeats``), as the table says.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "scifact"
MIN_COSINE = 0.65
METHODS = ("brute", "exact", "faiss")
CHEAP_MAX = 10_000  # sizes up to this get --repeats runs, larger ones --big-repeats

sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------- texts


def scifact_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` texts from SciFact: claims, titles, abstract sentences, then variants.

    Distinct originals come first (shuffled); past them, two-sentence windows of
    abstracts, then copies with one word dropped (rounds repeat as needed).
    """
    rng = np.random.default_rng(seed)
    claims: list[str] = []
    for name in ("claims_train.jsonl", "claims_dev.jsonl", "claims_test.jsonl"):
        with open(SCIFACT / name, encoding="utf-8") as fh:
            claims += [json.loads(line)["claim"] for line in fh]
    titles, sentences, windows = [], [], []
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            titles.append(doc["title"])
            abstract = [s.strip() for s in doc["abstract"] if s.strip()]
            sentences += abstract
            windows += [" ".join(abstract[k : k + 2]) for k in range(len(abstract) - 1)]
    base = list(dict.fromkeys(t for t in claims + titles + sentences if t.strip()))
    base = [base[k] for k in rng.permutation(len(base))]
    texts = base[:n]
    if len(texts) < n:
        windows = list(dict.fromkeys(windows))
        texts += [windows[k] for k in rng.permutation(len(windows))][: n - len(texts)]
    while len(texts) < n:
        for text in base:
            words = text.split()
            if len(words) > 3:
                del words[int(rng.integers(len(words)))]
                texts.append(" ".join(words))
                if len(texts) == n:
                    break
    return texts


def encoder():
    """The project's wordllama embedder, or wordllama directly if embed.py is absent."""
    try:
        from explorer.analysis.embedders.registry import get_embedder

        return get_embedder("wordllama").encode
    except ImportError:
        import wordllama
        from wordllama import WordLlama

        model = WordLlama.load(
            cache_dir=Path(wordllama.__file__).resolve().parent, disable_download=True
        )

        def encode(texts: list[str]) -> np.ndarray:
            x = np.asarray(model.embed(texts, norm=False, batch_size=64), dtype=np.float32)
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            return x / np.where(norms > 0, norms, 1)

        return encode


# ------------------------------------------------------- memory helpers


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> float:
    """Reset the peak resident set (Linux) and return the current one, MiB."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    return _status_mib("VmRSS")


def peak() -> float:
    """Peak resident set since the last reset, MiB."""
    return _status_mib("VmHWM")


# --------------------------------------------------------- child steps


def step_embed(args: argparse.Namespace) -> dict:
    texts = scifact_texts(args.n)
    t0 = time.perf_counter()
    encode = encoder()
    encode(texts[:8])  # loads the model
    load_s = time.perf_counter() - t0
    times, extra = [], 0.0
    for _ in range(args.repeats):
        start = reset_peak()
        t0 = time.perf_counter()
        vectors = encode(texts)
        times.append(time.perf_counter() - t0)
        extra = max(extra, peak() - start)
    np.save(args.out, np.ascontiguousarray(vectors, dtype=np.float32))
    return {"load_s": load_s, "times": times, "extra_mib": extra, "shape": list(vectors.shape)}


def step_search(args: argparse.Namespace) -> dict:
    from explorer.analysis.index import SimilarityIndex

    vectors = np.load(args.vectors)
    index = SimilarityIndex(method="exact").fit(vectors[:50])
    index.pairs(MIN_COSINE, method=args.method, progress=False)  # warm imports and BLAS threads
    build, search, extra = [], [], 0.0
    for _ in range(args.repeats):
        start = reset_peak()
        t0 = time.perf_counter()
        index = SimilarityIndex(method=args.method).fit(vectors)
        t1 = time.perf_counter()
        pairs = index.pairs(MIN_COSINE, method=args.method, progress=False)
        t2 = time.perf_counter()
        extra = max(extra, peak() - start)
        build.append(t1 - t0)
        search.append(t2 - t1)
    n = len(vectors)
    keys = pairs["i"].to_numpy() * n + pairs["j"].to_numpy()
    np.save(args.pairs_out, keys)
    result = {"build": build, "search": search, "extra_mib": extra, "n_pairs": len(keys)}
    if args.method == "faiss":
        result["nlist"] = int(index._faiss().nlist)
        result["nprobe"] = int(index._faiss().nprobe)
    return result


def run_child(*argv: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), *argv]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"step failed: {' '.join(argv)}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------- report


def header() -> list[str]:
    import faiss
    import sklearn
    import threadpoolctl

    lines = [
        "# Similarity benchmark (explorer.similarity)",
        "",
        f"- python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, faiss {faiss.__version__}; "
        f"{os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.2f}",
        f"- OPENBLAS_CORETYPE = {os.environ.get('OPENBLAS_CORETYPE', '(unset)')!s}",
    ]
    for info in threadpoolctl.threadpool_info():
        lines.append(
            f"- {info.get('user_api')}: {info.get('internal_api')} "
            f"{info.get('version')} arch={info.get('architecture', '-')} "
            f"threads={info.get('num_threads')} ({Path(info['filepath']).name})"
        )
    return lines


def fmt_s(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}"


def duplicate_evidence(encode, n: int = 2000) -> list[str]:
    """Cosines of light edits of a text against cosines of distinct texts."""
    texts = [t for t in scifact_texts(20_000) if len(t.split()) >= 6]
    rng = np.random.default_rng(1)
    sample = [texts[k] for k in rng.choice(len(texts), n, replace=False)]

    def drop(text: str, k: int) -> str:
        words = text.split()
        for _ in range(k):
            del words[int(rng.integers(len(words)))]
        return " ".join(words)

    orig = encode(sample)
    rows = []
    for name, variant in [
        ("one word dropped", [drop(t, 1) for t in sample]),
        ("two words dropped", [drop(t, 2) for t in sample]),
        ("lower-cased", [t.lower() for t in sample]),
    ]:
        cos = np.einsum("ij,ij->i", orig, encode(variant))
        rows.append((name, cos))
    from explorer.analysis.index import SimilarityIndex

    nearest = SimilarityIndex().fit(encode(texts)).nearest_cosine()
    rows.append((f"nearest other among {len(texts):,} texts", nearest[~np.isnan(nearest)]))
    out = [
        "",
        "## Duplicate cut-off evidence (wordllama cosines)",
        "",
        "| pair | p1 | p5 | median | share >= 0.95 | share >= 0.90 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, cos in rows:
        p1, p5, p50 = np.percentile(cos, [1, 5, 50])
        out.append(
            f"| {name} | {p1:.3f} | {p5:.3f} | {p50:.3f} | "
            f"{(cos >= 0.95).mean():.1%} | {(cos >= 0.90).mean():.1%} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3, help="runs (median) up to 10k")
    parser.add_argument("--big-repeats", type=int, default=1, help="runs above 10k")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--no-duplicates", action="store_true", help="skip the cut-off table")
    parser.add_argument("--step", choices=["embed", "search"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", help=argparse.SUPPRESS)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    parser.add_argument("--pairs-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step == "embed":
        print(json.dumps(step_embed(args)))
        return
    if args.step == "search":
        print(json.dumps(step_search(args)))
        return

    lines = header()
    print("\n".join(lines), flush=True)
    print(
        "\n| n | step | build s | search s | total s | speed-up vs sklearn brute | "
        "peak extra MiB | pairs >= 0.65 | recall vs exact | runs |",
        flush=True,
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    notes = []
    methods = [m for m in ("exact", "brute", "faiss") if m in args.methods]
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            runs = args.repeats if n <= CHEAP_MAX else args.big_repeats
            vec = str(Path(tmp) / f"vectors_{n}.npy")
            emb = run_child("--step", "embed", "--n", str(n), "--out", vec, "--repeats", str(runs))
            rate = n / statistics.median(emb["times"])
            print(
                f"| {n:,} | embed (wordllama) | - | {fmt_s(emb['times'])} | "
                f"{fmt_s(emb['times'])} | - | {emb['extra_mib']:.0f} | - | - | {runs} |",
                flush=True,
            )
            notes.append(
                f"- n={n:,}: wordllama {rate:,.0f} texts/s; model load {emb['load_s']:.2f} s"
            )
            results, keys = {}, {}
            for method in methods:
                out = str(Path(tmp) / f"pairs_{n}_{method}.npy")
                results[method] = run_child(
                    "--step", "search", "--method", method, "--vectors", vec,
                    "--pairs-out", out, "--repeats", str(runs),
                )  # fmt: skip
                keys[method] = np.load(out)
            base = results.get("brute")
            base_total = statistics.median(np.add(base["build"], base["search"])) if base else None
            for method in methods:
                r = results[method]
                total = statistics.median(np.add(r["build"], r["search"]))
                ratio = "-"
                if base_total:
                    speedup = base_total / total
                    ratio = f"{speedup:.1f}x" + (" (slower)" if speedup < 1 else "")
                if method == "brute":
                    ratio = "1.0 (baseline)"
                recall = "-"
                if "exact" in keys:
                    found = np.isin(keys["exact"], keys[method]).sum()
                    recall = f"{found / max(len(keys['exact']), 1):.4f}"
                    if method == "exact":
                        recall = "1 (reference)"
                label = {
                    "brute": "sklearn brute radius_neighbors",
                    "exact": "exact blocked matmul",
                    "faiss": "faiss IVFFlat range_search",
                }[method]
                print(
                    f"| {n:,} | {label} | {fmt_s(r['build'])} | {fmt_s(r['search'])} | "
                    f"{total:.3f} | {ratio} | {r['extra_mib']:.0f} | {r['n_pairs']:,} | "
                    f"{recall} | {runs} |",
                    flush=True,
                )
            if "faiss" in results:
                f = results["faiss"]
                notes.append(f"- n={n:,}: faiss nlist={f['nlist']}, nprobe={f['nprobe']}")
            if "exact" in keys and "brute" in keys:
                sym = len(np.setxor1d(keys["exact"], keys["brute"]))
                notes.append(f"- n={n:,}: exact vs sklearn brute differ by {sym} pairs")
    notes.append(f"- load average at end {os.getloadavg()[0]:.2f}")
    print("\nNotes:\n" + "\n".join(notes), flush=True)
    if not args.no_duplicates:
        print("\n".join(duplicate_evidence(encoder())), flush=True)


if __name__ == "__main__":
    main()
