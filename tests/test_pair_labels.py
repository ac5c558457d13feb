"""Tests of explorer.analysis.pair_labels (labels, reasons, words) and explorer.analysis.lexical."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from explorer.analysis.lexical import (
    TFIDF_ARGS,
    LexicalScorer,
    combined_score,
    normalize_text,
    normalize_texts,
)
from explorer.analysis.pair_labels import (
    CANDIDATE_EDGE,
    COLUMNS,
    DUPLICATE,
    LABELS,
    MAX_DIFFERS,
    MAX_SHARED,
    POSSIBLE_CONTRADICTION,
    POSSIBLE_DUPLICATE,
    PairTexts,
)
from explorer.errors import ExplorerError, ParameterError

PYRIDOSTATIN_DOWN = "Pyridostatin decreases telomere fragility in BRCA2-deficient cells."
PYRIDOSTATIN_UP = "Pyridostatin increases telomere fragility in BRCA2-deficient cells."


def explain_one(a: str, b: str, cosine: float) -> pd.Series:
    texts = PairTexts.from_texts([a, b])
    return texts.explain(np.array([0]), np.array([1]), np.array([cosine])).iloc[0]


# ------------------------------------------------------------------ normalisation
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Brackets] around words", "brackets around words"),
        ("\u201cQuoted\u201d claim", "quoted claim"),
        ("ＦＵＬＬ-width ＢＲＣＡ２", "full width brca2"),
        ("\ufb01brosis and \ufb02ow", "fibrosis and flow"),
        ("Don't stop; it's (very) good!", "dont stop its very good"),
        ("p < 0.05, n = 1,000 mice.", "p < 0.05 n = 1000 mice"),
        ("snake_case\tand\nnew  lines", "snake case and new lines"),
        ("STRASSE Straße", "strasse strasse"),
        ("   ", ""),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_normalize_texts_agrees_with_one_at_a_time():
    texts = ["Ａ (b) c.", "plain ascii, text", "", "e.g. 2.5.", "naïve “x”", "l1\nl2"]
    assert normalize_texts(texts) == [normalize_text(t) for t in texts]


# ------------------------------------------------------------------ the rules
def test_numbers_that_differ_are_never_a_duplicate():
    row = explain_one("2010 United Kingdom general election",
                      "2017 United Kingdom general election", 0.970)
    assert row["label"] == CANDIDATE_EDGE
    assert row["reason"] == "numbers differ: 2010 | 2017"
    assert row["differs"] == "2010 | 2017"
    assert row["numbers_differ"]
    assert set(row["shared"].split(", ")) == {"united", "kingdom", "general", "election"}


def test_numbers_are_compared_as_multisets():
    row = explain_one("Doses of 5 and 5 mg", "Doses of 5 mg", 0.99)
    assert row["label"] == CANDIDATE_EDGE
    assert row["reason"] == "numbers differ: 5 | none"


def test_brackets_do_not_matter_whatever_the_cosine():
    row = explain_one("[Brackets] around a telomere claim",
                      "Brackets around a telomere claim", 0.737)
    assert row["label"] == DUPLICATE
    assert row["reason"] == "same text after normalisation"
    assert row["differs"] == ""
    assert row["lexical_ratio"] == 1.0


def test_a_leading_curly_quote_is_a_duplicate():
    row = explain_one("\u201cSleep deprivation impairs memory consolidation",
                      "Sleep deprivation impairs memory consolidation", 0.934)
    assert row["label"] == DUPLICATE


def test_nfkc_forms_are_duplicates():
    assert explain_one("ＢＲＣＡ２ loss", "BRCA2 loss", 0.5)["label"] == DUPLICATE
    assert explain_one("Lung \ufb01brosis", "lung fibrosis", 0.5)["label"] == DUPLICATE


def test_opposite_direction_is_a_possible_contradiction():
    row = explain_one(PYRIDOSTATIN_DOWN, PYRIDOSTATIN_UP, 0.969)
    assert row["label"] == POSSIBLE_CONTRADICTION
    assert row["differs"] == "decreases | increases"
    assert row["reason"] == "differs by direction: decreases | increases"
    assert row["opposite"]
    assert not row["numbers_differ"]


def test_negation_on_one_side_is_a_possible_contradiction():
    row = explain_one("Vitamin D is associated with bone density",
                      "Vitamin D is not associated with bone density", 0.95)
    assert row["label"] == POSSIBLE_CONTRADICTION
    assert row["reason"] == "differs by negation: not"
    assert row["differs"] == " | not"
    assert row["opposite"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Smoking causes cancer", "Smoking doesn't cause cancer"),  # few other words differ
        ("Patients were affected by the drug", "Patients were unaffected by the drug"),
        ("Hypermethylation of MLH1 silences it", "Hypomethylation of MLH1 silences it"),
        ("The drug is proinflammatory in mice", "The drug is antiinflammatory in mice"),
    ],
)
def test_other_contradictions(a, b):
    assert explain_one(a, b, 0.9)["label"] == POSSIBLE_CONTRADICTION


def test_opposite_words_in_otherwise_different_texts_are_no_contradiction():
    row = explain_one("Smoking increases the risk of lung cancer",
                      "Exercise decreases the risk of lung cancer", 0.9)
    assert row["opposite"]
    assert row["label"] == CANDIDATE_EDGE


def test_negation_on_both_sides_is_no_contradiction():
    row = explain_one("X is not associated with Y", "X is never associated with Y", 0.95)
    assert not row["opposite"]
    assert row["label"] != POSSIBLE_CONTRADICTION


def test_numbers_beat_contradiction_and_normalisation_beats_everything():
    row = explain_one("Aspirin increases bleeding in 2010",
                      "Aspirin decreases bleeding in 2017", 0.97)
    assert row["label"] == CANDIDATE_EDGE
    assert row["reason"].startswith("numbers differ")
    assert explain_one("Aspirin (not) helps", "aspirin not helps", 0.1)["label"] == DUPLICATE


def test_near_identical_rewording_is_a_possible_duplicate_only_when_cosine_agrees():
    a = "Aspirin reduces the risk of colorectal cancer in adults"
    b = "Aspirin reduces the risk of colorectal cancers in adults"
    row = explain_one(a, b, 0.97)
    assert row["label"] == POSSIBLE_DUPLICATE
    assert row["reason"].startswith("near-identical wording (ratio 0.9")
    assert row["differs"] == "cancer | cancers"
    assert row["lexical_ratio"] >= 0.9
    low = explain_one(a, b, 0.85)
    assert low["label"] == CANDIDATE_EDGE
    assert "cosine below" in low["reason"]
    other = explain_one("Aspirin reduces colorectal cancer",
                        "Statins lower heart attack rates", 0.99)
    assert other["label"] == CANDIDATE_EDGE


def test_word_order_matters_for_possible_duplicates():
    row = explain_one("Insulin resistance causes obesity in mice",
                      "Obesity causes insulin resistance in mice", 0.97)
    assert row["label"] == CANDIDATE_EDGE
    assert row["differs"] == ""  # the same words, in another order


# ------------------------------------------------------------------ nothing to compare
@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("", "Some claim", "no text to compare"),
        ("Some claim", "   \n\t", "no text to compare"),
        ("", "", "no text to compare"),
        ("the", "the", "too little text to compare"),
        ("The", "Some claim", "too little text to compare"),
        ("?!", "Some claim", "too little text to compare"),
    ],
)
def test_blank_and_too_little_text(a, b, reason):
    row = explain_one(a, b, 0.99)
    assert row["label"] == CANDIDATE_EDGE
    assert row["reason"] == reason
    assert math.isnan(row["lexical_ratio"])


def test_missing_texts_count_as_blank():
    texts = PairTexts.from_texts(["A claim", None, float("nan"), pd.NA])
    out = texts.explain(np.array([0, 0, 0]), np.array([1, 2, 3]), np.full(3, 0.9))
    assert out["reason"].tolist() == ["no text to compare"] * 3


def test_megabyte_texts_get_a_label_and_a_reason():
    big = "telomere fragility in cells " * 40_000  # 1.1 MB
    texts = PairTexts.from_texts([big, big + " not", big, "a short claim"])
    out = texts.explain(np.array([0, 0, 0]), np.array([1, 2, 3]), np.array([0.99, 0.99, 0.5]))
    assert out["label"].tolist()[1] == DUPLICATE
    assert out["label"].tolist()[0] in LABELS
    assert all(out["reason"].str.len() > 0)
    assert out["lexical_ratio"].iloc[0] > 0.99  # the first 2,000 characters are equal


# ------------------------------------------------------------------ the frame
def test_the_frame_has_one_row_per_pair_in_order():
    texts = PairTexts.from_texts(
        [PYRIDOSTATIN_DOWN, PYRIDOSTATIN_UP, "", "[" + PYRIDOSTATIN_UP + "]"]
    )
    out = texts.explain([1, 0, 3, 0], [3, 2, 1, 1], [0.5, 0.9, 0.5, 0.969])
    assert list(out.columns) == COLUMNS
    assert list(out["label"].cat.categories) == list(LABELS)
    assert out["label"].tolist() == [DUPLICATE, CANDIDATE_EDGE, DUPLICATE, POSSIBLE_CONTRADICTION]
    assert out["numbers_differ"].dtype == bool and out["opposite"].dtype == bool


def test_no_pairs_give_an_empty_frame():
    out = PairTexts.from_texts(["a claim"]).explain([], [], [])
    assert list(out.columns) == COLUMNS and len(out) == 0


def test_shared_lists_informative_words_rarest_first_and_differs_each_side():
    texts = PairTexts.from_texts([
        "The alpha and the beta of gamma", "An alpha or a beta of delta",
        "beta zeta", "beta eta",
    ])
    out = texts.explain([0, 2], [1, 3], [0.5, 0.5])
    assert out["shared"].tolist() == ["alpha, beta", "beta"]  # beta is in all four texts
    assert out["differs"].tolist() == ["gamma | delta", "zeta | eta"]


def test_shared_and_differs_are_cut():
    a = " ".join(f"w{k}x" for k in range(20))
    b = " ".join(f"w{k}x" for k in range(10)) + " " + " ".join(f"v{k}y" for k in range(10))
    row = explain_one(a, b, 0.5)
    assert len(row["shared"].split(", ")) == MAX_SHARED
    only_a, only_b = row["differs"].split(" | ")
    assert len(only_a.split(", ")) == MAX_DIFFERS == len(only_b.split(", "))


def test_lexical_ratio_only_where_it_can_matter():
    texts = PairTexts.from_texts(
        ["Coffee improves sleep", "Tea disturbs rest", "Coffee improves sleep."]
    )
    out = texts.explain([0, 0, 0], [1, 1, 2], [0.5, 0.85, 0.5])
    assert math.isnan(out["lexical_ratio"][0])  # low cosine, no word in common
    assert 0.0 <= out["lexical_ratio"][1] < 0.9
    assert out["lexical_ratio"][2] == 1.0


def test_labels_do_not_depend_on_earlier_calls():
    texts = [PYRIDOSTATIN_DOWN, PYRIDOSTATIN_UP, "Telomere fragility", "[Telomere] fragility"]
    once = PairTexts.from_texts(texts).explain([0, 2], [1, 3], [0.97, 0.9])
    lazy = PairTexts.from_texts(texts)
    first = lazy.explain([2], [3], [0.9])
    again = lazy.explain([0, 2], [1, 3], [0.97, 0.9])
    assert first["label"].tolist() == [DUPLICATE]
    pd.testing.assert_frame_equal(once, again)


@pytest.mark.parametrize(
    ("i", "j", "cosine", "says"),
    [
        ([0, 1], [1], [0.9, 0.9], "same length"),
        ([0], [5], [0.9], "[0, 2)"),
        ([-1], [0], [0.9], "[0, 2)"),
        ([0.0], [1], [0.9], "integer"),
        ([[0]], [[1]], [[0.9]], "1-D"),
    ],
)
def test_bad_pairs_raise_parameter_error(i, j, cosine, says):
    with pytest.raises(ParameterError) as caught:
        PairTexts.from_texts(["a claim", "another claim"]).explain(i, j, cosine)
    assert says in str(caught.value)
    assert isinstance(caught.value, ExplorerError) and isinstance(caught.value, ValueError)


def test_texts_must_be_strings():
    with pytest.raises(ParameterError, match="position 1 holds a int"):
        PairTexts.from_texts(["a claim", 3])


# ------------------------------------------------------------------ properties
WORDS = st.sampled_from([
    "the", "not", "no", "never", "increases", "decreases", "higher", "lower", "affected",
    "unaffected", "telomere", "cells", "BRCA2", "2010", "2017", "5", "[brackets]", "“quote”",
    "ＦＵＬＬ", "ﬁbrosis", "fibrosis", "a", "of", "-", ",", "don't", "α-synuclein", "  ",
])
TEXT = st.one_of(st.lists(WORDS, max_size=10).map(" ".join), st.text(max_size=30))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=TEXT, b=TEXT, others=st.lists(TEXT, max_size=3),
       cosine=st.floats(0.0, 1.0, allow_nan=False))
def test_labels_are_symmetric_and_duplicates_normalise_equal(a, b, others, cosine):
    texts = PairTexts.from_texts([a, b, *others])
    out = texts.explain([0, 1], [1, 0], [cosine, cosine])
    assert out["label"][0] == out["label"][1]
    assert out["opposite"][0] == out["opposite"][1]
    if out["label"][0] == DUPLICATE:
        assert normalize_text(a) == normalize_text(b) != ""
    # The label of a pair does not depend on the other texts read (batches on Spark).
    alone = PairTexts.from_texts([b, a]).explain([0], [1], [cosine])
    assert alone["label"][0] == out["label"][0]


# ------------------------------------------------------------------ lexical score
CORPUS = [
    "BRCA2 loss sensitises cells to PARP inhibitors",
    "BRCA2 loss sensitises cells to PARP inhibitors",
    "Coffee intake and sleep quality",
    "PARP inhibitors in BRCA2 deficient tumours",
    "",
    "Sleep quality improves with exercise",
]


def test_lexical_identical_disjoint_blank():
    scorer = LexicalScorer.fit(CORPUS)
    out = scorer.score(np.array([0, 0, 0, 4]), np.array([1, 2, 4, 4]))
    assert out.dtype == np.float32
    assert out[0] == pytest.approx(1.0, abs=1e-6)
    assert out[1] == 0.0 and out[2] == 0.0 and out[3] == 0.0


def test_lexical_is_symmetric_and_matches_sklearn():
    scorer = LexicalScorer.fit(CORPUS)
    i, j = np.array([0, 0, 2, 3, 5]), np.array([3, 5, 5, 1, 2])
    np.testing.assert_array_equal(scorer.score(i, j), scorer.score(j, i))
    reference = cosine_similarity(TfidfVectorizer(**TFIDF_ARGS).fit_transform(CORPUS))
    np.testing.assert_allclose(scorer.score(i, j), reference[i, j], atol=1e-6)
    assert 0.0 < scorer.score(np.array([0]), np.array([3]))[0] < 1.0


def test_lexical_scores_rare_shared_words_higher():
    scorer = LexicalScorer.fit(["tau cells", "tau neurons", "cells grow", "cells die", "cells"])
    rare, common = scorer.score(np.array([0, 0]), np.array([1, 2]))
    assert rare > common > 0


def test_lexical_on_no_words_and_no_pairs():
    scorer = LexicalScorer.fit(["", None, "  "])
    assert scorer.score(np.array([0]), np.array([1])).tolist() == [0.0]
    assert scorer.score(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).shape == (0,)


def test_lexical_rejects_bad_positions():
    scorer = LexicalScorer.fit(CORPUS)
    with pytest.raises(ParameterError, match=r"\[0, 6\)"):
        scorer.score(np.array([0]), np.array([6]))
    with pytest.raises(ParameterError, match="same length"):
        scorer.score(np.array([0, 1]), np.array([1]))


@pytest.mark.parametrize("weight", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_combined_score_is_monotone_in_each_argument(weight):
    grid = np.linspace(-1.0, 1.0, 21)
    fixed = np.full_like(grid, 0.3)
    by_cosine = combined_score(grid, fixed, weight=weight)
    by_lexical = combined_score(fixed, np.clip(grid, 0, 1), weight=weight)
    assert np.all(np.diff(by_cosine) >= 0) and np.all(np.diff(by_lexical) >= 0)
    if 0 < weight < 1:
        assert np.all(np.diff(by_cosine) > 0)
    np.testing.assert_allclose(combined_score(grid, fixed, weight=0.0), grid, atol=1e-6)


def test_combined_score_ranks_the_lexically_closer_pair_first():
    score = combined_score(np.array([0.9, 0.9]), np.array([0.2, 0.7]))
    assert score[1] > score[0]


@pytest.mark.parametrize("weight", [-0.1, 1.5, float("nan"), "0.5"])
def test_combined_score_rejects_bad_weights(weight):
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        combined_score(np.array([0.5]), np.array([0.5]), weight=weight)


def test_combined_score_rejects_mismatched_shapes():
    with pytest.raises(ParameterError, match="same shape"):
        combined_score(np.array([0.5, 0.4]), np.array([0.5]))


# -- the vectorised helpers give what the per-pair rules give ------------------------------

def test_reversed_by_skips_only_words_that_cannot_be_opposite() -> None:
    import random

    from explorer.analysis.pair_words import OPPOSITES, _opposite, reversed_by

    def every_pair(differs: str) -> tuple[str, str] | None:  # the plain double loop
        sides = differs.split(" | ")
        if len(sides) != 2:
            return None
        return next(((x, y) for x in sides[0].split(", ") for y in sides[1].split(", ")
                     if _opposite(x, y)), None)

    rng = random.Random(0)
    words = sorted(OPPOSITES)[:150] + ["increased", "reduction", "induce", "suppressed",
                                       "different", "similar", "mice", "cells", "tau"]
    cases = [", ".join(rng.sample(words, rng.randint(1, 4))) + " | "
             + ", ".join(rng.sample(words, rng.randint(1, 4))) for _ in range(3000)]
    found = [reversed_by(c) for c in cases]
    assert found == [every_pair(c) for c in cases]
    assert sum(f is not None for f in found) > 100  # the sample holds opposites


@given(pairs=st.lists(st.tuples(*[st.lists(st.integers(0, 12), max_size=3).map(
    lambda xs: " ".join(sorted(map(str, xs))))] * 2), max_size=30))
def test_numbers_reasons_are_the_per_pair_reasons(pairs: list[tuple[str, str]]) -> None:
    from explorer.analysis.pair_numbers import numbers_reason, numbers_reasons

    a = np.array([p[0] for p in pairs], dtype=object)
    b = np.array([p[1] for p in pairs], dtype=object)
    assert numbers_reasons(a, b).tolist() == [numbers_reason(x, y) for x, y in pairs]


@given(dense=st.integers(1, 6).flatmap(lambda rows: st.tuples(*[st.lists(
    st.lists(st.booleans(), min_size=7, max_size=7), min_size=rows, max_size=rows)] * 2)))
def test_split_both_is_split_rows_both_ways(dense: tuple[list, list]) -> None:
    import scipy.sparse as sp

    from explorer.analysis.pair_rows import split_both, split_rows

    a, b = (sp.csr_matrix(np.array(x, dtype=np.int8)) for x in dense)
    both, a_only, b_only = split_both(a, b)
    expected_both, expected_a = split_rows(a, b)
    expected_b = split_rows(b, a)[1]
    for got, want in ((both, expected_both), (a_only, expected_a), (b_only, expected_b)):
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def _scifact_pairs(n_pairs: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The bundled SciFact texts and random pairs of them, with a cosine for each."""
    from conftest import SCIFACT

    entities = pd.read_parquet(SCIFACT / "entities.parquet")
    texts = (entities["title"].fillna("") + " " + entities["summary"].fillna("")).tolist()
    rng = np.random.default_rng(7)
    i = rng.integers(0, len(texts), n_pairs)
    j = rng.integers(0, len(texts), n_pairs)
    i[:50], j[:50] = np.arange(50), np.arange(50)  # a text with itself: a duplicate
    return texts, i, j, rng.uniform(0.6, 1.0, n_pairs)


