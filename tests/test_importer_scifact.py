"""The SciFact importer: real release, committed data/scifact, tiny hand-written sources."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ci import unavailable
from explorer.errors import SchemaError
from explorer.importers.scifact import ATTRIBUTION, import_scifact

REPO = Path(__file__).resolve().parents[1]
SHARED_SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "scifact"
COMMITTED = REPO / "data" / "scifact"
SPLITS = ("train", "dev", "test")


def _need_shared() -> Path:
    if not (SHARED_SCIFACT / "corpus.jsonl").exists():
        unavailable(f"the SciFact release at {SHARED_SCIFACT}")
    return SHARED_SCIFACT


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def source() -> dict:
    """The release read independently of the importer, with the expected counts."""
    src = _need_shared()
    corpus = _jsonl(src / "corpus.jsonl")
    claims = {split: _jsonl(src / f"claims_{split}.jsonl") for split in SPLITS}
    supports = contradicts = cites = 0
    for split in SPLITS:
        for claim in claims[split]:
            evidence = claim.get("evidence", {})
            for rationales in evidence.values():
                (label,) = {r["label"] for r in rationales}
                supports += label == "SUPPORT"
                contradicts += label == "CONTRADICT"
            cites += len({d for d in claim.get("cited_doc_ids", []) if str(d) not in evidence})
    return {
        "src": src,
        "corpus": corpus,
        "claims": claims,
        "n_claims": sum(len(c) for c in claims.values()),
        "supports": supports,
        "contradicts": contradicts,
        "cites": cites,
    }


@pytest.fixture(scope="module")
def imported(source: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    dest = tmp_path_factory.mktemp("scifact")
    counts = import_scifact(source["src"], dest)
    return {
        "dest": dest,
        "counts": counts,
        "entities": pd.read_parquet(dest / "entities.parquet"),
        "edges": pd.read_parquet(dest / "edges.parquet"),
    }


def test_counts_match_the_source(source: dict, imported: dict) -> None:
    entities, edges, counts = imported["entities"], imported["edges"], imported["counts"]
    expected = {
        "claim": source["n_claims"],
        "paper": len(source["corpus"]),
        "supports": source["supports"],
        "contradicts": source["contradicts"],
        "cites": source["cites"],
    }
    assert counts == expected
    assert entities["kind"].value_counts().to_dict() == {
        "claim": expected["claim"],
        "paper": expected["paper"],
    }
    assert edges["relation"].value_counts().to_dict() == {
        k: v for k, v in expected.items() if k in ("supports", "contradicts", "cites")
    }


def test_ids_unique_and_edges_resolve(imported: dict) -> None:
    entities, edges = imported["entities"], imported["edges"]
    assert entities["id"].is_unique
    ids = set(entities["id"])
    assert edges["source"].isin(ids).all()
    assert edges["target"].isin(ids).all()
    assert edges["source"].str.startswith("claim:scifact-").all()
    assert edges["target"].str.startswith("paper:s2orc-").all()
    assert not edges.duplicated(["source", "target"]).any()


def test_contract_columns_and_types(imported: dict) -> None:
    entities, edges = imported["entities"], imported["edges"]
    for column in ("id", "kind", "title", "summary", "status", "year", "authors"):
        assert column in entities.columns
    for column in ("source", "target", "relation", "note", "split"):
        assert column in edges.columns
    assert entities["year"].isna().all()
    assert str(entities["year"].dtype) == "Int64"
    assert all(len(a) == 0 for a in entities["authors"])
    assert (entities["status"] == "active").all()


def test_claim_rows_follow_the_source(source: dict, imported: dict) -> None:
    claims = imported["entities"].set_index("id")
    for split in SPLITS:
        for claim in source["claims"][split]:
            row = claims.loc[f"claim:scifact-{claim['id']}"]
            assert row["title"] == claim["claim"]
            assert row["split"] == split
            assert row["scifact_id"] == claim["id"]
            labels = {r["label"] for rs in claim.get("evidence", {}).values() for r in rs}
            if split == "test":
                assert row["verdict"] == ""
            elif not labels:
                assert row["verdict"] == "NOT ENOUGH INFO"
            else:
                assert row["verdict"] == labels.pop()


def test_paper_summaries_are_clipped_prefixes(source: dict, imported: dict) -> None:
    papers = imported["entities"].set_index("id")
    for doc in source["corpus"]:
        row = papers.loc[f"paper:s2orc-{doc['doc_id']}"]
        full = " ".join(" ".join(doc["abstract"]).split())
        assert row["title"] == doc["title"]
        assert bool(row["structured"]) == doc["structured"]
        assert row["n_sentences"] == len(doc["abstract"])
        assert len(row["summary"]) <= 300
        if row["summary"].endswith("…"):
            assert full.startswith(row["summary"][:-1])
            assert len(full) > 300
        else:
            assert row["summary"] == full
    # the full abstracts are not kept
    assert papers["summary"].str.len().sum() < sum(
        len(" ".join(d["abstract"])) for d in source["corpus"]
    )


def test_evidence_notes_are_rationale_sentences(source: dict, imported: dict) -> None:
    abstracts = {d["doc_id"]: d["abstract"] for d in source["corpus"]}
    edges = imported["edges"].set_index(["source", "target"])
    checked = 0
    for claim in source["claims"]["train"] + source["claims"]["dev"]:
        for doc, rationales in claim["evidence"].items():
            sentences = sorted({i for r in rationales for i in r["sentences"]})
            text = " ".join(" ".join(abstracts[int(doc)][i] for i in sentences).split())
            note = edges.loc[(f"claim:scifact-{claim['id']}", f"paper:s2orc-{doc}"), "note"]
            assert len(note) <= 300
            assert note == text or (note.endswith("…") and text.startswith(note[:-1]))
            checked += 1
    assert checked == source["supports"] + source["contradicts"]
    assert (imported["edges"].query("relation == 'cites'")["note"] == "").all()


def test_committed_data_equals_a_fresh_import(imported: dict) -> None:
    assert sorted(p.name for p in COMMITTED.glob("*.parquet")) == [
        "edges.parquet",
        "entities.parquet",
    ]
    for name in ("entities", "edges"):
        committed = pd.read_parquet(COMMITTED / f"{name}.parquet")
        pd.testing.assert_frame_equal(committed, imported[name])


def test_committed_data_is_small() -> None:
    total = sum(p.stat().st_size for p in COMMITTED.iterdir())
    assert total < 10 * 2**20


def test_import_is_deterministic(source: dict, imported: dict, tmp_path: Path) -> None:
    import_scifact(source["src"], tmp_path)
    for name in ("entities.parquet", "edges.parquet"):
        assert (tmp_path / name).read_bytes() == (imported["dest"] / name).read_bytes()


def test_attribution_names_the_paper_and_licenses() -> None:
    for part in ("Wadden", "EMNLP 2020", "CC BY 4.0", "ODC-By 1.0"):
        assert part in ATTRIBUTION


# --------------------------------------------------------------------------- tiny sources


def _write_source(root: Path, corpus: list, claims: dict[str, list]) -> Path:
    root.mkdir(parents=True, exist_ok=True)

    def dump(rows: list) -> str:
        return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)

    (root / "corpus.jsonl").write_text(dump(corpus), encoding="utf-8")
    for split in SPLITS:
        (root / f"claims_{split}.jsonl").write_text(dump(claims.get(split, [])), encoding="utf-8")
    return root


TINY_CORPUS = [
    {"doc_id": 20, "title": "Second", "abstract": ["B zero.", "B one."], "structured": True},
    {
        "doc_id": 10,
        "title": "First",
        "abstract": ["A zero.", "A one.", "A two."],
        "structured": False,
    },
    {"doc_id": 30, "title": "Distractor", "abstract": ["word " * 100], "structured": False},
]
TINY_CLAIMS = {
    "train": [
        {
            "id": 5,
            "claim": "Five.",
            "evidence": {
                "10": [
                    {"sentences": [2], "label": "SUPPORT"},
                    {"sentences": [0], "label": "SUPPORT"},
                ]
            },
            "cited_doc_ids": [20, 10],
        },
        {"id": 1, "claim": "One.", "evidence": {}, "cited_doc_ids": [20]},
    ],
    "dev": [
        {
            "id": 3,
            "claim": "Three.",
            "evidence": {"20": [{"sentences": [1], "label": "CONTRADICT"}]},
            "cited_doc_ids": [20],
        }
    ],
    "test": [{"id": 2, "claim": "Two."}],
}


def test_tiny_source_mapping(tmp_path: Path) -> None:
    src = _write_source(tmp_path / "src", TINY_CORPUS, TINY_CLAIMS)
    counts = import_scifact(src, tmp_path / "out", summary_chars=40)
    assert counts == {"claim": 4, "paper": 3, "supports": 1, "contradicts": 1, "cites": 2}
    entities = pd.read_parquet(tmp_path / "out" / "entities.parquet")
    edges = pd.read_parquet(tmp_path / "out" / "edges.parquet")
    assert list(entities["id"]) == [
        "claim:scifact-1",
        "claim:scifact-2",
        "claim:scifact-3",
        "claim:scifact-5",
        "paper:s2orc-10",
        "paper:s2orc-20",
        "paper:s2orc-30",
    ]
    assert list(entities["verdict"].iloc[:4]) == ["NOT ENOUGH INFO", "", "CONTRADICT", "SUPPORT"]
    assert list(entities["split"].iloc[:4]) == ["train", "test", "dev", "train"]
    papers = entities.set_index("id")
    assert papers.loc["paper:s2orc-10", "summary"] == "A zero. A one. A two."
    distractor = papers.loc["paper:s2orc-30", "summary"]
    assert distractor.endswith("…") and len(distractor) <= 40
    assert distractor[:-1].split() == ["word"] * len(distractor[:-1].split())
    rows = edges[["source", "target", "relation", "note", "split"]].values.tolist()
    assert rows == [
        ["claim:scifact-1", "paper:s2orc-20", "cites", "", "train"],
        ["claim:scifact-3", "paper:s2orc-20", "contradicts", "B one.", "dev"],
        ["claim:scifact-5", "paper:s2orc-20", "cites", "", "train"],
        # rationale sentences in abstract order, whatever the rationale order
        ["claim:scifact-5", "paper:s2orc-10", "supports", "A zero. A two.", "train"],
    ]


def test_malformed_json_line_names_file_and_line(tmp_path: Path) -> None:
    claims = dict(TINY_CLAIMS, dev=[TINY_CLAIMS["dev"][0], '{"id": 4, "claim": "broken'])
    src = _write_source(tmp_path, TINY_CORPUS, claims)
    with pytest.raises(SchemaError) as info:
        import_scifact(src, tmp_path / "out")
    assert info.value.file is not None and info.value.file.endswith("claims_dev.jsonl")
    assert info.value.row == 2
    assert "claims_dev.jsonl" in str(info.value) and "row 2" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_missing_file_is_named(tmp_path: Path) -> None:
    src = _write_source(tmp_path, TINY_CORPUS, TINY_CLAIMS)
    (src / "claims_test.jsonl").unlink()
    with pytest.raises(SchemaError, match="claims_test.jsonl"):
        import_scifact(src, tmp_path / "out")


@pytest.mark.parametrize(
    ("claims", "column", "row"),
    [
        ({"train": [{"id": 1, "claim": "x", "cited_doc_ids": [99]}]}, "cited_doc_ids", 1),
        (
            {
                "train": [
                    {
                        "id": 1,
                        "claim": "x",
                        "evidence": {"10": [{"sentences": [7], "label": "SUPPORT"}]},
                    }
                ]
            },
            "evidence",
            1,
        ),
        ({"train": [{"id": 1, "claim": "x"}], "dev": ["", {"id": 1, "claim": "y"}]}, "id", 2),
        ({"train": [{"claim": "no id"}]}, "id", 1),
    ],
    ids=["unknown-doc", "sentence-out-of-range", "duplicate-claim-id", "missing-id"],
)
def test_inconsistent_claims_are_refused(
    tmp_path: Path, claims: dict, column: str, row: int
) -> None:
    src = _write_source(tmp_path, TINY_CORPUS, claims)
    with pytest.raises(SchemaError) as info:
        import_scifact(src, tmp_path / "out")
    assert info.value.column == column
    assert info.value.row == row


def test_refuses_to_make_a_directory_ambiguous(tmp_path: Path) -> None:
    src = _write_source(tmp_path / "src", TINY_CORPUS, TINY_CLAIMS)
    out = tmp_path / "out"
    out.mkdir()
    (out / "entities.csv").write_text("id,kind,title\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="ambiguous"):
        import_scifact(src, out)
