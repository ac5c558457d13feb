"""The label and TF-IDF features cached beside the vectors: same answers, never trusted blindly."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import explorer
from explorer.analysis.lexical import LexicalScorer
from explorer.analysis.pair_labels import PairTexts
from explorer.analysis.text_cache import (
    load_lexical,
    load_pair_texts,
    save_lexical,
    save_pair_texts,
    texts_digest,
)

TEXTS = [
    "Pyridostatin decreases telomere fragility in BRCA2-deficient cells.",
    "Pyridostatin increases telomere fragility in BRCA2-deficient cells.",
    "[Pyridostatin] decreases telomere fragility in BRCA2 deficient cells",
    "2010 United Kingdom general election",
    "2017 United Kingdom general election",
    "Vitamin D does not prevent fractures.",
    "Vitamin D prevents fractures.",
    "",
    "the",
    "Coffee intake and sleep quality in adults (n = 1,200)",
]
PAIRS = (np.array([0, 0, 3, 5, 7, 8, 9, 1]), np.array([1, 2, 4, 6, 0, 1, 3, 2]),
         np.array([0.97, 0.8, 0.97, 0.9, 0.1, 0.2, 0.3, 0.95]))


def test_cached_pair_texts_explain_exactly_as_fresh(tmp_path):
    fresh = PairTexts.from_texts(TEXTS).read_all()
    digest = texts_digest(TEXTS)
    save_pair_texts(tmp_path, digest, fresh)
    cached = load_pair_texts(tmp_path, digest, len(TEXTS))
    assert cached is not None
    pd.testing.assert_frame_equal(cached.explain(*PAIRS), fresh.explain(*PAIRS))
    labels = cached.explain(*PAIRS)["label"].astype(str).tolist()
    assert labels[:4] == ["possible contradiction", "duplicate", "candidate edge",
                          "possible contradiction"]


def test_cached_tfidf_scores_exactly_as_fresh(tmp_path):
    fresh = LexicalScorer.fit(TEXTS)
    digest = texts_digest(TEXTS)
    save_lexical(tmp_path, digest, fresh)
    cached = load_lexical(tmp_path, digest)
    np.testing.assert_array_equal(cached.score(PAIRS[0], PAIRS[1]), fresh.score(PAIRS[0], PAIRS[1]))


def test_a_changed_text_changes_the_digest():
    changed = [*TEXTS[:-1], TEXTS[-1] + "!"]
    assert texts_digest(changed) != texts_digest(TEXTS)
    assert texts_digest(TEXTS[::-1]) != texts_digest(TEXTS)
    assert texts_digest(list(TEXTS)) == texts_digest(tuple(TEXTS))


def test_damaged_or_foreign_files_are_ignored(tmp_path):
    digest = texts_digest(TEXTS)
    save_lexical(tmp_path, digest, LexicalScorer.fit(TEXTS))
    save_pair_texts(tmp_path, digest, PairTexts.from_texts(TEXTS).read_all())
    for path in tmp_path.glob("*.npz"):
        path.write_bytes(path.read_bytes()[: 200])  # torn
    assert load_lexical(tmp_path, digest) is None
    assert load_pair_texts(tmp_path, digest, len(TEXTS)) is None
    np.savez(tmp_path / f"pairtexts-{digest}.npz", format=np.array(99), status=np.zeros(1))
    assert load_pair_texts(tmp_path, digest, len(TEXTS)) is None  # a newer format
    np.savez(tmp_path / f"pairtexts-{digest}.npz", format=np.array([1, 2]))
    assert load_pair_texts(tmp_path, digest, len(TEXTS)) is None  # a format that is no number
    with open(tmp_path / f"tfidf-{digest}.npz", "wb") as fh:
        np.save(fh, np.arange(3))  # a plain array under the name
    assert load_lexical(tmp_path, digest) is None
    save_pair_texts(tmp_path, digest, PairTexts.from_texts(TEXTS).read_all())
    assert load_pair_texts(tmp_path, digest, 3) is None  # other texts


def test_candidates_write_the_cache_and_a_fresh_load_reads_it(tmp_path, monkeypatch):
    data = tmp_path / "scifact"
    shutil.copytree("data/scifact", data)
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    kg = explorer.load(data).set_embedder(cache=tmp_path / "cache")
    first = kg.candidates()
    written = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").glob("*.npz"))
    assert written == ["embeddings", "pairs", "pairtexts", "rows", "tfidf"]
    again = explorer.load(data).set_embedder(cache=tmp_path / "cache")
    state = again.similarity
    assert state.pair_texts.all_read  # read from the cache, before any pair asks
    pd.testing.assert_frame_equal(again.candidates(), first)


def test_an_unwritable_cache_still_gives_the_candidates(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    digest = texts_digest(TEXTS)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    save_lexical(blocker / "sub", digest, LexicalScorer.fit(TEXTS))  # no error, no file
    assert load_lexical(blocker / "sub", digest) is None


@pytest.mark.parametrize("texts", [[], ["only one"]])
def test_tiny_inputs(tmp_path, texts):
    digest = texts_digest(texts)
    save_pair_texts(tmp_path, digest, PairTexts.from_texts(texts).read_all())
    cached = load_pair_texts(tmp_path, digest, len(texts))
    assert cached is not None and len(cached) == len(texts)


def test_explaining_in_chunks_gives_the_one_pass_frame(monkeypatch):
    import explorer.analysis.pair_labels as pair_labels

    texts = PairTexts.from_texts(TEXTS)
    whole = texts.explain(*PAIRS)
    monkeypatch.setattr(pair_labels, "_CHUNK", 3)
    pd.testing.assert_frame_equal(texts.explain(*PAIRS), whole)
    import explorer.analysis.lexical as lexical

    scorer = LexicalScorer.fit(TEXTS)
    whole_scores = scorer.score(PAIRS[0], PAIRS[1])
    monkeypatch.setattr(lexical, "_SCORE_CHUNK", 3)
    np.testing.assert_array_equal(scorer.score(PAIRS[0], PAIRS[1]), whole_scores)


def test_older_texts_files_are_removed_when_new_ones_are_written(tmp_path):
    from explorer.analysis import text_cache

    versions = [TEXTS[:-1] + [f"Coffee intake, version {k}"] for k in range(4)]
    for texts in versions:
        digest = texts_digest(texts)
        save_pair_texts(tmp_path, digest, PairTexts.from_texts(texts).read_all())
        save_lexical(tmp_path, digest, LexicalScorer.fit(texts))
    for kind in ("pairtexts", "tfidf"):
        kept = sorted(p.name for p in tmp_path.glob(f"{kind}-*.npz"))
        want = sorted(f"{kind}-{texts_digest(t)}.npz" for t in versions[-text_cache.KEEP_FILES:])
        assert kept == want
    assert load_lexical(tmp_path, texts_digest(versions[-1])) is not None


def test_a_fresh_load_finds_the_features_without_listing_the_texts(tmp_path, monkeypatch):
    from explorer.analysis import lexical

    data = tmp_path / "scifact"
    shutil.copytree("data/scifact", data)
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    first = explorer.load(data).set_embedder(cache=tmp_path / "cache").candidates()
    digest = explorer.load(data).set_embedder(cache=tmp_path / "cache").similarity._digest
    assert digest is not None  # from the embedding's keys: the texts are not hashed again

    def no_list(*args, **kwargs):
        raise AssertionError("every text was listed although the features are cached")

    monkeypatch.setattr(lexical, "as_texts", no_list)
    again = explorer.load(data).set_embedder(cache=tmp_path / "cache")
    pd.testing.assert_frame_equal(again.candidates(), first)
    monkeypatch.undo()

    entities = pd.read_parquet(data / "entities.parquet")
    entities.loc[0, "title"] = "A claim about telomerase nobody wrote before."
    entities.to_parquet(data / "entities.parquet", index=False)
    changed = explorer.load(data).set_embedder(cache=tmp_path / "cache")
    assert changed.similarity._digest != digest
    changed.similarity.prepare_all()
    assert len(list((tmp_path / "cache").glob("pairtexts-*.npz"))) == 2
    texts = changed.similarity.pair_texts
    assert "telomerase" in texts.explain([0], [1], [0.5])["differs"].iloc[0]
