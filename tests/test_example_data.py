"""The bundled example (data/example): a transcription of the exported entity page.

The checks here are written with pandas alone, from the rules the card follows, so
they hold the data to the page independently of the explorer's own code.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ci import unavailable

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_2bcea4be88f1cb4c.txt"

CLAIM = (
    "claim:learned-features-reflect-the-functionality-of-the-model-and-not-just-the-data-"
    "distribution-as-evidenced-by-interpretable-downstream-effects-not-used-in-dictionary-learning"
)
PAPER = "paper:carauleanu-2024-source-of-the-example-claim"

# Cosine of each entity's vector to the claim's. The first eight are "Related by similarity" in
# page order (the page shows 0.794, 0.778 and 0.769; the others are hidden there and chosen to
# keep the page's descending order). The rest have typed edges (or are the source paper) and
# stay well below the 0.65 threshold.
COSINES = {
    "note:motivation-for-using-sparsity-based-dictionary-learning-on-language-models": 0.830,
    "note:scaling-laws-for-dictionary-learning-are-unknown-and-needed-to-assess-feasibility-"
    "on-frontier-models": 0.812,
    "question:what-metrics-can-reliably-tell-us-if-dictionary-learning-has-successfully-"
    "extracted-high-quality-features": 0.794,
    "question:what-is-the-correct-number-of-features-for-dictionary-learning-and-is-this-"
    "question-well-posed": 0.778,
    "note:one-of-the-updates-about-prosaic-ml-simulation": 0.772,
    "finding:all-models-exhibit-above-baseline-representation-of-the-think-word-when-"
    "instructed-to-think-about-it": 0.769,
    "note:describes-scaffolding-method-and-the-model-s-meta-learning-loop": 0.752,
    "note:entry-cut-from-the-export": 0.700,
    PAPER: 0.30,
    "finding:dictionary-learning-on-model-with-randomly-shuffled-weights-produces-mainly-"
    "single-token-and-poorly-interpretable-features": 0.48,
    "finding:causal-validation-of-base64-feature-function-via-pinned-feature-sampling": 0.42,
    "finding:causal-validation-that-the-arabic-feature-has-the-predicted-downstream-effect-"
    "on-generation": 0.40,
    "method:logit-weight-analysis": 0.36,
    "method:clamping-a-feature-s-value-to-zero-to-measure-its-causal-effect-on-model-output": 0.33,
    "method:pinned-feature-sampling": 0.38,
}
SIMILAR = list(COSINES)[:8]
DIM = 16


def example_embeddings(ids: list[str]) -> pd.DataFrame:
    """Build the example's vectors: the claim is e0, entity i is c_i*e0 + sqrt(1 - c_i^2)*e_i.

    `ids` is the entities in file order, the claim among them; the other entities take the
    basis vectors e1, e2, ... in that order, so any two of them have cosine c_i * c_j.
    This is how data/example/embeddings.csv was written (with 15 decimals).
    """
    others = [i for i in ids if i != CLAIM]
    if len(others) + 1 > DIM:
        raise ValueError(f"{len(ids)} entities need more than {DIM} dimensions")
    rows = {CLAIM: np.eye(DIM)[0]}
    for axis, entity in enumerate(others, start=1):
        c = COSINES[entity]
        vector = np.zeros(DIM)
        vector[0], vector[axis] = c, math.sqrt(1.0 - c * c)
        rows[entity] = vector
    frame = pd.DataFrame([rows[i] for i in ids], columns=[f"v{k}" for k in range(DIM)])
    frame.insert(0, "id", ids)
    return frame


def _read(name: str) -> pd.DataFrame:
    # keep_default_na=False: empty notes and summaries are "" as written, not NaN
    return pd.read_csv(EXAMPLE / name, keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def entities() -> pd.DataFrame:
    return _read("entities.csv")


@pytest.fixture(scope="module")
def edges() -> pd.DataFrame:
    return _read("edges.csv")


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    if not SEED.exists():
        unavailable(f"the seed export at {SEED}")
    return SEED.read_text(encoding="utf-8").splitlines()


def test_only_contract_files_and_readme() -> None:
    names = sorted(p.name for p in EXAMPLE.iterdir())
    assert names == ["README.md", "edges.csv", "embeddings.csv", "entities.csv"]


def test_entities_follow_the_contract(entities: pd.DataFrame) -> None:
    for column in ("id", "kind", "title", "summary", "status", "year", "authors"):
        assert column in entities.columns
    assert entities["id"].is_unique
    assert (entities["id"] != "").all()
    assert (entities["id"] == entities["id"].str.strip()).all()
    assert (entities["kind"] != "").all()
    assert (entities["id"].str.split(":").str[0] == entities["kind"]).all()
    years = entities.loc[entities["year"] != "", "year"]
    assert years.str.fullmatch(r"\d{4}").all()


def test_edges_follow_the_contract(entities: pd.DataFrame, edges: pd.DataFrame) -> None:
    for column in ("source", "target", "relation", "note"):
        assert column in edges.columns
    assert (edges["relation"] != "").all()
    ids = set(entities["id"])
    assert edges["source"].isin(ids).all()
    assert edges["target"].isin(ids).all()


def test_claim_id_is_the_one_on_the_page(entities: pd.DataFrame, seed_lines: list[str]) -> None:
    # line 3 runs the id and the title together; the slug is lower case, the title starts upper
    match = re.fullmatch(r"(claim:[a-z0-9-]+)(.+)", seed_lines[2])
    assert match is not None
    seed_id, seed_title = match.groups()
    claim = entities.set_index("id").loc[seed_id]
    assert seed_id == CLAIM
    assert claim["kind"] == seed_lines[0] == "claim"
    assert claim["status"] == seed_lines[1] == "active"
    assert claim["title"] == seed_title
    assert claim["summary"] == seed_lines[3]


def test_source_paper(entities: pd.DataFrame, edges: pd.DataFrame, seed_lines: list[str]) -> None:
    sources = edges[(edges["source"] == CLAIM) & (edges["relation"] == "extracted_from")]
    assert sources["target"].tolist() == [PAPER]
    paper = entities.set_index("id").loc[PAPER]
    assert paper["kind"] == "paper"
    assert paper["year"] == "2024"
    authors = [a.strip() for a in paper["authors"].split(";")]
    assert len(authors) == 5
    # the page's source line: first four authors, then +N for the rest
    line = "extracted_from(2024) · " + " · ".join(authors[:4]) + f" +{len(authors) - 4}"
    assert line == seed_lines[5]


def _page_items(seed_lines: list[str], start: str, stop: str | None) -> list[str]:
    first = next(i for i, line in enumerate(seed_lines) if line.startswith(start))
    items = []
    for line in seed_lines[first + 1 :]:
        if stop is not None and line.startswith(stop):
            break
        if line.startswith("- "):
            items.append(line[2:])
    return items


def _neighborhood(entities: pd.DataFrame, edges: pd.DataFrame, focus: str) -> pd.DataFrame:
    """Rank the typed neighbors of `focus` by the card's rule, with pandas alone."""
    incident = edges[(edges["source"] == focus) | (edges["target"] == focus)].copy()
    incident["neighbor"] = incident["source"].where(incident["target"] == focus, incident["target"])
    # the source paper is the card's source line, not a neighbor
    incident = incident[
        ~((incident["source"] == focus) & (incident["relation"] == "extracted_from"))
    ]
    degree = pd.concat([edges["source"], edges["target"]]).value_counts()
    kinds = entities.set_index("id")
    ranked = (
        incident.groupby("neighbor")
        .agg(n_edges=("relation", "size"), relations=("relation", lambda r: sorted(r)))
        .reset_index()
    )
    ranked["degree"] = ranked["neighbor"].map(degree)
    ranked["kind"] = ranked["neighbor"].map(kinds["kind"])
    ranked["title"] = ranked["neighbor"].map(kinds["title"])
    groups = ranked.groupby("kind").agg(size=("neighbor", "size"), edges=("n_edges", "sum"))
    groups = groups.reset_index().sort_values(
        ["size", "edges", "kind"], ascending=[False, False, True]
    )
    ranked["group"] = ranked["kind"].map({k: i for i, k in enumerate(groups["kind"])})
    return ranked.sort_values(
        ["group", "n_edges", "degree", "title"], ascending=[True, False, False, True]
    )


