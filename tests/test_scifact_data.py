"""The bundled SciFact graph loads through the public API and matches the source files."""

from __future__ import annotations

import json

import explorer
from conftest import SCIFACT, shared_path


def test_bundled_scifact_loads_with_the_source_counts():
    source = shared_path("data", "scifact")
    claims = [
        json.loads(line)
        for split in ("train", "dev", "test")
        for line in (source / f"claims_{split}.jsonl").read_text().splitlines()
    ]
    n_papers = len((source / "corpus.jsonl").read_text().splitlines())
    labels = {"SUPPORT": 0, "CONTRADICT": 0}
    cites = 0
    for claim in claims:
        evidence = claim.get("evidence", {})
        for rationales in evidence.values():
            labels[rationales[0]["label"]] += 1
        cites += len({str(d) for d in claim.get("cited_doc_ids", [])} - set(evidence))

    kg = explorer.load(SCIFACT)
    assert kg.report.n_set_aside == 0
    assert kg.kind_counts().to_dict() == {"paper": n_papers, "claim": len(claims)}
    relations = kg.relation_counts().to_dict()
    assert relations == {"supports": labels["SUPPORT"], "contradicts": labels["CONTRADICT"],
                         "cites": cites}
    # every claim's evidence is reachable from its card
    claim = next(c for c in claims if c.get("evidence"))
    hood = kg.neighborhood(f"claim:scifact-{claim['id']}")
    assert set(hood["id"]) >= {f"paper:s2orc-{d}" for d in claim["evidence"]}
