"""The candidates' entity columns: categoricals of codes that read, sort and count as text."""

from __future__ import annotations

import pandas as pd

import explorer
from conftest import ROOT

SCIFACT = ROOT / "data" / "scifact"


def test_entity_columns_hold_each_pairs_entities_and_only_those() -> None:
    kg = explorer.load(SCIFACT)
    frame = kg.candidates(per_entity=None)
    assert len(frame) > 1000
    for end in ("a", "b"):
        rows = kg.ids.get_indexer(frame[f"id_{end}"].astype(str))
        assert (rows >= 0).all()
        entities = kg.entities.iloc[rows]
        for column in ("id", "kind", "title"):
            values = frame[f"{column}_{end}"]
            assert isinstance(values.dtype, pd.CategoricalDtype)
            assert values.astype(object).tolist() == entities[column].astype(object).tolist()
            # only what the list uses are categories: counts list no absent entity
            assert set(values.cat.categories) == set(values.astype(str))
            assert values.value_counts().min() > 0


def test_entity_columns_sort_as_their_text() -> None:
    frame = explorer.load(SCIFACT).candidates()
    for column in ("id_a", "title_b"):
        by_codes = frame.sort_values(column, kind="stable")[column].astype(str).tolist()
        assert by_codes == sorted(frame[column].astype(str).tolist())


def test_reason_is_a_categorical_of_the_reasons_and_counts_agree() -> None:
    from explorer.analysis.candidates import summary

    frame = explorer.load(SCIFACT).candidates(per_entity=None)
    reason = frame["reason"]
    assert isinstance(reason.dtype, pd.CategoricalDtype)
    assert set(reason.cat.categories) == set(reason.astype(str))  # only used reasons
    assert reason.str.startswith("numbers differ:").any()  # reads as text
    plain = pd.DataFrame({c: frame[c].to_numpy() for c in ("kind_a", "kind_b", "label")})
    as_text = plain.astype(object)
    # counted on the categoricals' codes, or on their values: the same summary
    pd.testing.assert_frame_equal(summary(frame), summary(as_text))
    assert summary(frame)["pairs"].sum() == len(frame)
    counts = frame.attrs["summary"]  # plain values: the list still joins and converts
    assert sum(n for kinds in counts.values() for n in kinds.values()) == len(frame)
    both = pd.concat([frame, frame], ignore_index=True)
    assert len(both) == 2 * len(frame)
    assert frame.astype(str)["label"].tolist() == frame["label"].astype(str).tolist()
