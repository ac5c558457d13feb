"""Curation through the public façade: decisions change the graph at once, stay made, undo."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pandas as pd
import pytest
from curation_steps import apply_step
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from conftest import EXAMPLE, ROOT
from explorer.curation import CurationError, CurationStoreError
from explorer.errors import ParameterError, UnknownEntityError

CLAIM = "claim:learned-features-reflect-the-functionality-of-the-model-and-not-just-the-data-distribution-as-evidenced-by-interpretable-downstream-effects-not-used-in-dictionary-learning"  # noqa: E501


@pytest.fixture
def folder(tmp_path):
    dest = tmp_path / "example"
    shutil.copytree(EXAMPLE, dest)
    return dest


def ids_of(kg, kind):
    return kg.entities.loc[kg.entities["kind"] == kind, "id"].tolist()


def test_accept_adds_a_curated_edge_seen_everywhere(folder):
    kg = explorer.load(folder)
    a, b = ids_of(kg, "note")[:2]
    assert b not in kg.neighborhood(a)["id"].tolist()
    decision = kg.accept(a, b, "supports", note="same finding", by="ada")
    assert decision.kind == "accept" and decision.relation == "supports"
    hood = kg.neighborhood(a)
    assert b in hood["id"].tolist()
    edge = kg.edges[(kg.edges["source"] == a) & (kg.edges["target"] == b)].iloc[0]
    assert edge["relation"] == "supports" and edge["curated_by"] == "ada"
    assert edge["decision_id"] == decision.id
    assert b in {n["id"] for n in kg.graph(a, include_similar=False).nodes}
    assert "curation: 1 curated edge" in repr(kg)
    # and it stays made: a fresh load applies it
    again = explorer.load(folder)
    assert b in again.neighborhood(a)["id"].tolist()
    assert (folder / "curation.sqlite").is_file()


def test_accept_checks_relation_and_ids(folder):
    kg = explorer.load(folder)
    a, b = ids_of(kg, "note")[:2]
    with pytest.raises(ParameterError, match="relation must be a name"):
        kg.accept(a, b, "")
    with pytest.raises(ParameterError):
        kg.accept(a, b, "has spaces <b>")
    with pytest.raises(UnknownEntityError, match="Did you mean"):
        kg.accept(a[:-2], b, "supports")
    with pytest.raises(CurationError):
        kg.accept(a, a, "supports")
    assert len(kg.decisions) == 0


def test_reject_hides_the_pair_from_similar_and_candidates(folder):
    kg = explorer.load(folder)
    found = kg.similar(CLAIM)
    other = found["id"].iloc[0]
    kg.reject(CLAIM, other, note="not related")
    assert other not in kg.similar(CLAIM)["id"].tolist()
    pairs = kg.candidates(per_entity=None)
    assert not (((pairs["id_a"] == CLAIM) & (pairs["id_b"] == other))
                | ((pairs["id_a"] == other) & (pairs["id_b"] == CLAIM))).any()
    card = kg.card(CLAIM)
    assert other not in [e.id for e in card.similar_entries]
    assert other not in explorer.load(folder).similar(CLAIM)["id"].tolist()


def test_merge_moves_edges_keeps_an_alias_and_undo_gives_everything_back(folder):
    kg = explorer.load(folder)
    before_entities, before_edges = kg.entities.copy(), kg.edges.copy()
    keep, drop = ids_of(kg, "finding")[:2]
    drop_neighbors = set(kg.neighborhood(drop)["id"]) - {keep}
    kg.merge(keep, drop, note="same result", by="ada")
    assert drop not in kg
    assert kg.resolve(drop) == keep
    assert kg.entity(kg.resolve(drop))["id"] == keep
    assert drop_neighbors <= set(kg.neighborhood(keep)["id"])
    assert kg.merged_from(keep) == [drop]
    assert "1 merge" in repr(kg)
    with pytest.raises(CurationError):
        kg.merge(keep, keep)
    with pytest.raises(CurationError):
        kg.merge(drop, keep)  # drop is keep now: a cycle
    kg.undo()
    assert drop in kg
    pd.testing.assert_frame_equal(
        kg.entities.drop(columns=[c for c in kg.entities if c.startswith("curated")],
                         errors="ignore").reset_index(drop=True),
        before_entities.reset_index(drop=True), check_categorical=False)
    restored = kg.edges[list(before_edges.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(restored, before_edges.reset_index(drop=True),
                                  check_categorical=False)


def test_merge_chains_resolve(folder):
    kg = explorer.load(folder)
    a, b, c = ids_of(kg, "note")[:3]
    kg.merge(b, a)
    kg.merge(c, b)
    assert kg.resolve(a) == c and kg.resolve(b) == c
    assert sorted(kg.merged_from(c)) == sorted([a, b])


def test_decisions_frame_and_undo_a_given_decision(folder):
    kg = explorer.load(folder)
    n1, n2, n3 = ids_of(kg, "note")[:3]
    first = kg.accept(n1, n2, "supports")
    kg.reject(n1, n3)
    kg.undo(first)
    table = kg.decisions
    assert table["kind"].tolist() == ["accept", "reject", "undo"]
    assert table["undone"].tolist() == [True, False, False]
    assert n2 not in kg.neighborhood(n1)["id"].tolist()


def test_export_then_load_gives_the_same_graph(folder, tmp_path):
    kg = explorer.load(folder)
    notes = ids_of(kg, "note")
    kg.accept(notes[0], notes[1], "supports", by="ada")
    kg.merge(notes[2], notes[3])
    out = kg.export(tmp_path / "curated")
    back = explorer.load(out)
    assert back.aliases == kg.aliases == {notes[3]: notes[2]}
    assert back.resolve(notes[3]) == notes[2]
    columns = [c for c in kg.entities.columns if c != "aliases"]
    pd.testing.assert_frame_equal(back.entities[columns].reset_index(drop=True),
                                  kg.entities[columns].reset_index(drop=True),
                                  check_dtype=False, check_categorical=False)
    assert len(back.edges) == len(kg.edges)
    with pytest.raises(ParameterError, match="not an empty folder"):
        kg.export(folder)


def test_read_only_folder_refuses_the_first_decision_clearly(folder, tmp_path):
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user that can write anywhere (root): chmod has no effect")
        kg = explorer.load(folder)
        a, b = ids_of(kg, "note")[:2]
        with pytest.raises(CurationStoreError, match="curation"):
            kg.accept(a, b, "supports")
        elsewhere = explorer.load(folder, curation=tmp_path / "mine.sqlite")
        elsewhere.accept(a, b, "supports")
        assert (tmp_path / "mine.sqlite").is_file()
    finally:
        os.chmod(folder, stat.S_IRWXU)


def test_a_decision_on_a_vanished_entity_is_reported_not_a_crash(folder):
    kg = explorer.load(folder)
    a, b = ids_of(kg, "note")[:2]
    kg.accept(a, b, "supports")
    entities = pd.read_csv(folder / "entities.csv", dtype=str, keep_default_na=False)
    entities[entities["id"] != b].to_csv(folder / "entities.csv", index=False)
    edges = pd.read_csv(folder / "edges.csv", dtype=str, keep_default_na=False)
    edges[(edges["source"] != b) & (edges["target"] != b)].to_csv(folder / "edges.csv",
                                                                   index=False)
    again = explorer.load(folder)
    assert any(b in note for note in again.report.notes), again.report.notes
    assert b in str(again.report)


def test_a_damaged_database_names_the_file_and_tables_load_without_it(folder):
    explorer.load(folder).accept(*ids_of(explorer.load(folder), "note")[:2], "supports")
    path = folder / "curation.sqlite"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    for extra in (folder / "curation.sqlite-wal", folder / "curation.sqlite-shm"):
        extra.unlink(missing_ok=True)
    with pytest.raises(CurationStoreError) as info:
        explorer.load(folder)
    assert "curation.sqlite" in str(info.value) and "curation=False" in str(info.value)
    plain = explorer.load(folder, curation=False)
    assert len(plain) == 16


def test_a_newer_database_format_is_refused(folder):
    kg = explorer.load(folder)
    kg.accept(*ids_of(kg, "note")[:2], "supports")
    kg._store.close()
    with sqlite3.connect(folder / "curation.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    with pytest.raises(CurationStoreError, match="newer"):
        explorer.load(folder)


KILLER = """
import sys, explorer
kg = explorer.load(sys.argv[1])
notes = kg.entities.loc[kg.entities["kind"] != "paper", "id"].tolist()
for k in range(10_000):
    a, b = notes[k % len(notes)], notes[(k + 1) % len(notes)]
    d = kg.reject(a, b, note=str(k))
    print(d.id, flush=True)
"""


def test_sigkill_mid_burst_loses_no_acknowledged_decision(folder):
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(folder)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    acknowledged = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(acknowledged) >= 40
    kept = set(explorer.load(folder).decisions["id"])
    assert set(acknowledged) <= kept


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["accept", "reject", "merge", "undo"]),
                                st.integers(0, 9), st.integers(0, 9)), max_size=8))
def test_any_decisions_then_reload_then_export_give_one_graph(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("prop") / "example"
    shutil.copytree(EXAMPLE, folder)
    kg = explorer.load(folder, )
    kg.set_embedder("tfidf", cache=None)
    for kind, x, y in steps:
        apply_step(kg, kind, x, y)
    reloaded = explorer.load(folder)
    exported = explorer.load(reloaded.export(tmp_path_factory.mktemp("out") / "x"))
    for other in (reloaded, exported):
        assert sorted(other.ids) == sorted(kg.ids)
        assert other.aliases == kg.aliases
        key = ["source", "target", "relation"]
        assert (sorted(map(tuple, other.edges[key].astype(str).to_numpy()))
                == sorted(map(tuple, kg.edges[key].astype(str).to_numpy())))
