"""The SciERC importer: counts against the release (read independently), and a tiny source."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import explorer
from ci import unavailable
from explorer.errors import SchemaError
from explorer.importers.scierc import ATTRIBUTION, import_scierc

SHARED_SCIERC = Path(__file__).resolve().parents[2] / "shared" / "data" / "scierc"
SPLITS = ("train", "dev", "test")
# From ../shared/data/scierc/SOURCE.md (the published SciERC statistics).
PUBLISHED = {"docs": 500, "sentences": 2687, "mentions": 8094, "relations": 4648}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def source() -> dict:
    if not all((SHARED_SCIERC / f"{split}.json").exists() for split in SPLITS):
        unavailable(f"the SciERC release at {SHARED_SCIERC}")
    docs = [d for split in SPLITS for d in _jsonl(SHARED_SCIERC / f"{split}.json")]
    mentions = [m for d in docs for s in d["ner"] for m in s]
    return {
        "docs": docs,
        "sentences": sum(len(d["sentences"]) for d in docs),
        "mentions": len(mentions),
        "relations": sum(len(s) for d in docs for s in d["relations"]),
        "labels": pd.Series([r[4] for d in docs for s in d["relations"] for r in s])
        .value_counts().to_dict(),
    }


@pytest.fixture(scope="module")
def imported(source: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    dest = tmp_path_factory.mktemp("scierc")
    counts = import_scierc(SHARED_SCIERC, dest)
    return {
        "dest": dest,
        "counts": counts,
        "entities": pd.read_parquet(dest / "entities.parquet"),
        "edges": pd.read_parquet(dest / "edges.parquet"),
    }


def test_the_release_is_the_published_one(source: dict) -> None:
    assert {k: source[k] if k != "docs" else len(source["docs"]) for k in PUBLISHED} == PUBLISHED


def test_counts_match_the_source(source: dict, imported: dict) -> None:
    entities, edges, counts = imported["entities"], imported["edges"], imported["counts"]
    assert counts["paper"] == len(source["docs"]) == (entities["kind"] == "paper").sum()
    assert counts["finding"] == source["sentences"] == (entities["kind"] == "finding").sum()
    assert counts["extracted_from"] == source["sentences"]
    assert entities["kind"].value_counts().to_dict() == {
        k: v for k, v in counts.items() if k in set(entities["kind"]) and v
    }
    assert edges["relation"].value_counts().to_dict() == {
        k: v for k, v in counts.items() if k in set(edges["relation"]) and v
    }
    # every SciERC relation is either an edge or counted as dropped, label by label
    written = {k: v for k, v in counts.items() if k in {
        label.lower().replace("-", "_") for label in source["labels"]}}
    assert sum(written.values()) + counts["relations_dropped"] == source["relations"]
    for label, n in source["labels"].items():
        assert written[label.lower().replace("-", "_")] <= n
    assert counts["relations_dropped"] < 0.25 * source["relations"]
    # a term per distinct (type, lower-cased text) of the typed mentions
    terms = set()
    for d in source["docs"]:
        tokens = [t for s in d["sentences"] for t in s]
        terms |= {(m[2], " ".join(tokens[m[0]:m[1] + 1]).lower())
                  for s in d["ner"] for m in s if m[2] != "Generic"}
    n_terms = sum(counts[k] for k in ("method", "task", "metric", "material", "term"))
    assert 0.98 * len(terms) <= n_terms <= len(terms)
    n_typed = sum(1 for d in source["docs"] for s in d["ner"] for m in s if m[2] != "Generic")
    term_rows = entities[entities["kind"].isin(["method", "task", "metric", "material", "term"])]
    assert term_rows["n_mentions"].sum() == n_typed


def test_ids_unique_edges_resolve_and_it_loads(imported: dict) -> None:
    entities, edges = imported["entities"], imported["edges"]
    assert entities["id"].is_unique
    ids = set(entities["id"])
    assert edges["source"].isin(ids).all() and edges["target"].isin(ids).all()
    kg = explorer.load(imported["dest"])
    assert len(kg) == len(entities)
    findings = entities[entities["kind"] == "finding"]
    assert findings["year"].notna().all() and findings["year"].between(1980, 2016).all()
    assert (findings["title"].str.len() > 0).all()
    # bracket tokens restored, no space before a comma or the final full stop
    assert not findings["title"].str.contains(r"(?:^| )-[LR]RB-(?: |$)| ,| \.$").any()


def test_import_is_deterministic(imported: dict, tmp_path: Path) -> None:
    import_scierc(SHARED_SCIERC, tmp_path)
    for name in ("entities.parquet", "edges.parquet"):
        assert (tmp_path / name).read_bytes() == (imported["dest"] / name).read_bytes()


def test_attribution_names_the_paper() -> None:
    assert "Luan" in ATTRIBUTION and "EMNLP 2018" in ATTRIBUTION


# --------------------------------------------------------------------------- tiny source

TINY = {
    "doc_key": "CVPR_2003_18_abs",
    "sentences": [["We", "propose", "an", "SVM", "-LRB-", "it", "-RRB-", "."],
                  ["The", "approach", "helps", "parsing", "."]],
    "ner": [[[3, 3, "Method"], [5, 5, "Generic"]], [[9, 9, "Generic"], [11, 11, "Task"]]],
    "relations": [[], [[9, 9, 11, 11, "USED-FOR"], [11, 11, 3, 3, "COMPARE"]]],
    "clusters": [[[3, 3], [5, 5]]],
}


def _write(root: Path, docs: dict[str, list]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        lines = [d if isinstance(d, str) else json.dumps(d) for d in docs.get(split, [])]
        (root / f"{split}.json").write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return root


def test_tiny_source_mapping(tmp_path: Path) -> None:
    counts = import_scierc(_write(tmp_path / "src", {"dev": [TINY]}), tmp_path / "out")
    assert counts["finding"] == 2 and counts["paper"] == 1
    assert counts["method"] == 1 and counts["task"] == 1
    # "it" resolves to the SVM through the cluster; "The approach" is in none: dropped
    assert counts["mentions_dropped"] == 1 and counts["relations_dropped"] == 1
    assert counts["compare"] == 1 and counts["used_for"] == 0
    entities = pd.read_parquet(tmp_path / "out" / "entities.parquet").set_index("id")
    assert entities.loc["finding:scierc-CVPR_2003_18_abs-0", "title"] == "We propose an SVM (it)."
    assert entities.loc["paper:scierc-CVPR_2003_18_abs", "year"] == 2003
    assert entities.loc["method:svm", "title"] == "SVM"
    edges = pd.read_parquet(tmp_path / "out" / "edges.parquet")
    rows = edges[["source", "target", "relation"]].values.tolist()
    assert ["task:parsing", "method:svm", "compare"] in rows
    assert ["finding:scierc-CVPR_2003_18_abs-0", "method:svm", "mentions"] in rows


def test_malformed_line_and_bad_span_are_named(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as info:
        import_scierc(_write(tmp_path / "a", {"test": [TINY, '{"doc_key": ']}), tmp_path / "o")
    assert info.value.file.endswith("test.json") and info.value.row == 2
    bad = dict(TINY, ner=[[[3, 99, "Method"]], []])
    with pytest.raises(SchemaError) as info:
        import_scierc(_write(tmp_path / "b", {"train": [bad]}), tmp_path / "o")
    assert info.value.column == "ner" and info.value.row == 1
    with pytest.raises(SchemaError, match="duplicate doc_key"):
        import_scierc(_write(tmp_path / "c", {"train": [TINY], "dev": [TINY]}), tmp_path / "o")
