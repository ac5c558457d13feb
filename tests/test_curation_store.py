"""The curation decisions store (real SQLite files) and the overlay applied at load."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import explorer.curation
from explorer.curation import (
    PROVENANCE_COLUMNS,
    CurationError,
    CurationStoreError,
    DecisionStore,
    apply_decisions,
    check_merge,
)
from explorer.errors import ExplorerError, ParameterError

PACKAGE_ROOT = Path(explorer.curation.__file__).resolve().parents[2]
COLUMNS = ["id", "kind", "a", "b", "relation", "note", "by", "at", "score", "model", "label",
           "target", "undone"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "curation" / "decisions.sqlite"


# -- recording and reading ---------------------------------------------------------------


def test_each_kind_round_trips_through_the_file(db: Path) -> None:
    before = datetime.now(timezone.utc)
    with DecisionStore.open(db) as store:
        made = [
            store.record("accept", "c:1", "c:2", relation="supports", note="same dataset",
                         by="ada", score=0.93, model="minilm", label="supports"),
            store.record("reject", "c:1", "c:3", by="bo", score=0.41, model="minilm"),
            store.record("merge", "c:4", "c:5", note="duplicate", by="ada"),
            store.record("defer", "c:2", "c:6", by="cy", label="unsure"),
        ]
    assert [d.id for d in made] == [1, 2, 3, 4]
    with DecisionStore.open(db, create=False) as store:
        frame = store.decisions()
    assert list(frame.columns) == COLUMNS
    for decision, row in zip(made, frame.to_dict("records"), strict=True):
        for name in ("id", "kind", "a", "b", "relation", "note", "by", "model", "label"):
            assert row[name] == getattr(decision, name) or (
                row[name] is None and getattr(decision, name) is None), name
        assert row["at"] == pd.Timestamp(decision.at)
        assert before - timedelta(seconds=1) <= decision.at <= datetime.now(timezone.utc)
    assert frame["score"].tolist()[:2] == [0.93, 0.41] and math.isnan(frame["score"][2])
    assert frame["target"].isna().all() and not frame["undone"].any()
    assert str(frame["at"].dt.tz) == "UTC"
    raw = sqlite3.connect(db).execute("SELECT at FROM decisions").fetchall()
    assert all(len(at.split(".")[1]) == len("123456+00:00") for (at,) in raw)  # microseconds


def test_bad_decisions_are_refused_before_anything_is_written(db: Path) -> None:
    store = DecisionStore.open(db)
    with pytest.raises(ParameterError, match="undo"):
        store.record("undo", "c:1", "c:2")
    with pytest.raises(ParameterError, match="kind must be one of"):
        store.record("approve", "c:1", "c:2")
    with pytest.raises(ParameterError, match="b is None"):
        store.record("reject", "c:1")
    with pytest.raises(ParameterError, match="relation"):
        store.record("accept", "c:1", "c:2")
    with pytest.raises(CurationError, match="into itself"):
        store.record("merge", "c:1", "c:1")
    assert not db.exists() and store.decisions().empty


def test_the_file_is_created_at_the_first_decision_only(db: Path) -> None:
    store = DecisionStore.open(db)
    assert not db.exists() and not DecisionStore.exists(db)
    assert list(store.decisions().columns) == COLUMNS and store.active().empty
    store.record("defer", "c:1", "c:2")
    assert DecisionStore.exists(db)
    store.close()
    with pytest.raises(CurationStoreError, match="closed"):
        store.decisions()
    with pytest.raises(CurationStoreError, match="does not exist"):
        DecisionStore.open(db.with_name("other.sqlite"), create=False)
    with pytest.raises(CurationStoreError, match="is a folder"):
        DecisionStore.open(db.parent)


def test_the_database_is_durable_and_waits_for_other_writers(db: Path) -> None:
    store = DecisionStore.open(db)
    store.record("defer", "c:1", "c:2")
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
    reopened = DecisionStore.open(db)
    assert reopened._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert sqlite3.connect(db).execute(
        "SELECT value FROM meta WHERE key = 'format_version'").fetchone()[0] == 1


def test_record_stays_fast_with_a_long_log(db: Path) -> None:
    DecisionStore.open(db).record("defer", "c:0", "c:1")
    with sqlite3.connect(db) as conn:  # 20,000 decisions in one transaction
        conn.executemany("INSERT INTO decisions (kind, a, b, at) VALUES ('reject', ?, ?, ?)",
                         [(f"c:{i}", f"c:{i + 1}", "2024-05-01T00:00:00.000000+00:00")
                          for i in range(20_000)])
    store = DecisionStore.open(db)
    times = []
    for i in range(50):
        start = time.perf_counter()
        store.record("accept", f"c:{i + 1}", "c:0", relation="supports", by="ada")
        times.append(time.perf_counter() - start)
        store.undo() if i % 10 == 0 else None  # an undo looks the log up: indexed
    assert sorted(times)[25] < 0.020, f"median record() took {sorted(times)[25] * 1000:.1f} ms"
    assert len(store.decisions()) == 20_001 + 50 + 5


def test_an_empty_file_is_an_empty_log(db: Path) -> None:
    db.parent.mkdir()
    db.touch()
    store = DecisionStore.open(db)
    assert store.decisions().empty
    assert store.record("merge", "c:1", "c:2").id == 1
    assert DecisionStore.open(db).active()["kind"].tolist() == ["merge"]


def test_undo_the_last_a_given_one_and_refuse_bad_undos(db: Path) -> None:
    store = DecisionStore.open(db)
    with pytest.raises(CurationError, match="Nothing to undo"):
        store.undo()
    for i in range(4):
        store.record("reject", f"c:{i}", f"c:{i + 10}")
    last = store.undo(by="ada", note="misclick")
    assert (last.kind, last.target, last.a, last.b, last.by, last.note) == (
        "undo", 4, "c:3", "c:13", "ada", "misclick")
    assert store.undo().target == 3  # the last one not yet undone
    assert store.undo(1).target == 1
    with pytest.raises(CurationError, match="already undone by decision 7"):
        store.undo(1)
    with pytest.raises(CurationError, match="itself an undo"):
        store.undo(last.id)
    with pytest.raises(CurationError, match="no decision 99"):
        store.undo(99)
    assert store.undo().target == 2
    with pytest.raises(CurationError, match="Nothing to undo"):
        store.undo()
    frame = store.decisions()
    assert frame["undone"].tolist() == [True] * 4 + [False] * 4
    assert frame["target"].tolist()[4:] == [4, 3, 1, 2]
    assert store.active().empty


def test_active_is_the_decisions_in_effect_in_id_order(db: Path) -> None:
    store = DecisionStore.open(db)
    store.record("accept", "c:1", "c:2", relation="supports")
    store.record("reject", "c:3", "c:4")
    store.record("merge", "c:5", "c:6")
    store.undo(2)
    active = store.active()
    assert active["id"].tolist() == [1, 3] and active.index.tolist() == [0, 1]
    assert list(active.columns) == COLUMNS and not active["undone"].any()
    assert DecisionStore.open(db).active()["id"].tolist() == [1, 3]


BURST = """
import sys
from explorer.curation import DecisionStore
store = DecisionStore.open(sys.argv[1])
for i in range(1_000_000):
    decision = store.record("accept", f"c:{i}", f"c:{i + 1}", relation="supports", by=sys.argv[2])
    print(decision.id, flush=True)
