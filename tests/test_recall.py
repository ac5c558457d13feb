"""kg.candidate_recall: the sampled estimate agrees with the recall counted over every pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_engine_clustered import clustered_set

from explorer import KnowledgeGraph, ParameterError
from explorer.analysis.engines.exact import exact_pairs

THRESHOLD = 0.6


def graph(x: np.ndarray, edges: pd.DataFrame | None = None) -> KnowledgeGraph:
    n = len(x)
    entities = pd.DataFrame({"id": [f"e{i}" for i in range(n)], "kind": "claim",
                             "title": [f"entity <{i}>" for i in range(n)],
                             "embedding": list(x)})
    kg = KnowledgeGraph.from_frames(entities, edges)
    kg.set_embedder(cache=None)
    return kg


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return clustered_set(2000)


@pytest.fixture(scope="module")
def coarse(x: np.ndarray) -> KnowledgeGraph:
    """The clustered engine probing one list of each entity: it misses most pairs."""
    kg = graph(x)
    kg.similarity.index.nprobe = 1
    return kg


def true_recall(kg: KnowledgeGraph, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of every exact pair, and of those the coarse search found."""
    n = len(x)
    i, j, _ = exact_pairs(x, THRESHOLD)
    found = kg.similarity.pairs(THRESHOLD, method="clustered")
    return i * n + j, found["i"].to_numpy() * n + found["j"].to_numpy()


def test_sampling_every_entity_gives_the_recall_counted_over_every_pair(coarse, x):
    exact, found = true_recall(coarse, x)
    estimate = coarse.candidate_recall(THRESHOLD, method="clustered", sample=len(x))
    truth = np.isin(exact, found).mean()
    assert 0.1 < truth < 0.9  # the engine really misses pairs here
    assert estimate.method == "clustered" and estimate.sampled == len(x)
    assert estimate.exact_pairs == len(exact)
    assert estimate.found_pairs == np.isin(exact, found).sum()
    assert estimate.recall == pytest.approx(truth, abs=1e-12)  # each pair counted twice
    assert estimate.low <= estimate.recall <= estimate.high
    missed = estimate.missed
    keys = (missed["id_a"].str[1:].astype(int) * len(x) + missed["id_b"].str[1:].astype(int))
    assert set(keys) == set(exact) - set(found)
    assert missed["cosine"].is_monotonic_decreasing and (missed["cosine"] >= THRESHOLD).all()
    assert missed["title_a"].iloc[0].startswith("entity <")


def test_a_sample_brackets_the_true_recall(coarse, x):
    exact, found = true_recall(coarse, x)
    truth = np.isin(exact, found).mean()
    estimate = coarse.candidate_recall(THRESHOLD, method="clustered", sample=300, seed=1)
    assert estimate.sampled == 300 and estimate.exact_pairs < len(exact)
    assert estimate.low <= truth <= estimate.high
    assert 0 < estimate.high - estimate.low < 0.2
    assert "missed" in str(estimate) and "method='exact'" in str(estimate)


def test_pairs_a_typed_edge_joins_are_not_counted(x):
    i, j, _ = exact_pairs(x, THRESHOLD)
    linked = pd.DataFrame({"source": [f"e{a}" for a in i[:500]],
                           "target": [f"e{b}" for b in j[:500]], "relation": "supports"})
    plain = graph(x).candidate_recall(THRESHOLD, method="exact", sample=len(x))
    edged = graph(x, linked).candidate_recall(THRESHOLD, method="exact", sample=len(x))
    assert plain.exact_pairs == len(i)
    assert edged.exact_pairs == len(i) - 500
    assert edged.recall == 1.0 and edged.missed.empty and edged.low == 1.0


def test_the_default_search_of_a_small_graph_is_exact_and_finds_everything(x):
    estimate = graph(x).candidate_recall(THRESHOLD, sample=100)
    assert estimate.method == "exact" and estimate.recall == 1.0
    assert estimate.found_pairs == estimate.exact_pairs > 0
    assert "missed" not in str(estimate)


def test_no_pair_in_the_sample_says_so(x):
    estimate = graph(x).candidate_recall(0.999, sample=10)
    assert estimate.exact_pairs == 0 and np.isnan(estimate.recall)
    assert "nothing to estimate" in str(estimate)


@pytest.mark.parametrize("sample", [0, -3, 2.5, True, "100"])
def test_a_sample_that_is_not_a_positive_count_is_refused(x, sample):
    with pytest.raises(ParameterError, match="sample must be a positive whole number"):
        graph(x[:50]).candidate_recall(sample=sample)


def test_the_html_form_escapes_its_text():
    from explorer.analysis.recall import RecallEstimate

    estimate = RecallEstimate(
        recall=0.5, low=0.4, high=0.6, method="<b>clustered</b>", min_cosine=0.6,
        sampled=10, entities=100, exact_pairs=4, found_pairs=2, exact_seconds=3.0,
        missed=pd.DataFrame(),
    )
    assert "&lt;b&gt;clustered&lt;/b&gt;" in estimate._repr_html_()
    assert "<b>" not in estimate._repr_html_()


def test_pairs_the_curator_rejected_are_not_counted(tmp_path):
    import shutil

    import explorer
    from conftest import EXAMPLE

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    kg = explorer.load(folder)
    before = kg.candidate_recall(sample=len(kg))
    pair = kg.candidates(per_entity=None).iloc[0]
    kg.reject(pair["id_a"], pair["id_b"])
    after = kg.candidate_recall(sample=len(kg))
    assert after.exact_pairs == before.exact_pairs - 1 > 0
    assert explorer.load(folder).candidate_recall(sample=len(kg)).exact_pairs == after.exact_pairs