def test_neighborhood_ranking_reproduces_the_page(
    entities: pd.DataFrame, edges: pd.DataFrame, seed_lines: list[str]
) -> None:
    ranked = _neighborhood(entities, edges, CLAIM)
    assert ranked["kind"].drop_duplicates().tolist() == ["finding", "method"]
    assert (ranked["kind"].value_counts() == 3).all()

    page = _page_items(seed_lines, "Findings (3)", "Methods (3)") + _page_items(
        seed_lines, "Methods (3)", "Related by similarity"
    )
    assert len(page) == len(ranked) == 6
    notes = edges[edges["note"] != ""].set_index(["source", "target"])["note"]
    for (_, row), shown in zip(ranked.iterrows(), page, strict=True):
        # the page runs title, relations and note together; relations show only with a note
        assert shown.startswith(row["title"])
        rest = shown[len(row["title"]) :]
        if rest:
            note = notes.loc[(row["neighbor"], CLAIM)]
            assert rest == "".join(row["relations"]) + note
        else:
            assert row["n_edges"] == 1 and (row["neighbor"], CLAIM) not in notes.index

    first = ranked.iloc[0]
    assert first["relations"] == ["associated_with", "supports"]
    assert first["n_edges"] == 2


def test_ties_are_broken_by_degree_then_title(entities: pd.DataFrame, edges: pd.DataFrame) -> None:
    ranked = _neighborhood(entities, edges, CLAIM).set_index("title")
    methods = ranked[ranked["kind"] == "method"]
    # Logit ranks first among the methods by degree alone, not by title
    assert methods["degree"].iloc[0] > methods["degree"].iloc[1]
    assert methods.index[0] > methods.index[1]