"""


def test_every_acknowledged_decision_survives_sigkill(db: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", BURST, str(db), "burst"],
                               stdout=subprocess.PIPE, text=True, env=child_env())
    printed = []
    for line in process.stdout:
        printed.append(int(line))
        if len(printed) == 300:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    rest = process.stdout.read()
    printed += [int(line) for line in rest.split("\n")[:-1]]  # whole lines only
    assert process.returncode == -signal.SIGKILL and len(printed) >= 300
    stored = DecisionStore.open(db).decisions()["id"]
    assert set(printed) <= set(stored), "a decision acknowledged before the kill was lost"
    assert stored.tolist() == list(range(1, len(stored) + 1))


def test_two_processes_recording_at_once_both_succeed(db: Path) -> None:
    script = """
import sys, time
from pathlib import Path
from explorer.curation import DecisionStore
store = DecisionStore.open(sys.argv[1])
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
for i in range(200):
    store.record("reject", f"{sys.argv[3]}:{i}", "c:0", by=sys.argv[3])
"""
    go = db.parent.parent / "go"
    processes = [subprocess.Popen([sys.executable, "-c", script, str(db), str(go), who],
                                  env=child_env(), stderr=subprocess.PIPE, text=True)
                 for who in ("p1", "p2")]
    time.sleep(1.0)  # both are waiting, the file may not exist yet: both create it
    go.touch()
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read()
    frame = DecisionStore.open(db).decisions()
    assert len(frame) == 400 and frame["id"].tolist() == list(range(1, 401))
    assert frame["by"].value_counts().to_dict() == {"p1": 200, "p2": 200}
    assert frame.groupby("by")["a"].apply(list).to_dict() == {
        who: [f"{who}:{i}" for i in range(200)] for who in ("p1", "p2")}


# -- files that cannot be used -----------------------------------------------------------


def filled_store(path: Path, n: int = 300) -> Path:
    with DecisionStore.open(path) as store:
        for i in range(n):
            store.record("accept", f"claim:{i}", f"claim:{i + 1}", relation="supports",
                         note="x" * 50)
    return path


def assert_clear(error: pytest.ExceptionInfo, path: Path, what: str) -> None:
    text = str(error.value)
    assert str(path) in text and what in text and "curation=False" in text, text
    assert isinstance(error.value, ExplorerError) and isinstance(error.value, OSError)


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite"
    path.write_bytes(b"id,kind\nclaim:1,claim\n" * 40)
    with pytest.raises(CurationStoreError) as error:
        DecisionStore.open(path)
    assert_clear(error, path, "not a SQLite database")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)")
    with pytest.raises(CurationStoreError) as error:
        DecisionStore.open(other)
    assert_clear(error, other, "not a decisions log")


def test_a_truncated_database_is_refused_not_half_read(tmp_path: Path) -> None:
    path = filled_store(tmp_path / "decisions.sqlite")
    size = path.stat().st_size
    assert size > 8 * 4096
    with path.open("r+b") as file:
        file.truncate(size // 2)
    with pytest.raises(CurationStoreError) as error:
        DecisionStore.open(path)
    assert_clear(error, path, "truncated")


def damage_a_page(path: Path) -> Path:
    """Overwrite the middle page of the SQLite file at ``path`` with random bytes."""
    pages = path.stat().st_size // 4096
    with path.open("r+b") as file:
        file.seek((pages // 2) * 4096)
        file.write(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def test_a_damaged_page_is_refused(tmp_path: Path) -> None:
    path = damage_a_page(filled_store(tmp_path / "decisions.sqlite"))
    with pytest.raises(CurationStoreError) as error:
        DecisionStore.open(path)
    assert_clear(error, path, "damaged")


def test_a_newer_format_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = filled_store(tmp_path / "decisions.sqlite", 3)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 2 WHERE key = 'format_version'")
    before = path.read_bytes()
    with pytest.raises(CurationStoreError) as error:
        DecisionStore.open(path)
    assert_clear(error, path, "newer version")
    assert "format 2" in str(error.value) and "format 1" in str(error.value)
    assert path.read_bytes() == before


# -- read-only folders -------------------------------------------------------------------

READ_ONLY = """
import json, sys
from explorer.curation import DecisionStore, CurationStoreError
result = {}
try:
    store = DecisionStore.open(sys.argv[1])
    result["ids"] = store.decisions()["id"].tolist()
    result["read_only"] = store.read_only
    try:
        store.record("reject", "c:1", "c:2")
        result["recorded"] = True
    except CurationStoreError as error:
        result["record_error"] = str(error)