@pytest.mark.parametrize("workers", [2, 3])
def test_explaining_on_threads_gives_what_one_piece_gives(workers):
    from explorer.analysis import pair_labels

    texts, i, j, cos = _scifact_pairs(3 * pair_labels.PARALLEL_FROM)
    one = PairTexts.from_texts(texts).explain(i, j, cos)
    # A fresh PairTexts: the threads' parts must read the texts first, in one go
    threaded = PairTexts.from_texts(texts).explain(i, j, cos, workers=workers)
    pd.testing.assert_frame_equal(threaded, one)
    assert (one["label"] == "duplicate").sum() >= 50
    assert one["label"].nunique() >= 3


def test_explaining_in_parts_bounds_each_part(monkeypatch):
    from explorer.analysis import pair_labels

    texts, i, j, cos = _scifact_pairs(pair_labels.PARALLEL_FROM + 1)
    one = PairTexts.from_texts(texts).explain(i, j, cos)
    sizes = []
    explain_part = PairTexts._explain

    def recorded(self, a, b, c):
        sizes.append(len(a))
        return explain_part(self, a, b, c)

    monkeypatch.setattr(pair_labels, "_CHUNK", 6_000)
    monkeypatch.setattr(PairTexts, "_explain", recorded)
    threaded = PairTexts.from_texts(texts).explain(i, j, cos, workers=2)
    pd.testing.assert_frame_equal(threaded, one)
    assert max(sizes) <= 3_000 and sum(sizes) == len(i)


def test_workers_must_be_a_positive_integer():
    from explorer.analysis import pair_labels

    texts, i, j, cos = _scifact_pairs(pair_labels.PARALLEL_FROM)
    with pytest.raises(ParameterError, match="workers"):
        PairTexts.from_texts(texts).explain(i, j, cos, workers=0)