def _cosines_to_claim(embeddings: pd.DataFrame) -> pd.Series:
    vectors = embeddings.set_index("id").astype(float)
    claim = vectors.loc[CLAIM].to_numpy()
    matrix = vectors.to_numpy()
    cos = matrix @ claim / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(claim))
    return pd.Series(cos, index=vectors.index).drop(CLAIM)


def test_embeddings_file(entities: pd.DataFrame) -> None:
    embeddings = _read("embeddings.csv")
    assert embeddings.columns.tolist() == ["id"] + [f"v{k}" for k in range(DIM)]
    assert embeddings["id"].tolist() == entities["id"].tolist()
    values = embeddings.drop(columns="id").astype(float).to_numpy()
    assert np.isfinite(values).all()
    expected = example_embeddings(entities["id"].tolist()).drop(columns="id").to_numpy()
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-12)


def test_cosines_match_the_page(entities: pd.DataFrame, edges: pd.DataFrame) -> None:
    cos = _cosines_to_claim(_read("embeddings.csv"))
    for entity in SIMILAR:
        assert round(cos[entity], 3) == COSINES[entity], entity
    typed = set(edges.loc[edges["target"] == CLAIM, "source"]) | set(
        edges.loc[edges["source"] == CLAIM, "target"]
    )
    assert typed and all(0.2 <= cos[e] <= 0.5 for e in typed)
    assert set(cos.index) == set(SIMILAR) | typed


def test_related_by_similarity_reproduces_the_page(
    entities: pd.DataFrame, edges: pd.DataFrame, seed_lines: list[str]
) -> None:
    cos = _cosines_to_claim(_read("embeddings.csv"))
    linked = set(edges["source"]) | set(edges["target"])
    related = cos[(cos >= 0.65) & ~cos.index.isin(linked)].sort_values(ascending=False)
    assert len(related) == 8  # "Related by similarity (8)"
    assert "Related by similarity (8)" in seed_lines

    page = _page_items(seed_lines, "Related by similarity", None)
    assert len(page) == 7  # the export cut the eighth
    table = entities.set_index("id")
    for entity, shown in zip(related.index[:7], page, strict=True):
        row = table.loc[entity]
        assert shown.startswith(row["title"]), (entity, shown)
        rest = shown[len(row["title"]) :]
        if rest:  # kind, cosine to 3 places, summary
            assert rest == f"{row['kind']}{cos[entity]:.3f}{row['summary']}"
        else:
            assert row["kind"] == "note"
    assert table.loc[related.index[-1], "title"] == "(entry cut from the export)"