except CurationStoreError as error:
    result["open_error"] = str(error)
print(json.dumps(result))
"""


def run_unprivileged(folder: Path, script: str, *args: str) -> dict:
    """Run ``script`` where ``folder`` is read-only (as root: without the override caps)."""
    command = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: a folder cannot be made read-only")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
        probe = subprocess.run([*command[:2], "touch", str(folder / "probe")],
                               capture_output=True)
        if probe.returncode == 0:
            pytest.skip("setpriv did not drop the capability to write anywhere")
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def read_only(tmp_path: Path):
    folders = []

    def make(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        folders.append(folder)
        return folder

    yield make
    for folder in folders:
        folder.chmod(0o755)


def test_a_clean_database_in_a_read_only_folder_loads_but_cannot_record(read_only) -> None:
    folder = read_only("ro")
    filled_store(folder / "decisions.sqlite", 5)
    assert sorted(p.name for p in folder.iterdir()) == ["decisions.sqlite"]  # no -wal/-shm
    folder.chmod(0o555)
    result = run_unprivileged(folder, READ_ONLY, str(folder / "decisions.sqlite"))
    assert result["ids"] == [1, 2, 3, 4, 5] and result["read_only"] is True
    assert "cannot record" in result["record_error"]
    assert "curation=PATH" in result["record_error"]
    assert str(folder / "decisions.sqlite") in result["record_error"]


def test_a_missing_database_in_a_read_only_folder_reads_empty(read_only) -> None:
    folder = read_only("ro")
    folder.chmod(0o555)
    result = run_unprivileged(folder, READ_ONLY, str(folder / "decisions.sqlite"))
    assert result["ids"] == [] and "not writable" in result["record_error"]
    assert "curation=PATH" in result["record_error"]


def test_a_read_only_copy_taken_while_a_writer_was_open(read_only, tmp_path: Path) -> None:
    live = tmp_path / "live" / "decisions.sqlite"
    store = DecisionStore.open(live)
    for i in range(3):
        store.record("defer", f"c:{i}", "c:9")
    with_shm, without_shm = read_only("with-shm"), read_only("without-shm")
    for suffix in ("", "-wal", "-shm"):
        shutil.copy(f"{live}{suffix}", f"{with_shm / 'decisions.sqlite'}{suffix}")
    for suffix in ("", "-wal"):
        shutil.copy(f"{live}{suffix}", f"{without_shm / 'decisions.sqlite'}{suffix}")
    store.close()
    with_shm.chmod(0o555)
    without_shm.chmod(0o555)
    result = run_unprivileged(with_shm, READ_ONLY, str(with_shm / "decisions.sqlite"))
    assert result["ids"] == [1, 2, 3]  # the decisions still only in the -wal are read too
    result = run_unprivileged(without_shm, READ_ONLY, str(without_shm / "decisions.sqlite"))
    if "open_error" in result:  # SQLite cannot read the -wal without a -shm: say so
        assert "decisions.sqlite-wal" in result["open_error"]
        assert "curation=PATH" in result["open_error"]
    else:
        assert result["ids"] == [1, 2, 3]


# -- the overlay -------------------------------------------------------------------------


def canonical(entities: list[dict], edges: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Frames shaped as the loader gives them (categorical kinds, endpoints, relations)."""
    frame = pd.DataFrame(entities)
    for name, default in (("summary", ""), ("status", "active"), ("year", None),
                          ("authors", None)):
        if name not in frame:
            frame[name] = [default] * len(frame)
    frame["authors"] = [list(a) if isinstance(a, list) else [] for a in frame["authors"]]
    frame = frame.astype({"id": "str", "kind": "category", "title": "str", "summary": "str",
                          "status": "str", "year": "Int64"})
    ids = pd.Index(frame["id"])
    rows = [(*e, "") if len(e) == 3 else e for e in edges]
    links = pd.DataFrame(rows, columns=["source", "target", "relation", "note"])
    for end in ("source", "target"):
        links[end] = pd.Categorical.from_codes(ids.get_indexer(links[end]), categories=ids)
    links["relation"] = links["relation"].astype("category")
    links["note"] = links["note"].astype("str")
    return frame, links


