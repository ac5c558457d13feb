"""Where the time of ``kg.candidates`` goes: each step of one call, timed by wrapping it.

    XDG_CACHE_HOME=/tmp/scale-s5/cache EXPLORER_MINILM_RESCORE=0 \\
        .venv/bin/python benchmarks/candidate_steps.py /tmp/scale-s5/n1000000

Loads the graph (``explorer.load``), then calls ``kg.candidates(per_entity=None)`` once and
prints the seconds spent in each step (a step's time includes the steps inside it; a step
run on a second thread, such as the TF-IDF scores, overlaps the others), the cores it kept
busy (the process's CPU seconds over those seconds: 2.00 is both cores here), the highest
resident memory seen while it ran (sampled every 50 ms) and what is resident when it
returns, then the total and the peak. Run it on a graph whose vectors and text features
are cached (``benchmarks/scale.py`` leaves them in its ``--out-dir``/cache). The pairs of
an earlier call are removed from the cache first, so that the search is timed; with
``--pairs-cached`` they are kept and read.
"""

from __future__ import annotations

import functools
import os
import resource
import sys
import threading
import time
from pathlib import Path

import explorer
from explorer.analysis import candidates as candidates_module
from explorer.analysis.engines import clustered
from explorer.analysis.graph_similarity import GraphSimilarity, vector_cache_dir
from explorer.analysis.index import SimilarityIndex
from explorer.analysis.lexical import LexicalScorer

TIMES: dict[str, float] = {}
CPU: dict[str, float] = {}  # label -> CPU seconds of the whole process while the step ran
PEAKS: dict[str, float] = {}  # label -> highest resident bytes seen while the step ran
AFTER: dict[str, float] = {}  # label -> resident bytes when the step (last) returned
_RUNNING: set[str] = set()
_PAGE = os.sysconf("SC_PAGE_SIZE")
STEPS = [  # (owner, attribute, label): outer steps first
    (GraphSimilarity, "build", "cached vectors (GraphSimilarity.build)"),
    (SimilarityIndex, "pairs", "pair search (index.pairs)"),
    (clustered, "codes_of", "  8-bit codes (codes_of)"),
    (clustered, "spherical_kmeans", "  k-means"),
    (clustered, "top_lists", "  centroid scoring (top_lists, float32)"),
    (clustered, "top_columns", "  centroid scoring (top_columns, 8-bit)"),
    (clustered, "_each_list", "  list products"),
    (GraphSimilarity, "prepare_all", "text features (prepare_all)"),
    (candidates_module, "explain_pairs", "labels and explanations (explain_pairs)"),
    (LexicalScorer, "score", "  TF-IDF scores (second thread)"),
    (candidates_module, "_entity_columns", "entity columns"),
    (candidates_module, "summary", "summary"),
]


def timed(owner: object, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper adding its time to ``TIMES[label]``."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> object:
        start, cpu = time.perf_counter(), time.process_time()
        _RUNNING.add(label)
        try:
            return function(*args, **kwargs)
        finally:
            _RUNNING.discard(label)
            AFTER[label] = _resident()
            TIMES[label] = TIMES.get(label, 0.0) + time.perf_counter() - start
            CPU[label] = CPU.get(label, 0.0) + time.process_time() - cpu

    setattr(owner, name, wrapper)


def _resident() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


def _sample(stop: threading.Event) -> None:
    """Every 50 ms, the resident memory, charged to every step running then."""
    while not stop.wait(0.05):
        rss = _resident()
        for label in list(_RUNNING):
            PEAKS[label] = max(PEAKS.get(label, 0), rss)


def main(data: str, *, pairs_cached: bool = False) -> None:
    if not pairs_cached:  # the pair search is timed: its cache files (pair_cache) removed
        for path in vector_cache_dir(Path(data)).glob("pairs-*.npz"):
            path.unlink()
    for owner, name, label in STEPS:
        timed(owner, name, label)
    stop = threading.Event()
    threading.Thread(target=_sample, args=(stop,), daemon=True).start()
    start, cpu = time.perf_counter(), time.process_time()
    _RUNNING.add("load (explorer.load)")
    kg = explorer.load(data)
    _RUNNING.discard("load (explorer.load)")
    AFTER["load (explorer.load)"] = _resident()
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    found = kg.candidates(per_entity=None, progress=False)
    done = time.perf_counter()
    stop.set()
    TIMES["load (explorer.load)"] = loaded - start
    CPU["load (explorer.load)"] = cpu_loaded - cpu
    print(f"{'step':45s} {'time':>10s} {'cores':>6s} {'peak resident':>15s} {'after':>10s}")
    for label in ["load (explorer.load)"] + [label for _, _, label in STEPS]:
        if label in TIMES:
            peak = f"{PEAKS[label] / 1e9:10.2f} GB" if label in PEAKS else ""
            cores = CPU[label] / TIMES[label] if TIMES[label] else 0.0
            print(f"{label:45s} {TIMES[label]:8.2f} s {cores:6.2f} {peak:>15s} "
                  f"{AFTER[label] / 1e9:7.2f} GB")
    whole = time.process_time() - cpu_loaded
    print(f"{'kg.candidates, whole call':45s} {done - loaded:8.2f} s "
          f"{whole / (done - loaded):6.2f}")
    print(f"{'total':45s} {done - start:8.2f} s   ({len(found):,} pairs)")
    print(f"resident at the end {_resident() / 1e9:.2f} GB, the frame "
          f"{found.memory_usage(deep=True).sum() / 1e9:.2f} GB; peak resident memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9:.2f} GB")


if __name__ == "__main__":
    main(sys.argv[1], pairs_cached="--pairs-cached" in sys.argv[2:])
