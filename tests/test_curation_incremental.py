"""What the faster paths give is what the full paths give: the log read, reject and defer."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pandas as pd
from curation_steps import apply_step
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from conftest import EXAMPLE
from explorer.curation.overlay import apply_decisions
from explorer.curation.reading import decisions_frame as _frame
from explorer.curation.reading import read_columns as _read_columns
from explorer.curation.store import COLUMNS, SELECT, DecisionStore


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["accept", "reject", "defer", "merge", "undo"]),
                                st.integers(0, 9), st.integers(0, 9)), max_size=10))
def test_reject_and_defer_in_a_session_give_what_a_full_apply_gives(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("inc") / "example"
    shutil.copytree(EXAMPLE, folder)
    kg = explorer.load(folder)
    for kind, x, y in steps:
        apply_step(kg, kind, x, y)
        if kg._overlay is None:
            continue
        full = apply_decisions(*kg._base, kg._open_store(create=False).active())
        assert kg._overlay.rejected == full.rejected
        assert kg._overlay.deferred == full.deferred
        assert kg._overlay.aliases == full.aliases
        pd.testing.assert_frame_equal(kg.edges, full.edges)
        pd.testing.assert_frame_equal(kg.entities, full.entities)


def test_reject_does_not_rebuild_the_graph(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "example")
    kg = explorer.load(tmp_path / "example")
    a, b, c = [i for i in kg.ids if i.startswith("note:")][:3]
    kg.reject(a, b)  # the first decision of the session builds the overlay
    adjacency, edges = kg.adjacency, kg.edges
    kg.reject(a, c)
    kg.defer(b, c)
    assert kg.adjacency is adjacency and kg.edges is edges
    assert frozenset((a, c)) in kg._overlay.rejected and frozenset((b, c)) in kg.deferred_pairs()
    assert frozenset((a, c)) in explorer.load(tmp_path / "example")._overlay.rejected


text = st.one_of(st.none(), st.text(max_size=8))


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["accept", "reject", "merge", "defer"]),
                               st.text(min_size=1, max_size=6), text, text, text, text,
                               st.one_of(st.none(), st.floats(-1, 1, allow_nan=False)),
                               text, text), max_size=12))
def test_the_log_read_by_columns_is_the_log_read_by_rows(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("log") / "c.sqlite"
    store = DecisionStore.open(path)
    for kind, a, b, relation, note, by, score, model, label in rows:
        store._ready or store.record("reject", "x", "y")  # creates the schema
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO decisions (kind, a, b, relation, note, [by], at, score, "
                         "model, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (kind, a, b, relation, note, by, "2026-12-01T00:00:00.000001+00:00",
                          score, model, label))
    if rows:
        store.undo()
    store.close()
    with sqlite3.connect(path) as conn:
        by_rows = conn.execute(SELECT + " ORDER BY d.id").fetchall() if rows else []
        columns = _read_columns(conn) if rows else {}
    expected = _frame(dict(zip(COLUMNS, map(list, zip(*by_rows, strict=True)), strict=True))
                      if by_rows else {})
    pd.testing.assert_frame_equal(_frame(columns), expected)
    if rows:
        scores = [r[COLUMNS.index("score")] for r in by_rows]
        assert np.array_equal(np.array(columns["score"], dtype=float),
                              np.array([np.nan if s is None else s for s in scores], float),
                              equal_nan=True)


def test_load_builds_the_adjacency_once_with_decisions(tmp_path, monkeypatch):
    from explorer.core import adjacency as module

    shutil.copytree(EXAMPLE, tmp_path / "example")
    kg = explorer.load(tmp_path / "example")
    a, b = [i for i in kg.ids if i.startswith("note:")][:2]
    kg.accept(a, b, "supports")
    builds = []
    original = module.Adjacency.from_codes.__func__
    monkeypatch.setattr(module.Adjacency, "from_codes",
                        classmethod(lambda cls, *args: builds.append(1) or original(cls, *args)))
    again = explorer.load(tmp_path / "example")
    assert len(builds) == 1 and again._adjacency is not None
    assert b in set(again.neighborhood(a)["id"])
    builds.clear()
    explorer.load(tmp_path / "example", curation=False)
    assert len(builds) == 1