@pytest.fixture
def graph() -> tuple[pd.DataFrame, pd.DataFrame]:
    return canonical(
        [
            {"id": "c:1", "kind": "claim", "title": "Sparse features are interpretable"},
            {"id": "c:2", "kind": "claim", "title": "Sparse features: interpretable",
             "summary": "found in two papers", "year": 2023, "authors": ["Ada One"]},
            {"id": "c:3", "kind": "claim", "title": "Dense features are not", "year": 2021},
            {"id": "f:1", "kind": "finding", "title": "Ablation changes the output"},
            {"id": "p:1", "kind": "paper", "title": "A paper", "authors": ["Bo Two"]},
        ],
        [
            ("f:1", "c:1", "supports"),
            ("f:1", "c:2", "supports"),  # the same edge once c:2 is merged into c:1
            ("f:1", "c:2", "supports", "replicated"),  # a different note: kept apart
            ("f:1", "c:2", "associated_with"),  # a different relation: kept apart
            ("c:2", "c:1", "duplicate_of"),  # becomes a self-loop
            ("c:2", "p:1", "extracted_from"),
            ("c:3", "c:2", "contradicts"),
        ],
    )


def decide(tmp_path: Path, *steps: tuple) -> DecisionStore:
    store = DecisionStore.open(tmp_path / "decisions.sqlite")
    for kind, a, b, *rest in steps:
        store.record(kind, a, b, **(rest[0] if rest else {}))
    return store


def keys(edges: pd.DataFrame) -> list[tuple]:
    return list(zip(*(edges[c].astype(object) for c in ("source", "target", "relation",
                                                         "note")), strict=True))


