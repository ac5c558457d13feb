"""Whole-graph pairs cached beside the vectors: the engine's own answer, never trusted blindly."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer
from explorer.analysis import pair_cache
from explorer.analysis.index import SimilarityIndex
from explorer.analysis.pair_cache import cached_pairs, pairs_file


def _vectors(n: int = 300, d: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, d))
    return centres[rng.integers(0, 12, n)] + 0.45 * rng.normal(size=(n, d))


def _no_search(*args, **kwargs):
    raise AssertionError("searched although the pairs are cached")


@pytest.mark.parametrize("method", ["exact", "clustered", "brute"])
def test_a_second_call_reads_exactly_what_the_engine_found(tmp_path, method, monkeypatch):
    index = SimilarityIndex(method=method, nlist=8, nprobe=3).fit(_vectors())
    first = cached_pairs(index, tmp_path, 0.5)
    pd.testing.assert_frame_equal(first, index.pairs(0.5))
    assert len(first) > 50
    monkeypatch.setattr(SimilarityIndex, "pairs", _no_search)
    pd.testing.assert_frame_equal(cached_pairs(index, tmp_path, 0.5), first)


@settings(max_examples=25, deadline=None)
@given(low=st.floats(0.0, 0.9), step=st.floats(0.0, 0.5), seed=st.integers(0, 5),
       method=st.sampled_from(["exact", "clustered"]))
def test_a_higher_threshold_read_from_the_cache_is_the_engines_answer(
    tmp_path_factory, low, step, seed, method
):
    folder = tmp_path_factory.mktemp("pairs")
    index = SimilarityIndex(method=method, nlist=6, nprobe=2).fit(_vectors(200, 8, seed))
    cached_pairs(index, folder, low)
    high = min(low + step, 1.0)
    pd.testing.assert_frame_equal(cached_pairs(index, folder, high), index.pairs(high))


def test_a_lower_threshold_searches_again_and_keeps_the_longer_list(tmp_path, monkeypatch):
    index = SimilarityIndex(method="exact").fit(_vectors())
    cached_pairs(index, tmp_path, 0.8)
    path = pairs_file(index, tmp_path)
    longer = cached_pairs(index, tmp_path, 0.4)
    pd.testing.assert_frame_equal(longer, index.pairs(0.4))
    with np.load(path) as data:
        assert float(data["threshold"]) == 0.4 and len(data["i"]) == len(longer)
    monkeypatch.setattr(SimilarityIndex, "pairs", _no_search)
    assert len(cached_pairs(index, tmp_path, 0.8)) < len(longer)


def test_other_vectors_or_settings_never_read_the_file(tmp_path):
    x = _vectors()
    base = pairs_file(SimilarityIndex(method="clustered").fit(x), tmp_path)
    y = x.copy()
    y[-1, -1] += 1e-3  # one number of one vector
    others = [
        SimilarityIndex(method="clustered").fit(y),
        SimilarityIndex(method="exact").fit(x),
        SimilarityIndex(method="clustered", nprobe=5).fit(x),
        SimilarityIndex(method="clustered", nlist=9).fit(x),
        SimilarityIndex(method="clustered", random_state=1).fit(x),
    ]
    names = {pairs_file(index, tmp_path).name for index in others}
    assert base.name not in names and len(names) == len(others)
    # "auto" is keyed by the engine it resolves to: exact at this size.
    assert pairs_file(SimilarityIndex().fit(x), tmp_path) == pairs_file(others[1], tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "out of range",
                                    "text indices", "unsorted", "plain npy"])
def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path, damage):
    index = SimilarityIndex(method="exact").fit(_vectors())
    want = cached_pairs(index, tmp_path, 0.5)
    path = pairs_file(index, tmp_path)
    if damage == "garbage":
        path.write_bytes(b"not an npz")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "plain npy":
        with open(path, "wb") as fh:
            np.save(fh, np.arange(5))
    else:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        if damage == "foreign":
            arrays["format"] = np.array(99)
        elif damage == "text indices":
            arrays["i"] = arrays["i"].astype(str)
        elif damage == "unsorted":
            arrays["cosine"] = arrays["cosine"][::-1].copy()
        else:
            arrays["j"] = arrays["j"] + len(_vectors())
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
    pd.testing.assert_frame_equal(cached_pairs(index, tmp_path, 0.5), want)
    with np.load(path) as data:  # replaced by a good file
        assert int(data["format"]) == pair_cache.PAIR_CACHE_FORMAT
        assert len(data["j"]) == len(want) and data["j"].max() < len(_vectors())


def test_an_unwritable_folder_still_gives_the_pairs(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    index = SimilarityIndex(method="exact").fit(_vectors())
    pd.testing.assert_frame_equal(cached_pairs(index, blocker / "sub", 0.5), index.pairs(0.5))


def test_a_list_too_long_to_keep_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(pair_cache, "MAX_CACHED_PAIRS", 10)
    index = SimilarityIndex(method="exact").fit(_vectors())
    assert len(cached_pairs(index, tmp_path, 0.5)) > 10
    assert not list(tmp_path.iterdir())


def test_candidates_on_a_fresh_load_read_the_pairs_and_give_the_same_frame(
    tmp_path, monkeypatch
):
    data = tmp_path / "scifact"
    shutil.copytree("data/scifact", data)
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    first = explorer.load(data).set_embedder(cache=tmp_path / "cache").candidates()
    assert len(list((tmp_path / "cache").glob("pairs-*.npz"))) == 1
    monkeypatch.setattr(SimilarityIndex, "pairs", _no_search)
    again = explorer.load(data).set_embedder(cache=tmp_path / "cache")
    pd.testing.assert_frame_equal(again.candidates(), first)
    stricter = again.candidates(min_cosine=0.8)  # read from the file at 0.6, kept >= 0.8
    monkeypatch.undo()
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    for path in (tmp_path / "cache").glob("pairs-*.npz"):
        path.unlink()
    searched = explorer.load(data).set_embedder(cache=tmp_path / "cache").candidates(
        min_cosine=0.8)
    assert 0 < len(stricter) < len(first)
    pd.testing.assert_frame_equal(stricter, searched)


def test_a_changed_text_searches_again(tmp_path, monkeypatch):
    data = tmp_path / "scifact"
    shutil.copytree("data/scifact", data)
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")
    explorer.load(data).set_embedder(cache=tmp_path / "cache").candidates()
    entities = pd.read_parquet(data / "entities.parquet")
    entities.loc[0, "title"] = "A claim nobody wrote before: pair caches must notice."
    entities.to_parquet(data / "entities.parquet", index=False)
    calls = []
    real = SimilarityIndex.pairs
    monkeypatch.setattr(SimilarityIndex, "pairs",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    explorer.load(data).set_embedder(cache=tmp_path / "cache").candidates()
    assert calls == [1]
    assert len(list((tmp_path / "cache").glob("pairs-*.npz"))) == 2


def test_a_folder_keeps_the_most_recently_used_pairs_files(tmp_path):
    indexes = [SimilarityIndex(method="exact").fit(_vectors(seed=k)) for k in range(6)]
    cached_pairs(indexes[0], tmp_path, 0.5)
    for index in indexes[1:4]:
        cached_pairs(index, tmp_path, 0.5)
    cached_pairs(indexes[0], tmp_path, 0.5)  # read: now the most recently used
    for index in indexes[4:]:
        cached_pairs(index, tmp_path, 0.5)
    kept = {p.name for p in tmp_path.glob("pairs-*.npz")}
    assert len(kept) == pair_cache.KEEP_FILES
    assert pairs_file(indexes[0], tmp_path).name in kept
    assert pairs_file(indexes[1], tmp_path).name not in kept


@pytest.mark.parametrize("bad", [float("nan"), 1.5, -2.0])
def test_a_threshold_out_of_range_is_refused_with_or_without_a_file(tmp_path, bad):
    from explorer.errors import ParameterError

    index = SimilarityIndex(method="exact").fit(_vectors())
    with pytest.raises(ParameterError):
        cached_pairs(index, tmp_path, bad)
    cached_pairs(index, tmp_path, 0.3)
    assert pairs_file(index, tmp_path).exists()
    with pytest.raises(ParameterError):
        cached_pairs(index, tmp_path, bad)


def test_a_changed_engine_default_names_another_file(tmp_path, monkeypatch):
    from explorer.analysis.engines import clustered

    index = SimilarityIndex(method="clustered").fit(_vectors())
    before = pairs_file(index, tmp_path)
    monkeypatch.setattr(clustered, "DEFAULT_NPROBE", clustered.DEFAULT_NPROBE + 1)
    assert pairs_file(index, tmp_path) != before
    monkeypatch.setattr(clustered, "SAMPLE_PER_LIST", clustered.SAMPLE_PER_LIST + 1)
    assert len({before, pairs_file(index, tmp_path)}) == 2


def test_pruning_leaves_a_users_files_and_removes_stale_temporaries(tmp_path):
    import os
    import time

    from explorer.analysis.vector_cache import STALE_TMP_SECONDS, keep_newest, touch

    mine = tmp_path / "pairs-my-experiment.npz"
    mine.write_bytes(b"mine")
    stale, fresh = tmp_path / ".pairs-ab.npz.x1.npz.tmp", tmp_path / ".pairs-cd.npz.x2.npz.tmp"
    for tmp in (stale, fresh):
        tmp.write_bytes(b"half")
    old = time.time() - STALE_TMP_SECONDS - 60
    os.utime(stale, (old, old))
    for seed in range(pair_cache.KEEP_FILES + 2):
        cached_pairs(SimilarityIndex(method="exact").fit(_vectors(seed=seed)), tmp_path, 0.5)
    assert mine.read_bytes() == b"mine" and fresh.exists() and not stale.exists()
    assert len(list(tmp_path.glob("pairs-*.npz"))) == pair_cache.KEEP_FILES + 1
    gone = tmp_path / "pairs-0123456789abcdef01234567.npz"
    touch(gone)  # another process removed it: marking it used must not bring it back
    assert not gone.exists()
    keep_newest(tmp_path, "pairs", 1)
    assert mine.exists() and len(list(tmp_path.glob("pairs-*.npz"))) == 2
