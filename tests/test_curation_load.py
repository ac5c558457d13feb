"""Loading with decisions: what the fast path reads and applies is what the obvious one gives.

Loading reads the decisions in effect by columns (``DecisionStore.in_effect``: undone ones
left out in SQL, only what the overlay uses) and applies them vectorised, with the entity
look-up in Arrow and the pair sets made lazily. Each test holds one of those to a
straightforward reference: the log read row by row, the overlay of ``active()``'s frame,
decisions applied one at a time, Python sets, one thread.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_curation_store import canonical, damage_a_page, filled_store, keys, sequential_model

import explorer
from conftest import EXAMPLE
from explorer.curation import CurationError, CurationStoreError, DecisionStore, apply_decisions
from explorer.curation import frames as frames_module
from explorer.curation.pair_decisions import PairSet
from explorer.curation.reading import EXTRA, SELECT

text = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=6))
score = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


def record_raw(path: Path, kind: str, a: str, b: str, relation: str | None, note: str | None
               ) -> None:
    """Append a row the API would refuse: an accept without relation."""
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO decisions (kind, a, b, relation, note, at) VALUES "
                     "(?, ?, ?, ?, ?, '2026-12-01T00:00:00.000001+00:00')",
                     (kind, a, b, relation, note))


# -- the log read for the overlay is the log read row by row ------------------------------


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["accept", "reject", "merge", "defer", "undo"]),
                               st.text(min_size=1, max_size=5), text, text, text, text, score,
                               text, st.integers(0, 20)), max_size=14))
def test_in_effect_is_the_log_read_row_by_row_without_what_was_undone(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("log") / "c.sqlite"
    store = DecisionStore.open(path)
    for kind, a, b, relation, note, by, value, model, which in rows:
        if kind == "undo":
            try:
                store.undo(None if which % 3 == 0 else which)
            except CurationError:
                pass
            continue
        store._ready or store.record("reject", "x", "y")  # creates the schema
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO decisions (kind, a, b, relation, note, [by], at, score, "
                         "model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (kind, a, b, relation, note, by, f"2026-12-0{1 + which % 9}T00:00:00"
                          f".{which:06d}+0{which % 3}:00", value, model))
    table = store.in_effect()
    with sqlite3.connect(path) as conn:
        log = conn.execute(SELECT + " ORDER BY d.id").fetchall() if store._ready else []
    undone = {r[11] for r in log if r[1] == "undo"}
    expected = [r for r in log if r[1] != "undo" and r[0] not in undone]
    assert table["id"].to_pylist() == [r[0] for r in expected]
    for i, name in enumerate(("kind", "a", "b")):
        assert table[name].to_pylist() == [r[i + 1] for r in expected]
    for name in (*EXTRA, "score"):
        i = ["id", "kind", "a", "b", "relation", "note", "by", "at", "score", "model"].index(name)
        assert table[name].to_pylist() == [r[i] if r[1] == "accept" else None
                                           for r in expected], name  # floats exactly
    assert store.active()["id"].tolist() == table["id"].to_pylist()


def test_an_empty_or_missing_log_has_nothing_in_effect(tmp_path: Path) -> None:
    store = DecisionStore.open(tmp_path / "c.sqlite")
    assert store.in_effect().num_rows == 0 and store.in_effect().schema.names == [
        "id", "kind", "a", "b", *EXTRA, "score"]
    (tmp_path / "empty.sqlite").touch()
    assert DecisionStore.open_in_effect(tmp_path / "empty.sqlite")[1].num_rows == 0
    with pytest.raises(CurationStoreError, match="does not exist"):
        DecisionStore.open_in_effect(tmp_path / "missing.sqlite")


# -- the overlay of the log read so is the overlay of active() and of one at a time -------

steps_strategy = st.lists(st.tuples(
    st.sampled_from(["accept", "reject", "defer", "merge", "merge", "undo", "unknown",
                     "no-relation"]),
    st.integers(0, 5), st.integers(0, 5), st.sampled_from(["supports", "cites"]), text,
    st.integers(-1, 9), score), min_size=1, max_size=16)
graph_strategy = st.tuples(
    st.lists(st.tuples(st.sampled_from(["", "s"]), st.sampled_from([None, 2020]),
                       st.booleans()), min_size=6, max_size=6),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from(["supports",
                                                                              "cites"]),
                       st.sampled_from(["", "n"])), min_size=2, max_size=14),
    st.booleans())


def assert_same_overlay(fast, slow) -> None:
    pd.testing.assert_frame_equal(fast.entities, slow.entities, check_exact=True)
    pd.testing.assert_frame_equal(fast.edges, slow.edges, check_exact=True)
    for end in ("source", "target", "relation", "curated_by", "curated_model"):
        if isinstance(slow.edges[end].dtype, pd.CategoricalDtype):
            assert list(fast.edges[end].cat.categories) == list(slow.edges[end].cat.categories)
    for name in ("aliases", "merged_from", "problems", "rejected", "deferred", "n_curated_edges",
                 "n_merges", "n_self_loops_dropped", "n_duplicates_collapsed"):
        assert getattr(fast, name) == getattr(slow, name), name


def reference_pairs(ids: set[str], active: pd.DataFrame) -> tuple[dict, set, set, set]:
    """Aliases, rejected and deferred pairs, and the decisions with a problem, one by one."""
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while name in parent:
            name = parent[name]
        return name

    problems, latest = set(), {}
    for d in active.to_dict("records"):
        known = {d["a"], d["b"]} <= ids
        if d["kind"] == "merge":
            if not known or d["b"] in parent or find(d["a"]) == d["b"]:
                problems.add(d["id"])
            else:
                parent[d["b"]] = find(d["a"])
    for d in active.to_dict("records"):
        if d["kind"] == "merge":
            continue
        if not {d["a"], d["b"]} <= ids:
            problems.add(d["id"])
            continue
        a, b = find(d["a"]), find(d["b"])
        if d["kind"] == "accept" and (a == b or not isinstance(d["relation"], str)
                                      or not d["relation"]):
            problems.add(d["id"])
        elif a != b:
            latest[frozenset((a, b))] = d["kind"]
    rejected = {p for p, kind in latest.items() if kind == "reject"}
    deferred = {p for p, kind in latest.items() if kind == "defer"}
    return {name: find(name) for name in parent}, rejected, deferred, problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph_strategy, steps_strategy)
def test_the_overlay_read_for_loading_is_the_obvious_overlay(spec, steps) -> None:
    fields, links, categorical = spec
    entities, edges = canonical(
        [{"id": f"e:{i}", "kind": "claim", "title": f"T{i}", "summary": s and f"{s}{i}",
          "year": year, "authors": [f"A{i}"] if has else []}
         for i, (s, year, has) in enumerate(fields)],
        [(f"e:{a}", f"e:{b}", rel, note) for a, b, rel, note in links])
    if not categorical:  # plain text ends: the look-ups by value, not by code
        edges = edges.astype({"source": "str", "target": "str"})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "decisions.sqlite"
        store = DecisionStore.open(path)
        for kind, i, j, relation, note, which, value in steps:
            a, b = f"e:{i}", f"e:{j}"
            if kind == "undo":
                active = store.active()["id"].tolist()
                if active:
                    store.undo(None if which < 0 else active[which % len(active)])
            elif kind == "unknown":
                store.record("accept", a, f"gone:{j}", relation=relation)
            elif kind == "no-relation":
                store._ready or store.record("defer", "e:0", "e:1")
                record_raw(path, "accept", a, b, None, note)
            elif a != b:
                store.record(kind, a, b, relation=relation, note=note, score=value,
                             by=note, model=note and "m")
        active = store.active()
        fast = apply_decisions(entities, edges, store.in_effect())
        assert_same_overlay(fast, apply_decisions(entities, edges, active))
        assert isinstance(fast.rejected, PairSet) and isinstance(fast.deferred, PairSet)

        aliases, rejected, deferred, problems = reference_pairs(set(entities["id"]), active)
        assert fast.aliases == aliases
        assert fast.rejected == rejected and fast.deferred == deferred
        assert {int(p.split()[1]) for p in fast.problems} == problems
        if categorical:  # the model knows the loader's frames
            rows, live, curated, parent = sequential_model(entities, edges, active[
                ~active["id"].isin(problems) | (active["kind"] == "merge")])
            assert fast.entities.to_dict("records") == rows
            mask = fast.edges["decision_id"].isna().to_numpy()
            assert sorted(keys(fast.edges[mask])) == live
            assert keys(fast.edges[~mask]) == [c[:4] for c in curated]
        curated = fast.edges.dropna(subset=["decision_id"])
        recorded = active.set_index("id").loc[curated["decision_id"].astype(int), "score"]
        assert np.array_equal(curated["curated_score"].to_numpy(float, na_value=np.nan),
                              recorded.to_numpy(float), equal_nan=True)  # every digit


# -- the load: the same graph, the file checked while it is read --------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "example")
    return tmp_path / "example"


def test_a_load_gives_what_the_overlay_of_active_gives(folder: Path) -> None:
    kg = explorer.load(folder)
    notes = [i for i in kg.ids if not i.startswith("paper:")]
    kg.accept(notes[0], notes[1], "supports", note="why", by="ada")
    kg.merge(notes[2], notes[3])
    kg.reject(notes[4], notes[5])
    kg.defer(notes[0], notes[6])
    kg.reject(notes[1], notes[6])
    kg.undo(kg.reject(notes[2], notes[7]))
    again = explorer.load(folder)
    base = explorer.load(folder, curation=False)
    slow = apply_decisions(base.entities, base.edges, again._store.active())
    assert_same_overlay(again._overlay, slow)
    pd.testing.assert_frame_equal(again.edges, slow.edges)
    generic = np.unique([min(p) * len(again.ids) + max(p) for p in (
        [again.position(x) for x in pair] for pair in slow.rejected)])
    assert again.rejected_pair_keys().tolist() == generic.tolist()
    assert "curation: 1 curated edge, 1 merge, 2 rejected" in repr(again)


def test_a_damaged_page_fails_the_load_as_it_fails_open(tmp_path: Path) -> None:
    path = damage_a_page(filled_store(tmp_path / "decisions.sqlite"))
    with pytest.raises(CurationStoreError) as opened:
        DecisionStore.open(path)
    with pytest.raises(CurationStoreError) as loaded:
        DecisionStore.open_in_effect(path)
    assert str(loaded.value) == str(opened.value)
    assert "damaged" in str(loaded.value) and "curation=False" in str(loaded.value)


def test_open_in_effect_reads_what_open_then_in_effect_read(tmp_path: Path) -> None:
    path = filled_store(tmp_path / "decisions.sqlite", 20)
    DecisionStore.open(path).undo(3)
    store, table = DecisionStore.open_in_effect(path)
    assert table.equals(DecisionStore.open(path).in_effect()) and table.num_rows == 19
    assert store.record("reject", "claim:1", "claim:5").id == 22  # the store is usable


# -- pieces: the lazy pair set, the look-up in two threads --------------------------------


def test_a_pair_set_is_the_set_it_stands_for() -> None:
    ids = pd.Series(["a", "b", "c", "d"], dtype="str")
    pairs = PairSet(ids, np.array([0, 1, 0]), np.array([3, 2, 1]))
    plain = {frozenset({"a", "d"}), frozenset({"b", "c"}), frozenset({"a", "b"})}
    assert pairs == plain and plain == pairs and len(pairs) == 3 and set(pairs) == plain
    assert frozenset({"d", "a"}) in pairs and frozenset({"c", "d"}) not in pairs
    assert pairs - {frozenset({"a", "b"})} == plain - {frozenset({"a", "b"})}
    assert pairs | {frozenset({"c", "d"})} == plain | {frozenset({"c", "d"})}
    assert pairs.keys(4).tolist() == [1, 3, 6] and not PairSet(ids, np.zeros(0, int),
                                                               np.zeros(0, int))


@settings(max_examples=30, deadline=None)
@given(ids=st.lists(st.text(max_size=4), min_size=1, max_size=40, unique=True),
       picks=st.lists(st.integers(0, 60), max_size=30))
def test_entity_rows_in_two_threads_are_the_rows_of_one(ids, picks) -> None:
    names = [ids[p] if p < len(ids) else f"missing-{p}" for p in picks]
    half = len(names) // 2
    a, b = pa.array(names[:half], pa.string()), pa.array(names[half:], pa.string())
    expected = [ids.index(n) if n in ids else -1 for n in names]
    arrow_ids = pd.Series(ids, dtype="str")
    one = frames_module.entity_rows(arrow_ids, a, b)
    objects = frames_module.entity_rows(pd.Series(ids, dtype=object),
                                        np.array(names[:half], dtype=object),
                                        np.array(names[half:], dtype=object))
    original = frames_module.TWO_THREADS_FROM
    frames_module.TWO_THREADS_FROM = 1
    try:
        two = frames_module.entity_rows(arrow_ids, a, b)
    finally:
        frames_module.TWO_THREADS_FROM = original
    assert one.tolist() == two.tolist() == objects.tolist() == expected