def test_accept_adds_an_edge_with_its_provenance(graph, tmp_path: Path) -> None:
    entities, edges = graph
    store = decide(tmp_path, ("accept", "c:3", "p:1", {
        "relation": "extracted_from", "note": "from the abstract", "by": "ada", "score": 0.87,
        "model": "minilm"}), ("accept", "c:1", "c:3", {"relation": "refines"}))
    overlay = apply_decisions(entities, edges, store.active())
    added = overlay.edges.iloc[len(edges):]
    assert keys(added) == [("c:3", "p:1", "extracted_from", "from the abstract"),
                           ("c:1", "c:3", "refines", "")]
    assert added["curated_by"].tolist()[0] == "ada" and pd.isna(added["curated_by"].iloc[1])
    assert added["curated_score"].tolist()[0] == 0.87
    assert added["curated_model"].tolist()[0] == "minilm"
    assert added["decision_id"].tolist() == [1, 2]
    assert added["curated_at"].tolist() == store.active()["at"].tolist()
    old = overlay.edges.iloc[: len(edges)]
    assert old[list(PROVENANCE_COLUMNS)].isna().all().all()
    pd.testing.assert_frame_equal(old.drop(columns=list(PROVENANCE_COLUMNS)), edges,
                                  check_categorical=False)  # "refines" is a new category
    assert overlay.n_curated_edges == 2 and overlay.n_merges == 0 and not overlay.problems
    # still the loader's shape: endpoints categorical over the entity ids, codes = rows
    assert overlay.edges["source"].cat.categories.equals(pd.Index(overlay.entities["id"]))
    assert "refines" in overlay.edges["relation"].cat.categories
    assert overlay.edges.index.equals(pd.RangeIndex(len(edges) + 2))


def test_no_decisions_changes_nothing_but_adds_the_provenance_columns(graph, db) -> None:
    entities, edges = graph
    overlay = apply_decisions(entities, edges, DecisionStore.open(db).active())
    pd.testing.assert_frame_equal(overlay.entities, entities)
    assert list(overlay.edges.columns) == list(edges.columns) + list(PROVENANCE_COLUMNS)
    assert str(overlay.edges["curated_at"].dtype) == "timestamp[ns, tz=UTC][pyarrow]"
    assert str(overlay.edges["decision_id"].dtype) == "int64[pyarrow]"
    assert str(overlay.edges["curated_by"].dtype) == "category"
    pd.testing.assert_frame_equal(overlay.edges[list(edges.columns)], edges)


def test_merge_moves_edges_fills_fields_and_keeps_an_alias(graph, tmp_path: Path) -> None:
    entities, edges = graph
    store = decide(tmp_path, ("merge", "c:1", "c:2"))
    overlay = apply_decisions(entities, edges, store.active())
    assert overlay.entities["id"].tolist() == ["c:1", "c:3", "f:1", "p:1"]
    kept = overlay.entities.iloc[0]
    assert kept["title"] == "Sparse features are interpretable"  # keep's, not drop's
    assert kept["summary"] == "found in two papers" and kept["year"] == 2023
    assert kept["authors"] == ["Ada One"]  # keep's list was empty
    assert keys(overlay.edges) == [
        ("f:1", "c:1", "supports", ""),
        ("f:1", "c:1", "supports", "replicated"),
        ("f:1", "c:1", "associated_with", ""),
        ("c:1", "p:1", "extracted_from", ""),
        ("c:3", "c:1", "contradicts", ""),
    ]
    assert overlay.n_self_loops_dropped == 1 and overlay.n_duplicates_collapsed == 1
    assert overlay.aliases == {"c:2": "c:1"} and overlay.merged_from == {"c:1": ["c:2"]}
    assert overlay.n_merges == 1 and not overlay.problems
    codes = overlay.edges["target"].cat.codes.to_numpy()
    assert (overlay.entities["id"].to_numpy()[codes] == overlay.edges["target"]).all()


def test_an_accept_naming_a_merged_id_lands_on_the_kept_one(graph, tmp_path: Path) -> None:
    entities, edges = graph
    store = decide(tmp_path, ("accept", "c:2", "c:3", {"relation": "refines"}),
                   ("reject", "c:2", "f:1"), ("merge", "c:1", "c:2"), ("defer", "p:1", "c:2"))
    overlay = apply_decisions(entities, edges, store.active())
    assert keys(overlay.edges)[-1] == ("c:1", "c:3", "refines", "")
    for name in ("curated_by", "curated_model"):  # the same dtype when every one is null
        assert overlay.edges[name].dtype == "category" and overlay.edges[name].isna().all()
    assert overlay.rejected == {frozenset({"c:1", "f:1"})}
    assert overlay.deferred == {frozenset({"c:1", "p:1"})}


