"""The search at scale: the chunked word index, and quick scans that never wait for it."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import explorer
from explorer.core import search, title_words
from explorer.core.search import TitleIndex
from explorer.core.title_words import build_word_index

TRICKY = ["Deep nets, deep!", "", "...leading and trailing...", "Ünïcode wörds ÆØ",
          "snake_case and CamelCase 42", "a", "  spaces   everywhere  ", "Deep nets"]


def one_pass_index(titles: pa.Array) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The word index as it was built before: all titles in one pass."""
    words = pc.split_pattern_regex(pc.utf8_lower(titles), r"[^\w]+")
    flat = pc.list_flatten(words)
    parents = np.asarray(pc.list_parent_indices(words))
    keep = np.asarray(pc.greater(pc.utf8_length(flat), 0))
    encoded = pc.dictionary_encode(flat.filter(pa.array(keep)))
    codes = np.asarray(encoded.indices)
    postings = parents[keep][np.argsort(codes, kind="stable")]
    indptr = np.zeros(len(encoded.dictionary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=len(encoded.dictionary)), out=indptr[1:])
    return encoded.dictionary.to_pylist(), postings, indptr


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_the_chunked_index_is_the_one_pass_index(monkeypatch, chunk):
    kg = explorer.load("data/example")
    titles = pa.array([*kg.entities["title"].tolist(), *TRICKY], type=pa.large_string())
    monkeypatch.setattr(title_words, "CHUNK", chunk)
    built = build_word_index(titles)
    vocabulary, postings, indptr = one_pass_index(titles)
    assert built.vocabulary == vocabulary
    assert np.array_equal(built.postings, postings) and np.array_equal(built.indptr, indptr)


def test_an_index_of_no_titles_is_empty():
    built = build_word_index(pa.array([], type=pa.large_string()))
    assert built.vocabulary == [] and len(built.postings) == 0 and built.indptr.tolist() == [0]


def test_a_quick_scan_does_not_wait_for_a_build_under_way(monkeypatch):
    monkeypatch.setattr(search, "QUICK_ABOVE", 0)
    kg = explorer.load("data/example")
    index = TitleIndex(kg.ids, kg.entities["title"])
    index._lock.acquire()  # as while the background thread builds
    try:
        found: list[pd.DataFrame] = []
        searcher = threading.Thread(target=lambda: found.append(index.search("logit weight")))
        searcher.start()
        searcher.join(timeout=30)
        assert not searcher.is_alive(), "the quick scan waited for the build"
        assert found[0]["match"].iloc[0] == "quick"
    finally:
        index._lock.release()
    index._thread.join(timeout=60)
    assert index.ready


@pytest.mark.parametrize("query", ["logit weight analysis", "learned features reflect",
                                   "randomly shuffled weights"])
def test_the_quick_scan_finds_the_full_index_best_title_for_exact_words(monkeypatch, query):
    kg = explorer.load("data/example")
    full = TitleIndex(kg.ids, kg.entities["title"]).search(query)
    monkeypatch.setattr(search, "QUICK_ABOVE", 0)
    quick_index = TitleIndex(kg.ids, kg.entities["title"])
    quick = quick_index.search(query)
    quick_index._thread.join(timeout=60)
    assert quick["match"].eq("quick").any()
    assert full["position"].iloc[0] in set(quick["position"])
    assert quick_index.search(query).equals(full)  # once built: today's results
