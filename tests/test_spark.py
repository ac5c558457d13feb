"""The Spark engine: the same candidates as the local engine, and clear errors.

The Spark tests share one ``local[2]`` session (module scope) and one 5,000-entity
synthetic graph; each 5k run takes some 20-40 s on 2 cores. Without pyspark or Java they
skip locally and fail in CI (``ci.unavailable``). The argument checks need neither.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import explorer
from ci import unavailable
from explorer.errors import EmbeddingError, ParameterError, SchemaError
from explorer.scale import SparkUnavailableError, spark_candidates
from explorer.scale.session import check_java, java_executable, probe_master
from explorer.testing.synth import write_synthetic

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"


def _spark_available() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark (pip install -e '.[spark]')")
    if java_executable() is None:
        unavailable("Java 17 for Spark (apt-get install openjdk-17-jre-headless)")


@pytest.fixture(scope="module")
def spark():
    _spark_available()
    from explorer.scale import get_session

    session = get_session("local[2]")
    yield session
    session.stop()  # frees the JVM for the rest of the suite; a later call starts a new one


@pytest.fixture(scope="module")
def graph5k(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("graph5k")
    write_synthetic(5000, folder, seed=0)
    return folder


def _pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(frame["id_a"], frame["id_b"], strict=True))


@pytest.fixture(autouse=True)
def _no_minilm_rescoring(monkeypatch):
    # The local engine re-scores graphs up to 20,000 entities with MiniLM (when the extra
    # is installed); the Spark engine ranks by the embedder's cosine (docs/scale-out.md).
    monkeypatch.setenv("EXPLORER_MINILM_RESCORE", "0")


def _local(folder: Path, embedder: str, per_entity: int | None,
           min_cosine: float | None = None) -> pd.DataFrame:
    kg = explorer.load(folder)
    kg.set_embedder(embedder, cache=None)
    return kg.candidates(min_cosine, per_entity=per_entity, method="exact")


# ------------------------------------------------------------------ agreement
@pytest.mark.slow
@pytest.mark.parametrize(("embedder", "per_entity"),
                         [("tfidf", None), ("wordllama", None), ("wordllama", 10)])
def test_spark_finds_the_local_engines_pairs(spark, graph5k, tmp_path, embedder, per_entity):
    out = tmp_path / "pairs.parquet"
    started = time.perf_counter()
    n = spark_candidates(graph5k, out, embedder=embedder, per_entity=per_entity, spark=spark)
    took = time.perf_counter() - started
    local = _local(graph5k, embedder, per_entity)
    ours = explorer.load(graph5k).candidates(from_path=out)

    assert n == len(ours) == len(local) > 100, took
    assert list(ours.columns) == list(local.columns)
    # The same pairs, in the same order (best first by score, then cosine), ids ordered
    # as locally (id_a is the entity higher up in entities.parquet).
    assert _pairs(ours) == _pairs(local)
    np.testing.assert_allclose(ours["cosine"], local["cosine"], atol=1e-4)
    assert (ours["label"].astype(str) == local["label"].astype(str)).all()
    assert (ours["relation"] == local["relation"]).all()
    # The graph-wide IDF is counted on Spark: the lexical part of the score agrees too.
    np.testing.assert_allclose(ours["lexical"], local["lexical"], atol=1e-3)
    np.testing.assert_allclose(ours["score"], local["score"], atol=1e-3)
    for column in ("kind_a", "title_a", "kind_b", "title_b"):
        assert (ours[column].astype(str) == local[column].astype(str)).all(), column
    if per_entity is not None:
        counts = pd.concat([ours["id_a"], ours["id_b"]]).value_counts()
        assert counts.max() <= per_entity


# ------------------------------------------------------------------ the kernels, no Spark
def test_the_block_kernels_find_what_the_local_search_finds():
    from explorer.analysis.engines.exact import exact_pairs
    from explorer.scale import kernels

    rng = np.random.default_rng(0)
    x = rng.standard_normal((203, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    pos = np.sort(rng.choice(1000, size=len(x), replace=False))  # with gaps
    size, tile = 50, 16
    frame = pd.DataFrame({"pos": pos, "vec": [row.tobytes() for row in x]})
    without = np.setdiff1d(np.arange(pos.max() + 1), pos)
    ranked = next(kernels.rank_batches(iter([frame]), without))
    assert ranked["rank"].tolist() == list(range(len(x)))
    ranked["block"] = ranked["rank"] // size
    blocks = pd.concat([kernels.pack_block(g, size) for _, g in ranked.groupby("block")])
    found = []
    for a in range(len(blocks)):
        for b in range(a, len(blocks)):
            group = blocks.iloc[[b, a]] if a != b else blocks.iloc[[a]]  # any row order
            found.append(kernels.block_pair(group, 8, 0.3, tile=tile))
    ours = pd.concat(found).sort_values(["i", "j"], ignore_index=True)
    i, j, cosine = exact_pairs(x, 0.3, block=tile)
    order = np.lexsort((pos[j], pos[i]))
    assert ours["i"].tolist() == pos[i][order].tolist()
    assert ours["j"].tolist() == pos[j][order].tolist()
    assert ours["cosine"].tolist() == cosine[order].tolist()  # bit for bit


# ------------------------------------------------------------------ bad input, no Spark
def test_an_existing_out_is_refused(tmp_path):
    write_synthetic(50, tmp_path / "g", seed=1)
    out = tmp_path / "pairs.parquet"
    out.write_bytes(b"keep me")
    with pytest.raises(ParameterError, match="exists already.*overwrite"):
        spark_candidates(tmp_path / "g", out)
    assert out.read_bytes() == b"keep me"


def test_out_must_be_parquet(tmp_path):
    write_synthetic(50, tmp_path / "g", seed=1)
    with pytest.raises(ParameterError, match=r"\.parquet"):
        spark_candidates(tmp_path / "g", tmp_path / "pairs.csv")


def test_a_folder_not_in_parquet_says_how_to_convert(tmp_path):
    with pytest.raises(ParameterError, match="entities.csv, not entities.parquet") as err:
        spark_candidates(EXAMPLE, tmp_path / "pairs.parquet")
    assert "to_parquet" in str(err.value) and "explorer synth" in str(err.value)
    with pytest.raises(ParameterError, match="not a folder"):
        spark_candidates(tmp_path / "nowhere", tmp_path / "pairs.parquet")


def test_bad_parameters_are_refused_before_spark_starts(tmp_path):
    write_synthetic(50, tmp_path / "g", seed=1)
    out = tmp_path / "pairs.parquet"
    with pytest.raises(ParameterError, match="min_cosine"):
        spark_candidates(tmp_path / "g", out, min_cosine=1.5)
    with pytest.raises(ParameterError, match="per_entity"):
        spark_candidates(tmp_path / "g", out, per_entity=0)
    with pytest.raises(ParameterError, match="embedder"):
        spark_candidates(tmp_path / "g", out, embedder="bert")
    assert not out.exists()


def test_java_is_checked_where_spark_looks_for_it(tmp_path):
    with pytest.raises(SparkUnavailableError, match="JAVA_HOME is /no/such/jdk.*Java 17"):
        check_java({"JAVA_HOME": "/no/such/jdk", "PATH": os.defpath})
    with pytest.raises(SparkUnavailableError, match="No 'java' on PATH.*Java 17"):
        check_java({"PATH": str(tmp_path)})
    old = tmp_path / "jdk8" / "bin"
    old.mkdir(parents=True)
    (old / "java").write_text('#!/bin/sh\necho \'openjdk version "1.8.0_392"\' >&2\n')
    (old / "java").chmod(0o755)
    with pytest.raises(SparkUnavailableError, match="is Java 8"):
        check_java({"JAVA_HOME": str(old.parent), "PATH": os.defpath})


def test_an_unreachable_master_fails_fast():
    started = time.perf_counter()
    with pytest.raises(SparkUnavailableError, match="Cannot reach the Spark master.*local"):
        probe_master("spark://127.0.0.1:1")
    assert time.perf_counter() - started < 10
    probe_master("local[2]")


# ------------------------------------------------------------------ bad input, end to end
def _cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", "candidates", *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env=env if env is not None else dict(os.environ))


@pytest.mark.slow
def test_the_cli_reports_an_unreachable_master_within_a_minute(tmp_path):
    _spark_available()
    write_synthetic(50, tmp_path / "g", seed=1)
    out = tmp_path / "pairs.parquet"
    started = time.perf_counter()
    done = _cli(["--data", str(tmp_path / "g"), "--engine", "spark", "--out", str(out),
                 "--spark-master", "spark://127.0.0.1:1"])
    assert time.perf_counter() - started < 60
    assert done.returncode == 2, done.stderr
    assert "Cannot reach the Spark master spark://127.0.0.1:1" in done.stderr
    assert "local[2]" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.slow
def test_the_cli_says_to_install_java(tmp_path):
    _spark_available()
    write_synthetic(50, tmp_path / "g", seed=1)
    out = tmp_path / "pairs.parquet"
    for env in ({"JAVA_HOME": str(tmp_path / "no-jdk")}, {"PATH": str(tmp_path)}):
        base = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PATH")}
        base["PATH"] = str(tmp_path)  # no java on it
        done = _cli(["--data", str(tmp_path / "g"), "--engine", "spark", "--out", str(out)],
                    env=base | env)
        assert done.returncode == 2, done.stderr
        assert "Java 17" in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert not out.exists()


# ------------------------------------------------------------------ data problems
@pytest.fixture
def small_graph(tmp_path) -> Path:
    """300 entities; five of them with only stop words, which tfidf maps to zero."""
    folder = tmp_path / "small"
    write_synthetic(300, folder, seed=2)
    entities = pd.read_parquet(folder / "entities.parquet")
    entities.loc[[5, 6, 17, 18, 40], ["title", "summary"]] = ["The", None]
    entities.to_parquet(folder / "entities.parquet")
    return folder


@pytest.mark.slow
def test_entities_without_a_vector_are_never_paired_and_counted(spark, small_graph, tmp_path,
                                                                caplog):
    out = tmp_path / "pairs.parquet"
    with caplog.at_level(logging.INFO, logger="explorer.scale.spark"):
        n = spark_candidates(small_graph, out, embedder="tfidf", spark=spark)
    assert "0 without text, 5 with a zero vector" in caplog.text
    ours = pd.read_parquet(out)
    local = _local(small_graph, "tfidf", None)
    assert n == len(ours) == len(local)
    assert set(_pairs(ours)) == set(_pairs(local))
    blank = set(pd.read_parquet(small_graph / "entities.parquet")["id"].iloc[[5, 6, 17, 18, 40]])
    assert not blank & (set(ours["id_a"]) | set(ours["id_b"]))


@pytest.mark.slow
def test_an_embedder_returning_nan_fails_and_writes_nothing(spark, small_graph, tmp_path):
    class Broken:  # defined here, so Spark pickles it by value to the workers
        name = "broken"
        default_min_cosine = 0.5

        def encode(self, texts):
            out = np.ones((len(texts), 4), dtype=np.float32)
            out[0, 0] = np.nan
            return out

    out = tmp_path / "out" / "pairs.parquet"
    with pytest.raises(EmbeddingError, match="NaN"):
        spark_candidates(small_graph, out, embedder=Broken(), spark=spark)
    assert not out.parent.exists() or not list(out.parent.iterdir())  # no part, no temp


@pytest.mark.slow
def test_tables_that_break_the_contract(spark, tmp_path):
    folder = tmp_path / "bad"
    write_synthetic(40, folder, seed=3)
    entities = pd.read_parquet(folder / "entities.parquet")
    entities.loc[3, "id"] = entities.loc[2, "id"]
    entities.to_parquet(folder / "entities.parquet")
    with pytest.raises(SchemaError, match="duplicate id"):
        spark_candidates(folder, tmp_path / "a.parquet", embedder="tfidf", spark=spark)
    entities.drop(columns="title").to_parquet(folder / "entities.parquet")
    with pytest.raises(SchemaError, match="missing required column 'title'"):
        spark_candidates(folder, tmp_path / "a.parquet", embedder="tfidf", spark=spark)
    assert not list(tmp_path.glob("*.parquet")) and not list(tmp_path.glob(".a.parquet*"))


@pytest.mark.slow
def test_a_graph_without_edges_file(spark, tmp_path):
    folder = tmp_path / "g"
    write_synthetic(200, folder, seed=4)
    (folder / "edges.parquet").unlink()
    out = tmp_path / "pairs.parquet"
    n = spark_candidates(folder, out, embedder="tfidf", spark=spark, min_cosine=0.3)
    local = _local(folder, "tfidf", None, min_cosine=0.3)
    assert n == len(local) > 0
    assert list(pd.read_parquet(out)["id_a"]) == list(local["id_a"])