def test_chains_resolve_in_either_order(graph, tmp_path: Path) -> None:
    entities, edges = graph
    for folder, steps in (("forward", [("merge", "c:2", "c:3"), ("merge", "c:1", "c:2")]),
                          ("backward", [("merge", "c:1", "c:2"), ("merge", "c:2", "c:3")])):
        (tmp_path / folder).mkdir()
        overlay = apply_decisions(entities, edges, decide(tmp_path / folder, *steps).active())
        assert overlay.aliases == {"c:3": "c:1", "c:2": "c:1"} or overlay.aliases == {
            "c:2": "c:1", "c:3": "c:1"}
        assert sorted(overlay.merged_from["c:1"]) == ["c:2", "c:3"] and overlay.n_merges == 2
        assert overlay.entities["id"].tolist() == ["c:1", "f:1", "p:1"]
        # c:2 (2023) comes before c:3 (2021) either way: c:2 was merged first, or took c:3
        assert overlay.entities["year"].tolist()[0] == 2023
        assert not set(overlay.edges["source"]) & {"c:2", "c:3"}
        assert ("c:1", "c:1", "contradicts", "") not in keys(overlay.edges)


def test_check_merge_refuses_itself_cycles_and_merged_ids() -> None:
    aliases = {"c:2": "c:1", "c:3": "c:1"}
    assert check_merge(aliases, "c:3", "c:4") == "c:1"
    with pytest.raises(CurationError, match="into itself"):
        check_merge(aliases, "c:5", "c:5")
    with pytest.raises(CurationError, match="'c:2' was already merged into 'c:1'"):
        check_merge(aliases, "c:2", "c:1")  # c:1 into c:2, after c:2 into c:1: a cycle
    with pytest.raises(CurationError, match="already merged into 'c:1'. Merge 'c:1' instead"):
        check_merge(aliases, "c:4", "c:2")
    with pytest.raises(CurationError, match="'c:9' is not in the entities table"):
        check_merge(aliases, "c:1", "c:9", ids={"c:1", "c:4"})
    # with the current ids (merged ones gone): a merged keep resolves, a merged drop says so
    assert check_merge(aliases, "c:2", "c:4", ids={"c:1", "c:4"}) == "c:1"
    with pytest.raises(CurationError, match="already merged into 'c:1'"):
        check_merge(aliases, "c:4", "c:3", ids={"c:1", "c:4"})


def test_refused_merges_recorded_anyway_become_problems(graph, tmp_path: Path) -> None:
    entities, edges = graph
    store = decide(tmp_path, ("merge", "c:1", "c:2"), ("merge", "c:2", "c:1"),
                   ("merge", "c:3", "c:2"))
    overlay = apply_decisions(entities, edges, store.active())
    assert overlay.aliases == {"c:2": "c:1"} and overlay.n_merges == 1
    assert len(overlay.problems) == 2
    assert overlay.problems[0].startswith("decision 2 (merge) cannot merge 'c:1' into 'c:2'")
    assert "'c:2' was already merged into 'c:1'" in overlay.problems[1]


def test_undoing_a_merge_restores_every_row_exactly(graph, tmp_path: Path) -> None:
    entities, edges = graph
    store = decide(tmp_path, ("merge", "c:1", "c:2"), ("merge", "c:3", "f:1"),
                   ("accept", "c:2", "p:1", {"relation": "cites"}))
    assert len(apply_decisions(entities, edges, store.active()).entities) == 3
    store.undo(3)
    store.undo(1)
    store.undo(2)
    overlay = apply_decisions(entities, edges, store.active())
    pd.testing.assert_frame_equal(overlay.entities, entities)
    pd.testing.assert_frame_equal(overlay.edges.drop(columns=list(PROVENANCE_COLUMNS)), edges)
    assert overlay.aliases == {} and overlay.n_merges == 0 and overlay.n_curated_edges == 0
    store.undo(store.record("merge", "c:1", "c:2").id)
    pd.testing.assert_frame_equal(apply_decisions(entities, edges, store.active()).entities,
                                  entities)


def test_decisions_on_vanished_ids_are_problems_not_crashes(graph, tmp_path: Path) -> None:
    entities, edges = graph
    store = decide(tmp_path, ("accept", "c:1", "c:9", {"relation": "supports"}),
                   ("merge", "c:8", "c:1"), ("reject", "c:7", "c:1"), ("defer", "c:1", "c:3"))
    overlay = apply_decisions(entities, edges, store.active())
    assert overlay.problems == [  # in decision order
        "decision 1 (accept) names 'c:9', which is no longer in the entities table; skipped.",
        "decision 2 (merge) names 'c:8', which is no longer in the entities table; skipped.",
        "decision 3 (reject) names 'c:7', which is no longer in the entities table; skipped.",
    ]
    assert overlay.deferred == {frozenset({"c:1", "c:3"})} and not overlay.rejected
    assert len(overlay.edges) == len(edges) and len(overlay.entities) == len(entities)


