"""Where the time of ``kg.candidates`` goes: each step of one call, timed by wrapping it.

    XDG_CACHE_HOME=/tmp/scale-s5/cache EXPLORER_MINILM_RESCORE=0 \\
        .venv/bin/python benchmarks/candidate_steps.py /tmp/scale-s5/n1000000

Loads the graph (``explorer.load``), then calls ``kg.candidates(per_entity=None)`` once and
prints the seconds spent in each step (a step's time includes the steps inside it; a step
run on a second thread, such as the TF-IDF scores, overlaps the others), the total and the
peak resident memory. Run it on a graph whose vectors and text features are cached
(``benchmarks/scale.py`` leaves them in its ``--out-dir``/cache).
"""

from __future__ import annotations

import functools
import resource
import sys
import time

import explorer
from explorer.analysis import candidates as candidates_module
from explorer.analysis.engines import clustered
from explorer.analysis.graph_similarity import GraphSimilarity
from explorer.analysis.index import SimilarityIndex
from explorer.analysis.lexical import LexicalScorer

TIMES: dict[str, float] = {}
STEPS = [  # (owner, attribute, label): outer steps first
    (GraphSimilarity, "build", "cached vectors (GraphSimilarity.build)"),
    (SimilarityIndex, "pairs", "pair search (index.pairs)"),
    (clustered, "spherical_kmeans", "  k-means"),
    (clustered, "top_lists", "  centroid scoring (top_lists)"),
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
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES[label] = TIMES.get(label, 0.0) + time.perf_counter() - start

    setattr(owner, name, wrapper)


def main(data: str) -> None:
    for owner, name, label in STEPS:
        timed(owner, name, label)
    start = time.perf_counter()
    kg = explorer.load(data)
    loaded = time.perf_counter()
    found = kg.candidates(per_entity=None, progress=False)
    done = time.perf_counter()
    print(f"{'load (explorer.load)':45s} {loaded - start:8.2f} s")
    for _, _, label in STEPS:
        if label in TIMES:
            print(f"{label:45s} {TIMES[label]:8.2f} s")
    print(f"{'kg.candidates, whole call':45s} {done - loaded:8.2f} s")
    print(f"{'total':45s} {done - start:8.2f} s   ({len(found):,} pairs)")
    print(f"peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main(sys.argv[1])
