"""Benchmark: whole-graph candidates on Spark ``local[2]`` beside the local engine.

For each size, a synthetic graph (``explorer.testing.synth.write_synthetic``, seed 0) is
written as Parquet, then, in this one process and one after the other:

* the local engine: the embedding (``kg.similarity``, no vector cache), then
  ``kg.candidates(per_entity=None, method="exact")`` and the default method
  (``kg.candidates(per_entity=None)``: exact up to 20,000 entities, clustered above);
* the Spark engine: ``spark_candidates(folder, out, per_entity=None)`` on one
  ``local[2]`` session, its steps timed from its log (embed, pairs + labels, sort +
  write, merge into one file).

The Spark session is started, and its Python workers warmed up on a 2,000-entity graph,
before the first measurement; that start-up is reported apart. Every time is one run.

Usage::

    .venv/bin/python benchmarks/spark_candidates.py --sizes 20000 100000
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import explorer  # noqa: E402
from explorer.scale import get_session, spark_candidates  # noqa: E402
from explorer.testing.synth import write_synthetic  # noqa: E402


class Timings(logging.Handler):
    """Keeps the step timings the Spark engine logs at the end of each run."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.last: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "timings"):
            self.last = dict(record.timings)


def local_run(folder: Path, embedder: str) -> dict[str, float]:
    kg = explorer.load(folder)
    kg.set_embedder(embedder, cache=None)
    started = time.perf_counter()
    _ = kg.similarity
    embed = time.perf_counter() - started
    started = time.perf_counter()
    exact = kg.candidates(per_entity=None, method="exact", progress=False)
    t_exact = time.perf_counter() - started
    kg = explorer.load(folder)  # a fresh state: nothing read before, as in its own run
    kg.set_embedder(embedder, cache=None)
    _ = kg.similarity
    started = time.perf_counter()
    default = kg.candidates(per_entity=None, progress=False)
    t_default = time.perf_counter() - started
    return {"embed": embed, "exact": t_exact, "default": t_default, "pairs": len(exact),
            "default_pairs": len(default)}


def spark_run(folder: Path, out: Path, embedder: str, spark, timings: Timings) -> dict:
    started = time.perf_counter()
    n = spark_candidates(folder, out, embedder=embedder, per_entity=None, spark=spark,
                         overwrite=True)
    total = time.perf_counter() - started
    return {**timings.last, "total": total, "n_pairs": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--embedder", default="wordllama")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    timings = Timings()
    logging.getLogger("explorer.scale.spark").addHandler(timings)
    logging.getLogger("explorer.scale.spark").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        spark = get_session(args.master)
        session_start = time.perf_counter() - started
        warm = tmp_path / "warm"
        write_synthetic(2000, warm, seed=1)
        started = time.perf_counter()
        spark_run(warm, tmp_path / "warm.parquet", args.embedder, spark, timings)
        warm_up = time.perf_counter() - started

        rows = []
        for n in args.sizes:
            folder = tmp_path / f"g{n}"
            write_synthetic(n, folder, seed=0)
            local = local_run(folder, args.embedder)
            ours = spark_run(folder, tmp_path / f"p{n}.parquet", args.embedder, spark, timings)
            rows.append((n, local, ours))
            print(f"... {n:,} entities done: local {local}, spark {ours}", flush=True)

    cpus = os.cpu_count()
    print()
    print(f"Machine: {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"OPENBLAS_CORETYPE: {os.environ.get('OPENBLAS_CORETYPE') or 'not set'}")
    print(f"Embedder: {args.embedder}; Spark master {args.master}; session start "
          f"{session_start:.1f} s, worker warm-up run (2,000 entities) {warm_up:.1f} s")
    print()
    print("| entities | pairs | local embed s | local exact s | local default s "
          "| Spark embed s | Spark pairs+labels s | Spark sort+write s | Spark total s "
          "| Spark / local exact (with embedding) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, local, ours in rows:
        local_total = local["embed"] + local["exact"]
        same = "" if ours["n_pairs"] == local["pairs"] else f" (local {local['pairs']:,})"
        method = "exact" if n <= 20_000 else "clustered"
        print(f"| {n:,} | {ours['n_pairs']:,}{same} | {local['embed']:.1f} | {local['exact']:.1f} "
              f"| {local['default']:.1f} ({method}) | {ours.get('embed', float('nan')):.1f} "
              f"| {ours.get('pairs', float('nan')):.1f} "
              f"| {ours.get('sort', float('nan')) + ours.get('merge', 0.0):.1f} "
              f"| {ours['total']:.1f} | {ours['total'] / local_total:.1f}× |")


if __name__ == "__main__":
    main()