def test_the_latest_decision_on_a_pair_decides_and_inputs_stay_untouched(graph, tmp_path) -> None:
    entities, edges = graph
    before = entities.copy(deep=True), edges.copy(deep=True)
    store = decide(tmp_path, ("defer", "c:1", "c:3"), ("reject", "c:3", "c:1"),
                   ("defer", "f:1", "p:1"), ("accept", "p:1", "f:1", {"relation": "cites"}),
                   ("merge", "c:1", "c:2"))
    overlay = apply_decisions(entities, edges, store.active())
    assert overlay.rejected == {frozenset({"c:1", "c:3"})} and overlay.deferred == set()
    store.undo(2)
    overlay = apply_decisions(entities, edges, store.active())
    assert overlay.rejected == set() and overlay.deferred == {frozenset({"c:1", "c:3"})}
    pd.testing.assert_frame_equal(entities, before[0])
    pd.testing.assert_frame_equal(edges, before[1])


def test_plain_string_frames_work_too(tmp_path: Path) -> None:
    entities = pd.DataFrame({"id": ["a", "b", "c"], "title": ["A", "", "C"]})
    edges = pd.DataFrame({"source": ["b", "a", "b"], "target": ["c", "c", "a"],
                          "relation": ["r", "r", "r"]})
    store = decide(tmp_path, ("merge", "a", "b"), ("accept", "c", "b", {"relation": "s"}))
    overlay = apply_decisions(entities, edges, store.active())
    assert overlay.entities.to_dict("list") == {"id": ["a", "c"], "title": ["A", "C"]}
    assert overlay.edges[["source", "target", "relation"]].values.tolist() == [
        ["a", "c", "r"], ["c", "a", "s"]]
    assert (overlay.n_self_loops_dropped, overlay.n_duplicates_collapsed) == (1, 1)


# -- property: the overlay is a deterministic function that a sequential model agrees with


def empty(value: object) -> bool:
    if isinstance(value, (list, str)):
        return len(value) == 0
    return value is None or pd.isna(value)


def sequential_model(entities: pd.DataFrame, edges: pd.DataFrame, active: pd.DataFrame):
    """The semantics one decision at a time, the slow obvious way."""
    rows = {r["id"]: dict(r) for r in entities.to_dict("records")}
    live = [dict(zip(("source", "target", "relation", "note"), k, strict=True))
            for k in keys(edges)]
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while name in parent:
            name = parent[name]
        return name

    for d in active.to_dict("records"):
        if d["kind"] != "merge" or not {d["a"], d["b"]} <= set(entities["id"]):
            continue
        keep, drop = find(d["a"]), d["b"]
        if drop in parent or keep == drop:
            continue
        for name, value in rows[drop].items():
            if empty(rows[keep][name]) and not empty(value):
                rows[keep][name] = value
        del rows[drop]
        parent[drop] = keep
        moved, others = [], []
        for edge in live:
            if drop in (edge["source"], edge["target"]):
                edge = {**edge, **{e: keep for e in ("source", "target") if edge[e] == drop}}
                moved.append(edge)
            else:
                others.append(edge)
        seen = {tuple(e.values()) for e in others}
        for edge in moved:
            if edge["source"] != edge["target"] and tuple(edge.values()) not in seen:
                seen.add(tuple(edge.values()))
                others.append(edge)
        live = others
    curated = []
    for d in active.to_dict("records"):
        if d["kind"] == "accept" and {d["a"], d["b"]} <= set(entities["id"]):
            a, b = find(d["a"]), find(d["b"])
            if a != b:
                curated.append((a, b, d["relation"], d["note"] or "", d["id"]))
    return list(rows.values()), sorted(tuple(e.values()) for e in live), curated, parent


