"""Memory of whole-graph candidates, step by step: RSS after each step and the peak so far.

    EXPLORER_MINILM_RESCORE=0 python benchmarks/memory_steps.py DATA_DIR

Run it on a graph whose vectors and text features are cached (``benchmarks/scale.py`` leaves
them in its ``--out-dir``/cache; point ``XDG_CACHE_HOME`` there). Linux only (/proc).
"""

from __future__ import annotations

import resource
import sys

import explorer


def rss_mb() -> int:
    """Resident memory now, MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return -1


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(data: str) -> None:
    def step(name: str) -> None:
        print(f"{name:<22} RSS {rss_mb():>6,} MB   peak {peak_mb():>6,} MB", flush=True)

    kg = explorer.load(data)
    step("explorer.load")
    state = kg.similarity
    step("cached vectors")
    pairs = state.index.pairs(state.default_min_cosine, progress=False)
    step(f"pair search ({len(pairs):,})")
    state.prepare_all()
    step("text features")
    frame = kg.candidates(per_entity=None, progress=False)
    step(f"kg.candidates ({len(frame):,})")


if __name__ == "__main__":
    main(sys.argv[1])
