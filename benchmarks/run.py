"""Scale benchmark of claim-graph explorer: one command, one markdown table.

Usage::

    .venv/bin/python benchmarks/run.py --sizes 10000 100000 1000000 --out-dir /tmp/cge-bench
    .venv/bin/python benchmarks/run.py --quick --out-dir /tmp/cge-quick

For each size it generates a synthetic graph (``explorer.testing.synth.write_synthetic``, seed 0,
cached in ``<out-dir>/data/n<size>``; reruns reuse it and report the first generation's
time), then runs every measurement in a **fresh subprocess** of this script
(``--step NAME``), so that the peak resident set (``ru_maxrss``) of a step is its own:
the peak of the whole process, interpreter and imports included.

Steps (each prints one JSON line):

``load``        ``explorer.load`` time and peak; adjacency bytes per entity / per edge.
``vectors``     ``kg.similarity`` on first use (wordllama; fills ``.explorer-cache``), then
                saves the vectors to ``<data>/vectors.npy`` for the similarity steps.
``loadvec``     ``explorer.load`` + ``kg.similarity`` from the cache: peak with 256-d vectors.
``queries``     ``kg.neighborhood(id, limit_per_kind=25)`` and ``kg.card(id, similar=False)``
                over ``--queries`` random entities + the 10 biggest hubs, and the pandas
                baseline on the same queries (boolean filter of the edge table as read by
                ``pd.read_parquet`` + ``groupby("relation").size()``).
``networkx``    ``MultiDiGraph`` build from the same edges, then
                ``networkx.ego_graph(G, n, radius=1, undirected=True)`` on a subset of the
                same queries (each call copies the graph, so the count is capped by time).
``find``        ``kg.find`` over 20 titles with one typo; first call (builds the index)
                apart; hit = the original entity, or one with its exact title, in the top 10.
``embed``       wordllama throughput: ``embed(texts, "wordllama", cache_dir=None)`` on
                title + summary of every entity (at 100k, or the size nearest to it).
``pairs``       whole-graph pairs with cosine >= 0.65 via ``SimilarityIndex.pairs`` with
                ``method`` exact / faiss / brute (the class ``kg.similarity.index`` is).
                A sample of ``--sample`` query rows is timed first; when the full run is
                estimated above the method's limit, the sampled figures are extrapolated
                and the cell says so (exact: x n/(2 s), as the blocked product computes the
                upper triangle only; brute and faiss: x n/s).

BLAS: run as the machine sets it; the header shows ``OPENBLAS_CORETYPE`` and what
threadpoolctl reports. Compare methods only within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
MIN_COSINE = 0.65
HUBS = 10
FIND_QUERIES = 20
# Above these estimated seconds a whole-graph pairs run is sampled and extrapolated.
FULL_LIMIT = {"exact": 120.0, "brute": 90.0, "faiss": 180.0}


# ----------------------------------------------------------------------------- helpers
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def _paths(data: Path) -> tuple[Path, Path]:
    return data / "entities.parquet", data / "edges.parquet"


def _query_ids(data: Path, n_queries: int) -> list[str]:
    """Random entities (seed 42) then the 10 biggest hubs, as ids."""
    import numpy as np
    import pyarrow.parquet as pq

    ent, edg = _paths(data)
    ids = pq.read_table(ent, columns=["id"]).column("id").to_pylist()
    rng = np.random.default_rng(42)
    picked = [ids[i] for i in rng.choice(len(ids), size=min(n_queries, len(ids)), replace=False)]
    import pandas as pd

    e = pd.read_parquet(edg, columns=["source", "target"])
    deg = pd.concat([e["source"], e["target"]]).value_counts()
    hubs = [h for h in deg.index[:HUBS] if h not in set(picked)]
    return picked + list(hubs)


# ------------------------------------------------------------------------------- steps
def step_machine(args: argparse.Namespace) -> dict:
    import faiss
    import numpy
    import pandas
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    blas = [
        f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
        f"threads={i.get('num_threads')} ({Path(i.get('filepath', '')).parent.name})"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return {
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "faiss": faiss.__version__,
        "blas": blas,
    }


def step_load(args: argparse.Namespace) -> dict:
    import explorer

    t = time.perf_counter()
    kg = explorer.load(args.data)
    el = time.perf_counter() - t
    adj = kg.adjacency
    n, m = len(kg.entities), len(kg.edges)
    return {
        "seconds": el,
        "peak_mb": _peak_mb(),
        "n_entities": n,
        "n_edges": m,
        "adj_bytes": adj.nbytes,
        "adj_b_per_entity": adj.nbytes / n,
        "adj_b_per_edge": adj.nbytes / m,
    }


def step_vectors(args: argparse.Namespace) -> dict:
    import shutil

    import numpy as np

    import explorer

    kg = explorer.load(args.data)
    shutil.rmtree(Path(args.data) / ".explorer-cache", ignore_errors=True)  # a true first use
    t = time.perf_counter()
    sim = kg.similarity
    el = time.perf_counter() - t
    np.save(Path(args.data) / "vectors.npy", sim.vectors)
    return {"seconds": el, "peak_mb": _peak_mb(), "shape": list(sim.vectors.shape)}


def step_loadvec(args: argparse.Namespace) -> dict:
    import explorer

    t = time.perf_counter()
    kg = explorer.load(args.data)
    t_load = time.perf_counter() - t
    v = kg.similarity.vectors
    el = time.perf_counter() - t
    return {"seconds": el, "load_seconds": t_load, "peak_mb": _peak_mb(), "dim": v.shape[1]}


def step_queries(args: argparse.Namespace) -> dict:
    import pandas as pd

    import explorer

    data = Path(args.data)
    queries = _query_ids(data, args.queries)
    kg = explorer.load(data)
    kg.neighborhood(queries[0], limit_per_kind=25)  # warm-up
    kg.card(queries[0], similar=False)
    nb, card = [], []
    for q in queries:
        t = time.perf_counter()
        kg.neighborhood(q, limit_per_kind=25)
        nb.append(time.perf_counter() - t)
    for q in queries:
        t = time.perf_counter()
        kg.card(q, similar=False)
        card.append(time.perf_counter() - t)
    del kg
    edges = pd.read_parquet(_paths(data)[1])
    base = []
    for q in queries:
        t = time.perf_counter()
        sub = edges[(edges.source == q) | (edges.target == q)]
        sub.groupby("relation", observed=True).size()
        base.append(time.perf_counter() - t)
    return {"queries": queries, "neighborhood": nb, "card": card, "pandas": base}


def step_networkx(args: argparse.Namespace) -> dict:
    import networkx as nx
    import pandas as pd

    data = Path(args.data)
    queries = _query_ids(data, args.queries)
    order = random.Random(7).sample(range(len(queries)), len(queries))
    t = time.perf_counter()
    edges = pd.read_parquet(_paths(data)[1], columns=["source", "target", "relation"])
    g = nx.MultiDiGraph()
    g.add_edges_from(
        (s, t_, {"relation": r})
        for s, t_, r in zip(
            edges["source"], edges["target"], edges["relation"].astype(str), strict=True
        )
    )
    build = time.perf_counter() - t
    del edges
    times, used = [], []
    start = time.perf_counter()
    for k in order:
        if used and (time.perf_counter() - start > args.nx_budget or len(used) >= args.queries):
            break
        t = time.perf_counter()
        nx.ego_graph(g, queries[k], radius=1, undirected=True)
        times.append(time.perf_counter() - t)
        used.append(k)
    return {"build_seconds": build, "peak_mb": _peak_mb(), "ego": times, "used": used}


def _typo(title: str, rng: random.Random) -> str:
    words = title.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if long:
        i = rng.choice(long)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def step_find(args: argparse.Namespace) -> dict:
    import numpy as np

    import explorer

    kg = explorer.load(args.data)
    rng = np.random.default_rng(3)
    rows = rng.choice(len(kg.entities), size=FIND_QUERIES + 1, replace=False)
    prng = random.Random(3)
    items = [
        (kg.entities["id"].iat[r], _typo(str(kg.entities["title"].iat[r]), prng)) for r in rows
    ]
    t = time.perf_counter()
    kg.find(items[0][1])
    first = time.perf_counter() - t
    times, hits = [], 0
    start = time.perf_counter()
    for eid, text in items[1:]:
        if times and time.perf_counter() - start > args.find_budget:
            break
        t = time.perf_counter()
        found = kg.find(text, limit=10)
        times.append(time.perf_counter() - t)
        # Synthetic titles repeat (variants of one SciFact sentence), so an entity with the
        # same title as the original counts as found.
        original = str(kg.entity(eid)["title"]).lower()
        hits += eid in set(found["id"]) or original in set(found["title"].str.lower())
    return {
        "first_seconds": first,
        "times": times,
        "hits": hits,
        "n": len(times),
        "examples": [text for _, text in items[1:4]],
    }


def step_embed(args: argparse.Namespace) -> dict:
    import pandas as pd

    from explorer.analysis.embedders.registry import get_embedder
    from explorer.analysis.embedding import embed
    from explorer.analysis.texts import entity_texts

    ent = pd.read_parquet(_paths(Path(args.data))[0], columns=["title", "summary"])
    texts = entity_texts(ent, fields=("title", "summary"))
    t = time.perf_counter()
    model = get_embedder("wordllama")
    embed(texts[:64], model, cache_dir=None, progress=False)  # loads the model
    warm = time.perf_counter() - t
    t = time.perf_counter()
    v = embed(texts, model, cache_dir=None, progress=False).vectors
    el = time.perf_counter() - t
    return {
        "seconds": el,
        "n": len(texts),
        "per_s": len(texts) / el,
        "model_load": warm,
        "peak_mb": _peak_mb(),
        "dim": int(v.shape[1]),
    }


def step_pairs(args: argparse.Namespace) -> dict:
    import numpy as np

    from explorer.analysis.index import SimilarityIndex

    data = Path(args.data)
    method = args.method
    vectors = np.load(data / "vectors.npy")
    t = time.perf_counter()
    index = SimilarityIndex(method=method).fit(vectors)
    fit = time.perf_counter() - t
    # Private attributes: the normalized non-zero rows and their fitted positions.
    xv, valid = index._xv, index._valid
    m = len(xv)
    thr = np.float32(MIN_COSINE)
    s = min(args.sample, m)
    q = np.sort(np.random.default_rng(0).choice(m, size=s, replace=False))
    # Sampled run: every neighbor (cosine >= 0.65, not itself) of the s query rows.
    t = time.perf_counter()
    if method == "exact":  # the same float32 product + threshold as the blocked tiles
        qi, qj = [], []
        xq = xv[q]
        for c0 in range(0, m, 65536):
            sims = xq @ xv[c0 : c0 + 65536].T
            r, c = np.nonzero(sims >= thr)
            qi.append(r)
            qj.append(c + c0)
        qi, qj = np.concatenate(qi), np.concatenate(qj)
    elif method == "brute":
        dist, ind = index._nn.radius_neighbors(xv[q], radius=(1.0 - MIN_COSINE) + 1e-6)
        qi = np.repeat(np.arange(s), [len(a) for a in ind])
        qj = np.concatenate(list(ind)).astype(np.int64) if s else np.array([], np.int64)
        cos = 1.0 - np.concatenate(list(dist)).astype(np.float32)
        qi, qj = qi[cos >= thr], qj[cos >= thr]
    else:
        fidx = index._faiss()
        lims, dist, ind = fidx.range_search(xv[q], float(np.nextafter(thr, np.float32(-1))))
        qi = np.repeat(np.arange(s), np.diff(lims).astype(np.int64))
        qj = ind.astype(np.int64)
        qi, qj = qi[dist >= thr], qj[dist >= thr]
    sample_seconds = time.perf_counter() - t
    keep = qj != q[qi]
    sample_keys = q[qi[keep]].astype(np.int64) * m + qj[keep]
    factor = m / s / (2.0 if method == "exact" else 1.0)
    estimate = sample_seconds * factor + (fit if method == "faiss" else 0.0)
    out = {
        "method": method,
        "fit_seconds": fit,
        "m": m,
        "sample": s,
        "sample_seconds": sample_seconds,
        "estimate_seconds": estimate,
        "sample_directed": int(keep.sum()),
        "est_pairs": int(keep.sum() * m / s / 2),
    }
    np.save(data / f"sample-{method}.npy", np.unique(sample_keys))
    if estimate <= FULL_LIMIT[method] * args.limit_scale or s == m:
        t = time.perf_counter()
        frame = index.pairs(MIN_COSINE, method=method, progress=False)
        full = time.perf_counter() - t
        # back to searchable-row positions, to compare with the sample keys
        vi = np.searchsorted(valid, frame["i"].to_numpy())
        vj = np.searchsorted(valid, frame["j"].to_numpy())
        keys = np.minimum(vi, vj).astype(np.int64) * m + np.maximum(vi, vj)
        np.save(data / f"full-{method}.npy", np.unique(keys))
        out.update(
            full=True,
            seconds=full + (fit if method == "faiss" else 0.0),
            pairs_seconds=full,
            pairs=len(frame),
        )
    else:
        out.update(full=False, seconds=estimate, pairs=out["est_pairs"])
    out["peak_mb"] = _peak_mb()
    return out


STEPS = {
    "machine": step_machine,
    "load": step_load,
    "vectors": step_vectors,
    "loadvec": step_loadvec,
    "queries": step_queries,
    "networkx": step_networkx,
    "find": step_find,
    "embed": step_embed,
    "pairs": step_pairs,
}


# ------------------------------------------------------------------------------ driver
def run_step(name: str, args: argparse.Namespace, data: Path | None = None, **extra) -> dict:
    cmd = [
        sys.executable,
        str(HERE),
        "--step",
        name,
        "--queries",
        str(args.queries),
        "--sample",
        str(args.sample),
        "--nx-budget",
        str(args.nx_budget),
        "--find-budget",
        str(args.find_budget),
        "--limit-scale",
        str(args.limit_scale),
    ]
    if data is not None:
        cmd += ["--data", str(data)]
    for k, v in extra.items():
        cmd += [f"--{k}", str(v)]
    label = f"{name} {extra.get('method', '')} {data.name if data else ''}".strip()
    print(f"[bench] {label} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return {"error": f"exit {proc.returncode}", "wall": wall}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall"] = wall
    print(f"[bench] {label} done in {wall:.1f} s", file=sys.stderr, flush=True)
    return res


def generate(n: int, out_dir: Path) -> tuple[Path, dict]:
    data = out_dir / "data" / f"n{n}"
    info = data / "generate.json"
    if info.exists() and all(p.exists() for p in _paths(data)):
        return data, json.loads(info.read_text()) | {"cached": True}
    code = (
        "import json,sys,time,resource; from explorer.testing.synth import write_synthetic;"
        f"t=time.perf_counter(); write_synthetic({n}, {str(data)!r}, seed=0);"
        "el=time.perf_counter()-t;"
        "print(json.dumps({'seconds': el, 'peak_rss_mb': "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, 'seed': 0, 'n': "
        f"{n}}}))"
    )
    print(f"[bench] generate {n} ...", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    info.write_text(json.dumps(res))
    return data, res | {"cached": False}


def machine_line(info: dict) -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    core = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    l2 = os.environ.get("OPENBLAS_L2_SIZE", "(unset)")
    return (
        f"CPU {cpu}, {os.cpu_count()} cores, {ram:.1f} GiB RAM; Python "
        f"{platform.python_version()}, numpy {info.get('numpy')}, pandas {info.get('pandas')}, "
        f"scipy {info.get('scipy')}, scikit-learn {info.get('sklearn')}, faiss "
        f"{info.get('faiss')}; OPENBLAS_CORETYPE={core}, OPENBLAS_L2_SIZE={l2} (as the "
        f"machine sets them); BLAS (threadpoolctl): {'; '.join(info.get('blas', []))}"
    )


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1:
        return f"{x * 1e3:.{1 if x < 0.01 else 0}f} ms"
    return f"{x:.1f} s"


def fmt_mb(x: float | None) -> str:
    return "—" if x is None else (f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB")


def target(ok: bool, what: str, got: str, margin: str) -> str:
    return f"{what}: **{'PASS' if ok else 'MISS'}** ({got}, {margin})"


def by(measured: float, limit: float, lower_is_better: bool = True) -> str:
    if lower_is_better:
        r = measured / limit
        return f"{(1 - r) * 100:.0f} % under" if r <= 1 else f"{r:.1f}× over"
    r = measured / limit
    return f"{r:.1f}× the target" if r >= 1 else f"{(1 - r) * 100:.0f} % short"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--out-dir", type=Path, default=Path("/tmp/cge-bench"))
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--sample", type=int, default=2000, help="query rows of sampled pair runs")
    p.add_argument("--nx-budget", type=float, default=45.0, help="seconds of ego_graph calls")
    p.add_argument("--nx-max", type=int, default=1_000_000, help="largest size for networkx")
    p.add_argument("--find-budget", type=float, default=60.0, help="seconds of find calls")
    p.add_argument("--limit-scale", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--quick", action="store_true", help="2,000 entities, 30 queries")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--from-json", type=Path, help="print the table of an earlier run's results")
    p.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--method", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.step:
        print(json.dumps(STEPS[args.step](args)))
        return 0
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        args.sizes = [int(k) for k in results["sizes"]]
        args.out_dir = args.from_json.parent
        args.queries = results.get("queries", args.queries)
        print(render(results, args))
        return 0
    if args.quick:
        args.sizes, args.queries, args.sample = [2000], 30, 500
        args.nx_budget, args.find_budget = 5.0, 10.0
    args.out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = run_step("machine", args)
    results: dict = {
        "machine": info,
        "sizes": {},
        "loadavg_start": _loadavg(),
        "command": " ".join(sys.argv[1:]),
        "queries": args.queries,
    }
    raw = args.json or args.out_dir / "results.json"
    embed_size = min(args.sizes, key=lambda n: abs(n - 100_000))
    for n in args.sizes:
        data, gen = generate(n, args.out_dir)
        r: dict = {"generate": gen}
        results["sizes"][str(n)] = r
        r["load"] = run_step("load", args, data)
        r["vectors"] = run_step("vectors", args, data)
        r["loadvec"] = run_step("loadvec", args, data)
        r["queries"] = run_step("queries", args, data)
        r["find"] = run_step("find", args, data)
        if n == embed_size:
            r["embed"] = run_step("embed", args, data)
        for method in ("exact", "faiss", "brute"):
            r[f"pairs_{method}"] = run_step("pairs", args, data, method=method)
        if n <= args.nx_max:
            r["networkx"] = run_step("networkx", args, data)
        raw.write_text(json.dumps(results, indent=1, default=str))
    results["total_seconds"] = time.perf_counter() - started
    results["loadavg_end"] = _loadavg()
    raw.write_text(json.dumps(results, indent=1, default=str))
    print(render(results, args))
    return 0


# ------------------------------------------------------------------------------ table
def _recall(out_dir: Path, n: int, r: dict) -> tuple[float | None, str]:
    import numpy as np

    data = out_dir / "data" / f"n{n}"
    ex, fa = r.get("pairs_exact", {}), r.get("pairs_faiss", {})
    if "error" in ex or "error" in fa or not ex or not fa:
        return None, ""
    if ex.get("full") and fa.get("full"):
        truth, got = np.load(data / "full-exact.npy"), np.load(data / "full-faiss.npy")
        how = "all pairs"
    else:
        truth = np.load(data / "sample-exact.npy")
        got = np.load(data / "sample-faiss.npy")
        how = f"neighbors of {ex['sample']:,} sampled rows"
    if len(truth) == 0:
        return 1.0, how
    return float(np.isin(truth, got).mean()), how


def render(results: dict, args: argparse.Namespace) -> str:
    import numpy as np

    sizes = [int(k) for k in results["sizes"]]
    cols = [f"{n:,}" for n in sizes]
    rows: list[tuple[str, list[str], str]] = []
    big = max(sizes)
    R = results["sizes"]

    def cell(n, fn):
        try:
            return fn(R[str(n)])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return "—"

    def add(name, fn, tgt=""):
        rows.append((name, [cell(n, fn) for n in sizes], tgt))

    add("entities / edges", lambda r: f"{r['load']['n_entities']:,} / {r['load']['n_edges']:,}")
    add("generate (s, once)", lambda r: fmt_s(r["generate"]["seconds"]))
    lb = R[str(big)].get("load", {})
    add(
        "load time",
        lambda r: fmt_s(r["load"]["seconds"]),
        target(
            lb.get("seconds", 1e9) < 10,
            f"< 10 s at {big:,}",
            fmt_s(lb.get("seconds")),
            by(lb.get("seconds", 1e9), 10),
        )
        if lb
        else "",
    )
    add("load peak memory", lambda r: fmt_mb(r["load"]["peak_mb"]))
    lv = R[str(big)].get("loadvec", {})
    add("load + 256-d vectors (cached): time", lambda r: fmt_s(r["loadvec"]["seconds"]))
    add(
        "load + 256-d vectors (cached): peak memory",
        lambda r: fmt_mb(r["loadvec"]["peak_mb"]),
        target(
            lv.get("peak_mb", 1e9) < 4096,
            f"< 4 GB at {big:,}",
            fmt_mb(lv.get("peak_mb")),
            by(lv.get("peak_mb", 1e9), 4096),
        )
        if lv
        else "",
    )
    add("adjacency bytes / entity", lambda r: f"{r['load']['adj_b_per_entity']:.1f} B")
    add("adjacency bytes / edge", lambda r: f"{r['load']['adj_b_per_edge']:.1f} B")
    add("vectors, first use (wordllama + cache write)", lambda r: fmt_s(r["vectors"]["seconds"]))

    def q(r, key, fn):
        return fn(r["queries"][key])

    add(
        "neighborhood median", lambda r: q(r, "neighborhood", lambda v: fmt_s(statistics.median(v)))
    )
    add("neighborhood p95", lambda r: q(r, "neighborhood", lambda v: fmt_s(_pct(v, 95))))
    add(
        "pandas filter median (baseline)",
        lambda r: q(r, "pandas", lambda v: fmt_s(statistics.median(v))),
    )
    add("pandas filter p95", lambda r: q(r, "pandas", lambda v: fmt_s(_pct(v, 95))))

    def nb_ratio(r):
        return statistics.median(r["queries"]["pandas"]) / statistics.median(
            r["queries"]["neighborhood"]
        )

    qb = R[str(big)].get("queries", {})
    rb = cell(big, nb_ratio)
    rb_v = nb_ratio(R[str(big)]) if rb != "—" else 0.0
    add(
        "neighborhood speed-up vs pandas (median ratio)",
        lambda r: f"{nb_ratio(r):.0f}×",
        target(rb_v >= 100, f"≥ 100× at {big:,}", f"{rb_v:.0f}×", by(rb_v, 100, False))
        if qb
        else "",
    )
    cb = statistics.median(qb["card"]) if qb else None
    add(
        "card median (similar=False)",
        lambda r: q(r, "card", lambda v: fmt_s(statistics.median(v))),
        target(cb < 0.05, f"< 50 ms at {big:,}", fmt_s(cb), by(cb, 0.05)) if cb else "",
    )
    add("card p95", lambda r: q(r, "card", lambda v: fmt_s(_pct(v, 95))))
    add("queries (random + 10 hubs)", lambda r: f"{len(r['queries']['queries'])}")

    def nx_cell(r, what):
        x = r.get("networkx")
        if x is None:
            return f"not run (> --nx-max {args.nx_max:,})"
        if "error" in x:
            return x["error"]
        if what == "build":
            return fmt_s(x["build_seconds"])
        if what == "peak":
            return fmt_mb(x["peak_mb"])
        if what == "ego":
            return f"{fmt_s(statistics.median(x['ego']))} (n={len(x['ego'])})"
        ours = statistics.median([r["queries"]["neighborhood"][k] for k in x["used"]])
        return f"{statistics.median(x['ego']) / ours:.0f}×"

    add("networkx MultiDiGraph build", lambda r: nx_cell(r, "build"))
    add("networkx build peak memory", lambda r: nx_cell(r, "peak"))
    add("networkx ego_graph median", lambda r: nx_cell(r, "ego"))
    add("neighborhood speed-up vs ego_graph (same queries)", lambda r: nx_cell(r, "ratio"))

    add("find first call (builds index)", lambda r: fmt_s(r["find"]["first_seconds"]))
    add(
        "find median",
        lambda r: f"{fmt_s(statistics.median(r['find']['times']))} (n={r['find']['n']})",
    )
    add("find hit rate (top 10)", lambda r: f"{r['find']['hits'] / r['find']['n']:.2f}")
    add(
        "embedding throughput (wordllama, no cache)",
        lambda r: f"{r['embed']['per_s']:,.0f} texts/s",
        "texts/s, at the size nearest 100k",
    )

    def pc(r, method, what):
        x = r[f"pairs_{method}"]
        if "error" in x:
            return x["error"]
        note = "" if x["full"] else f" (est., {x['sample']:,}-row sample)"
        if what == "time":
            return fmt_s(x["seconds"]) + note
        if what == "peak":
            return fmt_mb(x["peak_mb"]) + ("" if x["full"] else " (sample)")
        return f"{x['pairs']:,}" + ("" if x["full"] else " (est.)")

    for method, label in (
        ("exact", "exact blocked"),
        ("faiss", "faiss IVF"),
        ("brute", "sklearn brute"),
    ):
        add(f"pairs ≥ 0.65, {label}: time", lambda r, m=method: pc(r, m, "time"))
        add(f"pairs ≥ 0.65, {label}: peak memory", lambda r, m=method: pc(r, m, "peak"))
        add(f"pairs ≥ 0.65, {label}: pairs", lambda r, m=method: pc(r, m, "pairs"))

    recall = {n: _recall(args.out_dir, n, R[str(n)]) for n in sizes}
    add("faiss recall vs exact", lambda r: "—")
    rows[-1] = (
        rows[-1][0],
        [("—" if recall[n][0] is None else f"{recall[n][0]:.3f} ({recall[n][1]})") for n in sizes],
        "",
    )

    def speed(r, m):
        return r["pairs_brute"]["seconds"] / r[f"pairs_{m}"]["seconds"]

    n100 = min(sizes, key=lambda n: abs(n - 100_000))
    r100 = R[str(n100)]
    try:
        s100, rc100 = speed(r100, "faiss"), recall[n100][0] or 0.0
        se100 = speed(r100, "exact")
        best = max(s100 if rc100 >= 0.95 else 0.0, se100)
        tg = target(
            best >= 10,
            f"≥ 10× brute at {n100:,} with recall ≥ 0.95",
            f"faiss {s100:.1f}× at recall {rc100:.3f}, exact {se100:.1f}×",
            by(best, 10, False),
        )
    except (KeyError, TypeError, ZeroDivisionError):
        tg = ""
    add("pairs speed-up vs brute: exact", lambda r: f"{speed(r, 'exact'):.1f}×")
    add("pairs speed-up vs brute: faiss", lambda r: f"{speed(r, 'faiss'):.1f}×", tg)

    lines = [
        "# claim-graph explorer benchmark",
        "",
        "Machine: " + machine_line(results["machine"]),
        "",
        f"Command: `python benchmarks/run.py {results.get('command', ' '.join(sys.argv[1:]))}`; "
        f"{args.queries} random queries + 10 hubs; medians unless noted; each step in a fresh "
        f"subprocess, peak = its ru_maxrss. Total {results.get('total_seconds', 0):.0f} s. "
        f"Load average (1/5/15 min) at start {results.get('loadavg_start', '?')}, at end "
        f"{results.get('loadavg_end', '?')}: above 2 means other processes shared the 2 cores.",
        "",
        "| measurement | " + " | ".join(cols) + " | target |",
        "|---|" + "---:|" * len(cols) + "---|",
    ]
    for name, cells, tgt in rows:
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {tgt} |")
    del np
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