ids_strategy = st.integers(min_value=0, max_value=3)  # decisions and most edges: 4 of 6 ids
steps_strategy = st.lists(st.tuples(
    st.sampled_from(["accept", "reject", "defer", "merge", "merge", "merge!", "undo"]),
    ids_strategy, ids_strategy, st.sampled_from(["supports", "cites"]), st.integers(-1, 9),
), min_size=2, max_size=14)
graph_strategy = st.tuples(
    st.lists(st.tuples(st.sampled_from(["", "s"]), st.sampled_from([None, 2020, 2021]),
                       st.booleans()), min_size=6, max_size=6),
    st.lists(st.tuples(st.integers(0, 5), ids_strategy, st.sampled_from(["supports", "cites"]),
                       st.sampled_from(["", "n"])), min_size=3, max_size=16),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph_strategy, steps_strategy)
def test_applying_random_decisions_is_deterministic_and_consistent(spec, steps) -> None:
    fields, links = spec
    entities, edges = canonical(
        [{"id": f"e:{i}", "kind": "claim", "title": f"T{i}", "summary": s and f"{s}{i}",
          "year": year, "authors": [f"A{i}"] if has else []}
         for i, (s, year, has) in enumerate(fields)],
        [(f"e:{a}", f"e:{b}", rel, note) for a, b, rel, note in links])
    with tempfile.TemporaryDirectory() as folder:
        store = DecisionStore.open(Path(folder) / "decisions.sqlite")
        for kind, i, j, relation, which in steps:
            if kind == "undo":
                active = store.active()["id"].tolist()
                if active:
                    store.undo(None if which < 0 else active[which % len(active)])
                continue
            a, b = f"e:{i}", f"e:{j}"
            if a == b:
                continue
            if kind == "merge":  # checked as the lead does; "merge!" is recorded unchecked
                aliases = apply_decisions(entities, edges, store.active()).aliases
                try:
                    check_merge(aliases, a, b)
                except CurationError:
                    continue
            store.record(kind.rstrip("!"), a, b, relation=relation)
        active = store.active()
        overlay = apply_decisions(entities, edges, active)
        again = apply_decisions(entities, edges, active)
        pd.testing.assert_frame_equal(overlay.entities, again.entities)
        pd.testing.assert_frame_equal(overlay.edges, again.edges)
        for name in ("aliases", "rejected", "deferred", "merged_from", "problems"):
            assert getattr(overlay, name) == getattr(again, name)

        event(f"merges={min(overlay.n_merges, 2)} collapsed={overlay.n_duplicates_collapsed > 0}"
              f" loops={overlay.n_self_loops_dropped > 0} problems={bool(overlay.problems)}")
        rows, live, curated, parent = sequential_model(entities, edges, active)
        assert overlay.entities.to_dict("records") == rows
        mask = overlay.edges["decision_id"].isna().to_numpy()
        assert sorted(keys(overlay.edges[mask])) == live
        assert keys(overlay.edges[~mask]) == [c[:4] for c in curated]
        assert overlay.edges["decision_id"][~mask].tolist() == [c[4] for c in curated]
        assert set(overlay.aliases) == set(parent)

        ids = set(overlay.entities["id"])
        assert overlay.n_merges == len(overlay.aliases) == len(entities) - len(ids)
        assert sum(map(len, overlay.merged_from.values())) == overlay.n_merges
        assert set(overlay.aliases.values()) <= ids and not set(overlay.aliases) & ids
        assert overlay.n_curated_edges == int((~mask).sum())
        for end in ("source", "target"):
            assert set(overlay.edges[end]) <= ids
            assert overlay.edges[end].cat.categories.equals(pd.Index(overlay.entities["id"]))
        for pair in overlay.rejected | overlay.deferred:
            assert len(pair) == 2 and pair <= ids

        while not store.active().empty:
            store.undo()
        undone = apply_decisions(entities, edges, store.active())
        pd.testing.assert_frame_equal(undone.entities, entities)
        pd.testing.assert_frame_equal(undone.edges[list(edges.columns)], edges)
        store.close()



class _LockedFor:
    """A connection whose first ``n`` journal-mode changes find the file locked."""

    def __init__(self, n: int, error: str = "database is locked") -> None:
        self.n, self.error, self.calls = n, error, 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= self.n:
            raise sqlite3.OperationalError(self.error)


def test_the_switch_to_wal_waits_for_another_creator_and_then_gives_up():
    # SQLite does not wait for the lock a journal-mode change takes; two processes
    # creating the file together made one fail at once in about 1 run of 8.
    from explorer.curation.sqlite_file import use_wal

    locked = _LockedFor(5)
    use_wal(locked, timeout=5.0)
    assert locked.calls == 6
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(_LockedFor(10**9), timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 2.0
    other = _LockedFor(1, "disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk"):
        use_wal(other, timeout=5.0)
    assert other.calls == 1  # only a lock is waited for
