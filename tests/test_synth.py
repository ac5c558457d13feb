"""Tests of the synthetic graph generator (explorer.testing.synth and its modules)."""

from __future__ import annotations

import importlib.util
import lzma
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tomllib

import explorer
import explorer.testing.synth as synth
import explorer.testing.synth_render as synth_render
from explorer.errors import ExplorerError
from explorer.testing.synth import (
    KIND_SHARES,
    MissingTextsError,
    SynthError,
    synthesize,
    write_synthetic,
)
from explorer.testing.synth_texts import OPPOSITES, load_pool
from explorer.testing.synth_wording import NOTE_PREFIXES, QUALIFIERS, QUESTION_FORMS

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
ROOT = Path(__file__).resolve().parents[1]
PUNCTUATION = "([{\"'“‘.,;:!?)]}”’…%"


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


def words_of(texts) -> set[str]:
    return {w.strip(".,?:").lower() for t in texts for w in t.split()}


def test_texts_come_from_the_pool_with_variants(graph) -> None:
    entities, _ = graph
    vocabulary = words_of(TEXTS) | words_of(QUALIFIERS) | words_of(QUESTION_FORMS)
    vocabulary |= words_of(NOTE_PREFIXES) | set(OPPOSITES.values())  # contradictions
    assert words_of(entities["title"]) <= vocabulary
    assert words_of(entities["summary"]) <= vocabulary
    titles = entities.loc[entities["kind"].isin(["claim", "finding"]), "title"]
    assert titles.isin(TEXTS).mean() < 0.05  # every text has at least a word replaced
    assert titles.nunique() > 0.8 * len(titles)  # 12 sentences, thousands of distinct texts


def test_texts_are_distinct_even_beyond_the_pool() -> None:
    texts = [f"Compound {i} inhibits kinase {i % 7} in cell line {i % 5}." for i in range(200)]
    entities, _ = synthesize(5_000, seed=8, texts=texts)
    assert entities["title"].duplicated().mean() < 0.02
    used = entities.loc[entities["kind"].isin(["claim", "finding"]), "title"]
    assert used.isin(texts).mean() < 0.2


def test_questions_read_as_questions(graph) -> None:
    entities, _ = graph
    questions = entities.loc[entities["kind"] == "question", "title"]
    assert questions.str.endswith("?").all()
    assert questions.map(lambda t: t.startswith(QUESTION_FORMS)).all()
    notes = entities.loc[entities["kind"] == "note", "title"]
    assert 0.6 < notes.str.startswith(NOTE_PREFIXES[1:]).mean() < 0.95  # some unprefixed


def test_texts_read_like_sentences(graph) -> None:
    entities, _ = graph
    for column in ("title", "summary"):
        texts = entities[column][entities[column] != ""]
        assert not texts.str.contains("  ").any(), column
        assert not texts.str.contains(r" [.,;:?]").any(), column
        assert (texts == texts.str.strip()).all(), column
    statements = entities.loc[entities["kind"].isin(["claim", "finding"]), "title"]
    assert statements.str[0].str.isupper().mean() > 0.9
    assert statements.str[-1].isin([".", "?", "!"]).mean() > 0.9


def test_default_texts_load_from_the_package_file() -> None:
    package = Path(explorer.__file__).resolve().parent
    assert synth.DEFAULT_TEXTS.is_file()
    assert synth.DEFAULT_TEXTS.is_relative_to(package)  # survives a non-editable install
    assert synth.DEFAULT_TEXTS.parent == synth.DEFAULT_TEXTS_DIR
    assert synth.DEFAULT_TEXTS.stat().st_size < 600_000
    source = (synth.DEFAULT_TEXTS_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "Wadden" in source and "CC BY 4.0" in source and "ODC-By 1.0" in source
    # the wheel takes the folder as package data
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["explorer"]
    for path in (synth.DEFAULT_TEXTS, synth.DEFAULT_TEXTS_DIR / "SOURCE.md"):
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch(relative, p) for p in patterns), relative
    pool = load_pool(synth.DEFAULT_TEXTS)
    assert len(pool.titles) > 5_000 and len(pool.statements) > 9_000
    assert (pool.title_summary >= 0).mean() > 0.99


