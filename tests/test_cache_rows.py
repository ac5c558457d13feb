"""Where each text's vector lies in the cache, remembered between calls (cache_rows)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from explorer.analysis import cache_rows
from explorer.analysis.embedders.tfidf import TfidfEmbedder
from explorer.analysis.embedding import embed
from explorer.analysis.texts import EntityTexts, entity_texts
from explorer.analysis.vector_cache import cache_path, read_cache, write_cache


class Counting(TfidfEmbedder):
    """A TF-IDF embedder that records what it encodes."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.seen: list[str] = []

    def encode(self, texts):  # noqa: ANN001, ANN201
        self.seen.extend(texts)
        return super().encode(texts)


def _frame(titles: list[str | None], summaries: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"title": titles, "summary": summaries}, dtype="string[pyarrow]")


TITLES = ["Tau spreads", "Sleep aids memory", None, "Tau spreads", "Caffeine and sleep", ""]
SUMMARIES = ["in mice.", "", None, "in mice.", "A trial.", None]


def _rows_files(folder):
    return sorted(folder.glob("rows-*.npz"))


def _no_hashing(monkeypatch) -> None:
    def refuse(self):  # noqa: ANN001, ANN202
        raise AssertionError("the texts were read one by one")

    monkeypatch.setattr(EntityTexts, "__iter__", refuse)


def test_remembered_rows_give_the_same_result_without_reading_the_texts(tmp_path, monkeypatch):
    texts = entity_texts(_frame(TITLES, SUMMARIES))
    first = embed(texts, Counting(), cache_dir=tmp_path)
    assert len(_rows_files(tmp_path)) == 1
    slow = embed(list(texts), Counting(), cache_dir=tmp_path)  # a list: found the slow way

    _no_hashing(monkeypatch)
    again_embedder = Counting()
    again = embed(texts, again_embedder, cache_dir=tmp_path)
    assert again_embedder.seen == []
    for result in (first, slow):
        np.testing.assert_array_equal(again.vectors, result.vectors)
        np.testing.assert_array_equal(again.missing, result.missing)
        assert again.text_digest == result.text_digest
    assert again.missing.tolist() == [False, False, True, False, False, True]
    assert (again.n_cached, again.n_embedded) == (3, 0)
    assert again.vectors.flags.writeable and not isinstance(again.vectors, np.memmap)
    again.vectors /= 2  # the caller may normalise in place: the cache file is untouched
    np.testing.assert_array_equal(embed(texts, Counting(), cache_dir=tmp_path).vectors,
                                  first.vectors)


def test_a_changed_text_is_not_answered_from_the_remembered_rows(tmp_path):
    embed(entity_texts(_frame(TITLES, SUMMARIES)), Counting(), cache_dir=tmp_path)
    changed = [*TITLES[:4], "Caffeine harms sleep", ""]
    embedder = Counting()
    result = embed(entity_texts(_frame(changed, SUMMARIES)), embedder, cache_dir=tmp_path)
    assert embedder.seen == ["Caffeine harms sleep. A trial."]
    reference = embed([*entity_texts(_frame(changed, SUMMARIES))], Counting())
    np.testing.assert_allclose(result.vectors, reference.vectors, rtol=0, atol=1e-6)
    assert len(_rows_files(tmp_path)) == 2  # one per version of the texts


def test_rows_of_a_rewritten_cache_are_found_again(tmp_path):
    texts = entity_texts(_frame(TITLES, SUMMARIES))
    first = embed(texts, Counting(), cache_dir=tmp_path)
    path = cache_path(tmp_path, Counting().name)
    cache = read_cache(path, Counting().name)
    order = np.arange(len(cache.keys))[::-1]  # the same vectors, rows reversed
    cache.keys, cache.vectors = cache.keys[order], np.ascontiguousarray(cache.vectors[order])
    write_cache(path, Counting().name, cache)

    again = embed(texts, Counting(), cache_dir=tmp_path)
    np.testing.assert_array_equal(again.vectors, first.vectors)


