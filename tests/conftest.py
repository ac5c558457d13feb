"""Shared fixtures: tiny literal tables, the bundled data, the shared datasets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from ci import unavailable

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
SCIFACT = ROOT / "data" / "scifact"
SHARED = ROOT.parent / "shared"
SEED_PAGE = SHARED / "seeds" / "000_2bcea4be88f1cb4c.txt"

# Vectors are cached in the user's cache directory (platformdirs reads XDG_CACHE_HOME):
# point it at a temporary folder so the suite writes nothing outside it, not even there.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="explorer-test-cache-")


def shared_path(*parts: str) -> Path:
    """A file under ../shared; skipped locally when absent, a failure in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        unavailable(f"{path} (a copy of shared/ beside the repository)")
    return path


@pytest.fixture
def tiny_entities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["c:1", "c:2", "f:1", "f:2", "m:1", "p:1", "q:1"],
            "kind": ["claim", "claim", "finding", "finding", "method", "paper", "question"],
            "title": [
                "Sparse features are interpretable",
                "Dense features are not interpretable",
                "Ablation changes the output",
                "Shuffled weights give poor features",
                "Logit weight analysis",
                "A paper on features",
                "How many features are there?",
            ],
            "summary": ["s1", "s2", "", "", "", "", ""],
            "status": ["active"] * 7,
            "year": [None, None, None, None, None, 2023, None],
            "authors": ["", "", "", "", "", "Ada One; Bo Two; Cy Three; Di Four; Ed Five", ""],
        }
    )


@pytest.fixture
def tiny_edges() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["f:1", "f:1", "f:2", "m:1", "c:1", "f:1", "q:1"],
            "target": ["c:1", "c:1", "c:1", "c:1", "p:1", "p:1", "c:2"],
            "relation": [
                "supports", "associated_with", "supports", "supports",
                "extracted_from", "extracted_from", "associated_with",
            ],
            "note": ["why", "", "", "how", "", "", ""],
        }
    )


@pytest.fixture
def tiny_kg(tiny_entities, tiny_edges):
    from explorer import KnowledgeGraph

    return KnowledgeGraph.from_frames(tiny_entities, tiny_edges)


@pytest.fixture
def write_dir(tmp_path, tiny_entities, tiny_edges):
    """Write the tiny tables into a data directory in a given format."""

    def write(ext: str = "csv") -> Path:
        folder = tmp_path / f"data-{ext}"
        folder.mkdir()
        for name, frame in (("entities", tiny_entities), ("edges", tiny_edges)):
            path = folder / f"{name}.{ext}"
            if ext == "csv":
                frame.to_csv(path, index=False)
            elif ext == "tsv":
                frame.to_csv(path, index=False, sep="\t")
            elif ext == "jsonl":
                frame.to_json(path, orient="records", lines=True)
            elif ext == "parquet":
                frame.to_parquet(path, index=False)
        return folder

    return write


def _source_tree_state() -> str:
    """What git sees in data/ and notebooks/, ignored files included."""
    import subprocess

    try:
        return subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "data", "notebooks"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "(not a git checkout)"


@pytest.fixture(scope="session", autouse=True)
def writes_nothing_into_data_or_notebooks():
    """The suite writes nothing into data/ or notebooks/ (checked when it ends)."""
    before = _source_tree_state()
    yield
    after = _source_tree_state()
    assert after == before, f"the tests changed data/ or notebooks/:\n{after}"
