"""Smoke test of benchmarks/run.py: the quick run finishes and prints its table (no timings)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"

EXPECTED_ROWS = [
    "load time",
    "load peak memory",
    "load + 256-d vectors (cached): peak memory",
    "adjacency bytes / entity",
    "adjacency bytes / edge",
    "neighborhood median",
    "neighborhood p95",
    "pandas filter median (baseline)",
    "neighborhood speed-up vs pandas (median ratio)",
    "card median (similar=False)",
    "card p95",
    "networkx MultiDiGraph build",
    "networkx ego_graph median",
    "find median",
    "find hit rate (top 10)",
    "embedding throughput (wordllama, no cache)",
    "pairs ≥ 0.65, exact blocked: time",
    "pairs ≥ 0.65, faiss IVF: time",
    "pairs ≥ 0.65, sklearn brute: time",
    "faiss recall vs exact",
    "pairs speed-up vs brute: faiss",
]

NUMBER = re.compile(r"^\d[\d,]*(\.\d+)?")


@pytest.fixture(scope="module")
def quick_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _table(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| measurement"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_quick_run_prints_header_and_table(quick_output: str) -> None:
    assert "Machine: CPU" in quick_output
    assert "OPENBLAS_CORETYPE=" in quick_output
    assert "| measurement | 2,000 | target |" in quick_output


def test_quick_table_has_numeric_cells(quick_output: str) -> None:
    rows = _table(quick_output)
    missing = [name for name in EXPECTED_ROWS if name not in rows]
    assert not missing, f"rows missing from the table: {missing}"
    for name in EXPECTED_ROWS:
        value = rows[name][0]
        assert NUMBER.match(value), f"row {name!r} has a non-numeric cell {value!r}"


TARGET_ROWS = ["load time", "load + 256-d vectors (cached): peak memory",
               "neighborhood speed-up vs pandas (median ratio)", "card median (similar=False)",
               "pairs speed-up vs brute: faiss"]


def test_every_target_row_has_a_verdict_that_follows_from_its_figure(quick_output: str) -> None:
    rows = _table(quick_output)
    for name in TARGET_ROWS:
        target = rows[name][1]
        assert re.search(r"\*\*(PASS|MISS)\*\*", target), f"{name!r}: no verdict in {target!r}"
    # a verdict is computed, not written: the load-time row passes exactly under its limit
    load = rows["load time"]
    value = float(load[0].split()[0].replace(",", ""))
    ms = value if load[0].endswith(" ms") else value * 1000
    assert ("**PASS**" in load[1]) == (ms < 10_000)