@pytest.mark.parametrize("damage", ["garbage", "rows out of range", "too few rows"])
def test_a_damaged_rows_file_is_ignored_quietly(tmp_path, damage):
    texts = entity_texts(_frame(TITLES, SUMMARIES))
    first = embed(texts, Counting(), cache_dir=tmp_path)
    (rows_file,) = _rows_files(tmp_path)
    if damage == "garbage":
        rows_file.write_bytes(b"PK\x03\x04 not really")
    else:
        with np.load(rows_file) as data:
            fields = dict(data)
        fields["rows"] = fields["rows"] + 100 if damage == "rows out of range" else (
            fields["rows"][:-1])
        np.savez(rows_file, **fields)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = embed(texts, Counting(), cache_dir=tmp_path)
    np.testing.assert_array_equal(again.vectors, first.vectors)
    np.testing.assert_array_equal(again.missing, first.missing)
    with np.load(rows_file) as data:  # written again, whole
        assert len(data["rows"]) == len(texts) - int(first.missing.sum())
        assert int(data["rows"].max()) < 3


def test_texts_that_are_not_arrow_have_no_digest_and_still_embed(tmp_path):
    frame = pd.DataFrame({"title": pd.Series(TITLES, dtype=object),
                          "summary": pd.Series(SUMMARIES, dtype=object)})
    texts = entity_texts(frame)
    assert texts.digest() is None
    result = embed(texts, Counting(), cache_dir=tmp_path)
    assert _rows_files(tmp_path) == []
    arrow = embed(entity_texts(_frame(TITLES, SUMMARIES)), Counting(), cache_dir=tmp_path)
    np.testing.assert_array_equal(result.vectors, arrow.vectors)


def test_digest_follows_the_texts_not_their_storage():
    base = entity_texts(_frame(TITLES, SUMMARIES)).digest()
    large = _frame(TITLES, SUMMARIES).astype(pd.ArrowDtype(__import__("pyarrow").large_string()))
    assert entity_texts(large).digest() == base
    sliced = _frame(["x", *TITLES], ["y", *SUMMARIES]).iloc[1:]
    assert entity_texts(sliced).digest() == base  # an Arrow slice: offsets start past 0
    assert entity_texts(_frame(TITLES, SUMMARIES), sep=" | ").digest() != base
    assert entity_texts(_frame(TITLES, SUMMARIES), fields=("summary", "title")).digest() != base
    moved = [TITLES[0] + SUMMARIES[0][:2], *TITLES[1:]]
    assert entity_texts(_frame(moved, [SUMMARIES[0][2:], *SUMMARIES[1:]])).digest() != base


def test_old_rows_files_are_pruned(tmp_path):
    for k in range(cache_rows.KEEP_FILES + 3):
        embed(entity_texts(_frame([f"text {k}"], ["x"])), Counting(), cache_dir=tmp_path)
    assert len(_rows_files(tmp_path)) == cache_rows.KEEP_FILES


def test_mapped_read_equals_the_plain_read_and_falls_back_when_compressed(tmp_path):
    embed(entity_texts(_frame(TITLES, SUMMARIES)), Counting(), cache_dir=tmp_path)
    path = cache_path(tmp_path, Counting().name)
    plain = read_cache(path, Counting().name)
    mapped = read_cache(path, Counting().name, mapped=True)
    assert isinstance(mapped.vectors, np.memmap) and not mapped.vectors.flags.writeable
    np.testing.assert_array_equal(mapped.vectors, plain.vectors)
    np.testing.assert_array_equal(mapped.keys, plain.keys)

    with np.load(path) as data:
        fields = dict(data)
    np.savez_compressed(path, **fields)
    compressed = read_cache(path, Counting().name, mapped=True)
    assert not isinstance(compressed.vectors, np.memmap)
    np.testing.assert_array_equal(compressed.vectors, plain.vectors)