def test_default_texts_are_the_scifact_sentences() -> None:
    entities, edges = synthesize(3_000, seed=2)
    scifact = pd.read_parquet(ROOT / "data" / "scifact" / "entities.parquet")
    notes = pd.read_parquet(ROOT / "data" / "scifact" / "edges.parquet")["note"]
    strip = lambda texts: {w.strip(PUNCTUATION) for w in words_of(texts)}  # noqa: E731
    source = strip(scifact["title"]) | strip(scifact["summary"]) | strip(notes)
    source |= strip(QUALIFIERS)
    source |= strip(QUESTION_FORMS) | strip(NOTE_PREFIXES) | set(OPPOSITES.values())
    used = strip(entities["title"]) | strip(entities["summary"])
    assert len(used - source) < 0.01 * len(used)  # words of SciFact (or of the wording)
    assert edges["source"].isin(entities["id"]).all()
    papers = entities[entities["kind"] == "paper"]
    assert (papers["summary"] != "").all()


def test_the_package_file_is_up_to_date_with_data_scifact() -> None:
    script = ROOT / "benchmarks" / "make_synth_texts.py"
    spec = importlib.util.spec_from_file_location("make_synth_texts", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = lzma.decompress(synth.DEFAULT_TEXTS.read_bytes()).decode("utf-8")
    assert shipped == module.jsonl(module.records(ROOT / "data" / "scifact")), (
        "run: python benchmarks/make_synth_texts.py"
    )


def test_missing_default_texts_say_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(synth, "DEFAULT_TEXTS", tmp_path / "absent.jsonl.xz")
    with pytest.raises(MissingTextsError, match=r"texts="):
        synthesize(100)
    with pytest.raises(FileNotFoundError):
        synthesize(100)


# ---------------------------------------------------------------------------- realism


@pytest.fixture(scope="module")
def default_graph() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthesize(20_000, seed=4)


def test_texts_are_mostly_distinct_with_a_few_close_neighbours() -> None:
    """Issue 13: as in real data (SciFact: 3.1 pairs per entity at wordllama cosine >= 0.60,
    72 % of entities with a partner), not 100+ pairs per entity from a reused pool."""
    from explorer.analysis.embedding import embed
    from explorer.analysis.texts import entity_texts

    entities, _ = synthesize(3_000, seed=6)
    assert entities["title"].duplicated().mean() < 0.05
    vectors = embed(entity_texts(entities), "wordllama", progress=False).vectors
    threshold = explorer.get_embedder("wordllama").default_min_cosine
    similar = np.triu(vectors @ vectors.T >= threshold, 1)
    per_entity = similar.sum() / len(entities)
    partners = similar.sum(0) + similar.sum(1)
    assert 1.5 < per_entity < 5.0
    assert 0.4 < (partners > 0).mean() < 0.9
    assert 1 <= np.median(partners) <= 4


def test_near_duplicates_and_contradictions_are_planted(default_graph) -> None:
    entities, _ = default_graph
    title = entities["title"]
    exact = title.duplicated(keep=False).mean()
    assert 0 < exact < 0.01  # a few entered twice, as in real graphs
    statements = entities.loc[entities["kind"].isin(["claim", "finding"]), "title"]
    # a contradiction is another title with the same words but for a direction word
    unsigned = statements.map(
        lambda t: " ".join("#" if w.strip(".,;:").lower() in OPPOSITES else w for w in t.split())
    )
    variants = statements.groupby(unsigned.to_numpy()).nunique()
    flipped = int((variants - 1).sum())
    expected = 0.001 * len(entities)
    assert 0.5 * expected <= flipped <= 4 * expected


def test_batches_and_threads_do_not_change_the_texts(monkeypatch) -> None:
    whole = synthesize(2_000, seed=3)[0]
    monkeypatch.setattr(synth_render, "_BATCH", 97)
    pd.testing.assert_frame_equal(synthesize(2_000, seed=3)[0], whole)


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
