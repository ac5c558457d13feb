"""Related by similarity on a graph: typed neighbors excluded, symmetry, bad vectors and text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import explorer
from conftest import EXAMPLE
from explorer import EmbeddingError, KnowledgeGraph


@pytest.fixture
def twins() -> KnowledgeGraph:
    """Three copies of one text: a and b joined by an edge, c unlinked; d unrelated; e empty."""
    text = "Sparse autoencoders recover interpretable features from language models"
    entities = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "kind": ["claim", "finding", "claim", "claim", "note"],
            "title": ["A", "B", "C", "D", "E"],
            "summary": [text, text, text, "Vitamin D deficiency affects birth weight", ""],
        }
    )
    edges = pd.DataFrame({"source": ["b"], "target": ["a"], "relation": ["supports"]})
    # Only the summary is embedded, so "e" has no text to compare.
    return KnowledgeGraph.from_frames(entities, edges).set_embedder("wordllama",
                                                                      fields=["summary"])


def test_similar_leaves_out_typed_neighbors_in_either_direction(twins):
    assert twins.similar("a")["id"].tolist() == ["c"]  # b is as close, but joined by an edge
    assert twins.similar("b")["id"].tolist() == ["c"]
    assert set(twins.similar("c")["id"]) == {"a", "b"}
    assert twins.similar("a").iloc[0]["cosine"] == pytest.approx(1.0, abs=1e-3)


def test_candidates_leave_out_linked_pairs_and_label_duplicates(twins):
    found = twins.candidates()
    pairs = {frozenset(p) for p in zip(found["id_a"], found["id_b"], strict=True)}
    assert pairs == {frozenset("ac"), frozenset("bc")}
    labels = dict(zip(map(frozenset, zip(found["id_a"], found["id_b"], strict=True)),
                      found["label"], strict=True))
    assert labels[frozenset("ac")] == "duplicate"  # the same text, whatever the kind
    assert labels[frozenset("bc")] == "duplicate"
    assert set(found["reason"]) == {"same text after normalisation"}
    assert twins.candidates(kinds=["claim"])[["id_a", "id_b"]].values.tolist() == [["a", "c"]]


def test_cosines_are_symmetric_on_real_data():
    kg = explorer.load(EXAMPLE)
    for entity_id in kg.ids[:8]:
        for row in kg.similar(entity_id, min_cosine=0.3).itertuples():
            back = kg.similar(row.id, min_cosine=0.3).set_index("id")["cosine"]
            assert back[entity_id] == pytest.approx(row.cosine, abs=1e-3)


def test_entity_without_text_is_set_aside_with_a_reason(twins):
    aside = twins.similarity.set_aside
    assert aside["id"].tolist() == ["e"] and "no text" in aside["reason"].iloc[0]
    result = twins.similar("e")
    assert result.empty and "not compared" in result.attrs["message"]
    assert "e" not in set(twins.candidates(min_cosine=-1.0)[["id_a", "id_b"]].values.ravel())
    assert "not compared" in twins.card("e").to_text()


@pytest.mark.parametrize("bad", [1.5, -1.01, float("nan")])
def test_threshold_outside_the_range_is_refused(twins, bad):
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        twins.similar("a", min_cosine=bad)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        twins.candidates(min_cosine=bad)


def _with_vectors(tmp_path, vectors: dict[str, list[float]]):
    pd.read_csv(EXAMPLE / "entities.csv").to_csv(tmp_path / "entities.csv", index=False)
    pd.read_csv(EXAMPLE / "edges.csv").to_csv(tmp_path / "edges.csv", index=False)
    rows = [{"id": k, **{f"v{i}": x for i, x in enumerate(v)}} for k, v in vectors.items()]
    pd.DataFrame(rows).to_csv(tmp_path / "embeddings.csv", index=False)
    return explorer.load(tmp_path)


def test_own_vectors_with_nan_name_the_entity(tmp_path):
    kg = _with_vectors(tmp_path, {"method:logit-weight-analysis": [0.1, float("nan"), 0.3]})
    with pytest.raises(EmbeddingError, match="method:logit-weight-analysis"):
        kg.similarity  # noqa: B018


def test_own_vectors_of_the_wrong_dimension_name_the_entity(tmp_path):
    kg = _with_vectors(tmp_path, {"method:logit-weight-analysis": [0.1, 0.2, 0.3]})
    (tmp_path / "embeddings.csv").unlink()
    pd.DataFrame(
        {"id": ["method:logit-weight-analysis", "method:pinned-feature-sampling"],
         "vector": [[0.1, 0.2, 0.3], [1.0]]}
    ).to_json(tmp_path / "embeddings.jsonl", orient="records", lines=True)
    kg = explorer.load(tmp_path)
    with pytest.raises(EmbeddingError, match="method:pinned-feature-sampling"):
        kg.similarity  # noqa: B018


def test_own_vectors_leave_entities_without_one_set_aside(tmp_path):
    kg = _with_vectors(tmp_path, {"method:logit-weight-analysis": [1.0, 0.0],
                                  "method:pinned-feature-sampling": [0.9, 0.1]})
    assert kg.similarity.source == "own vectors" and kg.similarity.default_min_cosine == 0.65
    assert len(kg.similarity.set_aside) == len(kg) - 2
    assert kg.similar("method:logit-weight-analysis")["id"].tolist() == [
        "method:pinned-feature-sampling"
    ]


def test_embedding_column_is_used_as_is():
    entities = pd.DataFrame(
        {"id": ["x", "y", "z"], "kind": "claim", "title": ["one", "two", "three"],
         "embedding": [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]}
    )
    kg = KnowledgeGraph.from_frames(entities)
    found = kg.similar("x", min_cosine=0.5)
    assert found["id"].tolist() == ["y"] and found["cosine"].iloc[0] == pytest.approx(0.8)
    assert np.allclose(np.linalg.norm(kg.similarity.vectors, axis=1), 1.0)


def test_a_read_only_copy_of_the_data_loads_embeds_and_answers(tmp_path):
    import os
    import shutil
    import stat

    from conftest import SCIFACT

    folder = tmp_path / "scifact"
    shutil.copytree(SCIFACT, folder)
    for path in [folder, *folder.iterdir()]:
        os.chmod(path, stat.S_IREAD | (stat.S_IEXEC if path.is_dir() else 0))
    before = sorted(p.name for p in folder.iterdir())
    try:
        kg = explorer.load(folder)
        claim = kg.find("Pyridostatin decreases telomere fragility").iloc[0]["id"]
        found = kg.similar(claim)
        assert found.iloc[0]["label"] == "possible contradiction"
        assert sorted(p.name for p in folder.iterdir()) == before  # nothing written there
    finally:
        for path in [folder, *folder.iterdir()]:
            os.chmod(path, stat.S_IRWXU)
