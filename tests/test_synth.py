"""Tests of the synthetic graph generator (explorer.synth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import explorer
import explorer.testing.synth as synth
from explorer.errors import ExplorerError
from explorer.testing.synth import (
    KIND_SHARES,
    MissingTextsError,
    SynthError,
    synthesize,
    write_synthetic,
)

TEXTS = [
    "Aspirin reduces the risk of stroke in patients with atrial fibrillation.",
    "Vitamin D supplements do not prevent hip fractures in older women.",
    "Regular exercise improves working memory in healthy adults.",
    "Sleep deprivation impairs glucose tolerance after one week.",
    "Statins lower LDL cholesterol but raise the risk of diabetes.",
    "Early antibiotic treatment shortens the duration of sepsis.",
    "Gut microbiota composition predicts response to immunotherapy.",
    "High salt intake increases blood pressure in salt-sensitive people.",
    "Mindfulness training reduces anxiety symptoms in students.",
    "Coffee consumption is associated with lower mortality.",
    "Air pollution exposure during pregnancy lowers birth weight.",
    "Metformin extends lifespan in mice fed a high-fat diet.",
]
RELATIONS = {"extracted_from"} | {r[0] for r in synth.RELATIONS}


@pytest.fixture(scope="module")
def graph() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthesize(20_000, seed=5, texts=TEXTS)


def codes(entities: pd.DataFrame, column: pd.Series) -> np.ndarray:
    return pd.Index(entities["id"]).get_indexer(column)


# ---------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_frames() -> None:
    a = synthesize(3_000, seed=11, texts=TEXTS)
    b = synthesize(3_000, seed=11, texts=TEXTS)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])


def test_another_seed_gives_another_graph() -> None:
    a_entities, a_edges = synthesize(3_000, seed=1, texts=TEXTS)
    b_entities, b_edges = synthesize(3_000, seed=2, texts=TEXTS)
    assert (a_entities["id"] != b_entities["id"]).mean() > 0.5
    assert (a_entities["kind"] != b_entities["kind"]).mean() > 0.3
    pairs = lambda e: set(zip(e["source"], e["target"], strict=True))  # noqa: E731
    overlap = len(pairs(a_edges) & pairs(b_edges)) / len(a_edges)
    assert overlap < 0.2


def test_same_seed_writes_byte_identical_parquet(tmp_path) -> None:
    first = write_synthetic(2_000, tmp_path / "a", seed=4, texts=TEXTS)
    second = write_synthetic(2_000, tmp_path / "b", seed=4, texts=TEXTS)
    for name in ("entities", "edges"):
        assert first[name].read_bytes() == second[name].read_bytes()


# ---------------------------------------------------------------------------- contract


def test_entities_meet_the_contract(graph) -> None:
    entities, _ = graph
    assert list(entities.columns) == [
        "id",
        "kind",
        "title",
        "summary",
        "status",
        "year",
        "authors",
    ]
    ids = entities["id"]
    assert ids.is_unique
    assert (ids.str.len() > 0).all()
    assert (ids == ids.str.strip()).all()
    assert ids.str.len().max() <= 70
    assert ids.str.fullmatch(r"[a-z]+:[a-z0-9-]+-[0-9a-z]+").all()
    assert (ids.str.split(":").str[0] == entities["kind"]).all()
    assert set(entities["kind"]) == set(KIND_SHARES)
    assert entities["title"].notna().all() and (entities["title"].str.len() > 0).all()
    assert entities["summary"].notna().all()
    assert entities["status"].notna().all()


def test_kind_proportions_follow_the_shares(graph) -> None:
    entities, _ = graph
    shares = entities["kind"].value_counts(normalize=True)
    for kind, share in KIND_SHARES.items():
        assert shares[kind] == pytest.approx(share, abs=1e-3)


def test_papers_have_years_and_authors_others_none(graph) -> None:
    entities, _ = graph
    papers = entities[entities["kind"] == "paper"]
    others = entities[entities["kind"] != "paper"]
    assert str(entities["year"].dtype) == "Int64"
    assert papers["year"].notna().all()
    assert papers["year"].between(1990, 2025).all()
    assert papers["year"].median() >= 2012  # skewed towards recent years
    assert others["year"].isna().all()
    lengths = papers["authors"].map(len)
    assert lengths.between(1, 12).all() and lengths.nunique() > 5
    assert all(
        isinstance(a, list) and all(isinstance(x, str) and x for x in a) for a in papers["authors"]
    )
    assert all(len(set(a)) == len(a) for a in papers["authors"])
    assert all(a == [] for a in others["authors"])
    # some authors are prolific
    counts = pd.Series([name for a in papers["authors"] for name in a]).value_counts()
    assert counts.iloc[0] > 20 * counts.median()


def test_edges_meet_the_contract(graph) -> None:
    entities, edges = graph
    assert list(edges.columns) == ["source", "target", "relation", "note"]
    assert edges["source"].isin(entities["id"]).all()
    assert edges["target"].isin(entities["id"]).all()
    assert (edges["relation"].str.len() > 0).all()
    assert set(edges["relation"]) == RELATIONS
    assert (edges["source"] != edges["target"]).all()
    assert not edges.duplicated(["source", "target", "relation"]).any()
    noted = (edges["note"] != "").mean()
    assert 0.05 < noted < 0.25


def test_edges_join_suitable_kinds(graph) -> None:
    entities, edges = graph
    kind = entities["kind"].to_numpy()
    source_kind = kind[codes(entities, edges["source"])]
    target_kind = kind[codes(entities, edges["target"])]
    for relation, _, sources, targets, _ in synth.RELATIONS:
        rows = (edges["relation"] == relation).to_numpy()
        assert rows.any(), relation
        # an associated_with edge may also be the reverse of another relation's edge
        if relation != "associated_with":
            assert set(source_kind[rows]) <= set(sources), relation
            assert set(target_kind[rows]) <= set(targets), relation


def test_every_non_paper_is_extracted_from_one_paper(graph) -> None:
    entities, edges = graph
    extracted = edges[edges["relation"] == "extracted_from"]
    kind = entities.set_index("id")["kind"]
    assert (kind[extracted["target"]].to_numpy() == "paper").all()
    per_entity = extracted["source"].value_counts()
    non_papers = entities.loc[entities["kind"] != "paper", "id"]
    assert set(per_entity.index) == set(non_papers)
    assert (per_entity == 1).all()
    # a few papers are hubs
    per_paper = extracted["target"].value_counts()
    assert per_paper.iloc[0] > 30 * per_paper.median()


def test_citations_go_from_newer_to_older_papers(graph) -> None:
    entities, edges = graph
    year = entities.set_index("id")["year"]
    cites = edges[edges["relation"] == "cites"]
    assert len(cites) > 1000
    assert (year[cites["source"]].to_numpy() >= year[cites["target"]].to_numpy()).all()


@pytest.mark.parametrize("per_entity", [2.0, 5.0, 8.0])
def test_about_edges_per_entity_edges(per_entity) -> None:
    entities, edges = synthesize(4_000, seed=3, texts=TEXTS, edges_per_entity=per_entity)
    assert len(edges) / len(entities) == pytest.approx(per_entity, rel=0.2)


def test_edges_per_entity_never_drops_extracted_from() -> None:
    entities, edges = synthesize(1_000, seed=3, texts=TEXTS, edges_per_entity=0)
    assert set(edges["relation"]) == {"extracted_from"}
    assert len(edges) == (entities["kind"] != "paper").sum()


def test_degree_distribution_is_heavy_tailed(graph) -> None:
    entities, edges = graph
    ends = np.r_[codes(entities, edges["source"]), codes(entities, edges["target"])]
    degree = np.sort(np.bincount(ends, minlength=len(entities)))
    assert degree[-1] > 20 * np.median(degree)
    # Gini coefficient of the degrees: about 0.18 for uniformly random endpoints
    n = len(degree)
    gini = 1 - 2 * np.cumsum(degree).sum() / (n * degree.sum()) + 1 / n
    assert gini > 0.35
    # the 1 % best connected entities hold a large share of the edge ends
    assert degree[-n // 100 :].sum() / degree.sum() > 0.08


def test_some_pairs_have_several_relations(graph) -> None:
    entities, edges = graph
    s, t = codes(entities, edges["source"]), codes(entities, edges["target"])
    pairs = pd.DataFrame({"a": np.minimum(s, t), "b": np.maximum(s, t)})
    share = (pairs.value_counts() > 1).mean()
    assert 0.01 < share < 0.15
    doubled = edges.assign(a=pairs["a"], b=pairs["b"]).groupby(["a", "b"])["relation"]
    assert (doubled.nunique() > 1).any()


# ---------------------------------------------------------------------------- texts


def test_texts_come_from_the_pool_with_variants(graph) -> None:
    entities, _ = graph
    vocabulary = {w.strip(".,?").lower() for t in TEXTS for w in t.split()}
    vocabulary |= {w.strip(".,?:").lower() for q in synth._QUALIFIERS for w in q.split()}
    vocabulary |= {w.strip(".,?:").lower() for q in synth._QUESTION_FORMS for w in q.split()}
    vocabulary |= {w.strip(".,?:").lower() for q in synth._NOTE_PREFIXES for w in q.split()}
    words = {w.strip(".,?:").lower() for t in entities["title"] for w in t.split()}
    assert words <= vocabulary
    titles = entities.loc[entities["kind"].isin(["claim", "finding"]), "title"]
    exact = titles.isin(TEXTS).mean()
    assert 0 < exact < 0.05  # the originals are there, the rest are variants
    assert titles.nunique() > 0.3 * len(titles)  # 12 sentences, thousands of distinct texts


def test_small_graphs_use_each_text_at_most_once() -> None:
    texts = [f"Compound {i} inhibits kinase {i % 7} in cell line {i % 5}." for i in range(1000)]
    entities, _ = synthesize(300, seed=8, texts=texts)
    plain = entities.loc[entities["kind"].isin(["claim", "finding", "paper", "method"])]
    assert plain["title"].isin(texts).all()
    used = pd.concat([plain["title"], entities["summary"][entities["summary"] != ""]])
    assert used.isin(texts).all()
    assert used.is_unique


def test_questions_read_as_questions(graph) -> None:
    entities, _ = graph
    questions = entities.loc[entities["kind"] == "question", "title"]
    assert questions.str.endswith("?").all()
    starts = tuple(synth._QUESTION_FORMS)
    assert questions.map(lambda t: t.startswith(starts)).all()


def test_default_texts_are_the_bundled_scifact_data() -> None:
    bundled = pd.read_parquet(synth.DEFAULT_TEXTS_DIR / "entities.parquet")
    entities, edges = synthesize(3_000, seed=2)
    squeeze = lambda texts: texts.str.split().str.join(" ")  # noqa: E731
    source = bundled[bundled["kind"] == "paper"]
    source = source.set_index(squeeze(source["title"]))["summary"]
    source = squeeze(source[~source.index.duplicated()])
    papers = entities[entities["kind"] == "paper"]
    # fewer papers and methods than SciFact titles: every paper title is an original
    assert papers["title"].isin(source.index).all()
    # and its summary opens the abstract of that same paper
    opening = [
        " ".join(s.split()[:3]) in source[t]
        for t, s in zip(papers["title"], papers["summary"], strict=True)
    ]
    assert np.mean(opening) > 0.9
    claims = squeeze(bundled.loc[bundled["kind"] == "claim", "title"])
    assert entities["title"].isin(claims).sum() > 100
    assert edges["source"].isin(entities["id"]).all()


def test_missing_default_texts_say_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(synth, "DEFAULT_TEXTS_DIR", tmp_path)
    with pytest.raises(MissingTextsError, match=r"texts="):
        synthesize(100)
    with pytest.raises(FileNotFoundError):
        synthesize(100)


# ---------------------------------------------------------------------------- files


def test_write_synthetic_round_trips(tmp_path) -> None:
    entities, edges = synthesize(2_500, seed=9, texts=TEXTS)
    paths = write_synthetic(2_500, tmp_path / "out", seed=9, texts=TEXTS)
    assert paths == {
        "entities": tmp_path / "out" / "entities.parquet",
        "edges": tmp_path / "out" / "edges.parquet",
    }
    assert pa.types.is_dictionary(pq.read_schema(paths["entities"]).field("kind").type)
    assert pa.types.is_dictionary(pq.read_schema(paths["edges"]).field("relation").type)
    assert pq.read_schema(paths["entities"]).field("id").type == pa.string()
    assert pq.read_schema(paths["edges"]).field("source").type == pa.string()
    read_entities = pd.read_parquet(paths["entities"])
    read_edges = pd.read_parquet(paths["edges"])
    read_entities["kind"] = read_entities["kind"].astype("str")
    read_entities["authors"] = read_entities["authors"].map(list)
    read_edges["relation"] = read_edges["relation"].astype("str")
    pd.testing.assert_frame_equal(read_entities, entities)
    pd.testing.assert_frame_equal(read_edges, edges)


def test_written_graph_loads(tmp_path) -> None:
    write_synthetic(1_500, tmp_path, seed=1, texts=TEXTS)
    edges = pd.read_parquet(tmp_path / "edges.parquet")
    kg = explorer.load(tmp_path)
    assert repr(kg).startswith(f"KnowledgeGraph(1,500 entities, {len(edges):,} edges)")


# ---------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("n", [0, -5, 2.5, True, "10"])
def test_bad_sizes_are_refused(n) -> None:
    with pytest.raises(SynthError, match="n_entities"):
        synthesize(n, texts=TEXTS)


@pytest.mark.parametrize("per_entity", [-1.0, float("nan"), float("inf")])
def test_bad_edges_per_entity_is_refused(per_entity) -> None:
    with pytest.raises(SynthError, match="edges_per_entity"):
        synthesize(10, texts=TEXTS, edges_per_entity=per_entity)


def test_texts_without_text_are_refused() -> None:
    with pytest.raises(SynthError, match="no usable text"):
        synthesize(10, texts=["", "   "])
    assert issubclass(SynthError, ExplorerError) and issubclass(SynthError, ValueError)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20])
def test_tiny_graphs_are_valid(n) -> None:
    entities, edges = synthesize(n, seed=0, texts=TEXTS[:1])
    assert len(entities) == n and entities["id"].is_unique
    assert (entities["kind"] == "paper").sum() >= 1
    assert edges["source"].isin(entities["id"]).all()
    assert edges["target"].isin(entities["id"]).all()
    assert (edges["source"] != edges["target"]).all()


def test_progress_bar_only_when_asked(capsys) -> None:
    synthesize(200, texts=TEXTS)
    assert capsys.readouterr().err == ""
    synthesize(200, texts=TEXTS, progress=True)
    assert "synthesize" in capsys.readouterr().err
