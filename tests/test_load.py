"""Loading: every format, the per-kind layout, and one test per kind of bad input."""

from __future__ import annotations

import pandas as pd
import pytest

import explorer
from explorer import SchemaError, UnknownEntityError


@pytest.mark.parametrize("ext", ["csv", "tsv", "jsonl", "parquet"])
def test_every_format_loads_the_same_graph(write_dir, ext, tiny_entities, tiny_edges):
    kg = explorer.load(write_dir(ext))
    assert kg.entities["id"].tolist() == tiny_entities["id"].tolist()
    assert kg.edges["relation"].astype(str).tolist() == tiny_edges["relation"].tolist()
    paper = kg.entity("p:1")
    assert paper["year"] == 2023
    assert list(paper["authors"]) == ["Ada One", "Bo Two", "Cy Three", "Di Four", "Ed Five"]
    assert list(kg.entity("c:1")["authors"]) == []
    assert "_file" not in kg.entities and "_row" not in kg.edges


def test_extra_columns_are_kept(tmp_path, tiny_entities, tiny_edges):
    tiny_entities["confidence"] = [str(i) for i in range(len(tiny_entities))]
    tiny_edges["weight"] = 1.5
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    tiny_edges.to_parquet(tmp_path / "edges.parquet")
    kg = explorer.load(tmp_path)
    assert kg.entity("f:2")["confidence"] == "3"
    assert (kg.edges["weight"] == 1.5).all()


def test_per_kind_files_take_the_kind_from_the_file_name(tmp_path, tiny_entities, tiny_edges):
    for kind, rows in tiny_entities.groupby("kind"):
        rows.drop(columns="kind").to_csv(tmp_path / f"{kind}s.csv", index=False)
    tiny_edges.to_json(tmp_path / "edges.jsonl", orient="records", lines=True)
    (tmp_path / "README.md").write_text("not a table")
    kg = explorer.load(tmp_path)
    assert kg.entity("q:1")["kind"] == "question"
    assert kg.entity("m:1")["kind"] == "method"
    assert len(kg) == len(tiny_entities)
    assert any(f.endswith("README.md") for f in kg.report.ignored_files)


def test_repr_counts_kinds_and_relations(tiny_kg):
    text = repr(tiny_kg)
    assert text.startswith("KnowledgeGraph(7 entities, 7 edges)")
    assert "finding 2" in text and "supports 3" in text


# ---------------------------------------------------------------- bad input


def _error(path) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        explorer.load(path)
    return info.value


def test_missing_required_column_names_file_and_column(write_dir):
    folder = write_dir("csv")
    frame = pd.read_csv(folder / "entities.csv").drop(columns="title")
    frame.to_csv(folder / "entities.csv", index=False)
    err = _error(folder)
    assert err.column == "title"
    assert "entities.csv" in str(err) and "missing required column 'title'" in str(err)


def test_empty_id_names_the_row(write_dir):
    folder = write_dir("csv")
    frame = pd.read_csv(folder / "entities.csv")
    frame.loc[3, "id"] = ""
    frame.to_csv(folder / "entities.csv", index=False)
    err = _error(folder)
    # Data row 3 (0-based) is line 5 of the file: header on line 1.
    assert (err.file.endswith("entities.csv"), err.row, err.column) == (True, 5, "id")
    assert "empty id" in str(err)


def test_duplicate_id_names_both_rows(write_dir):
    folder = write_dir("jsonl")
    lines = (folder / "entities.jsonl").read_text().splitlines()
    lines.append(lines[1])  # second entity again, on line 8
    (folder / "entities.jsonl").write_text("\n".join(lines) + "\n")
    err = _error(folder)
    assert err.row == 8 and err.column == "id"
    assert "duplicate id 'c:2'" in str(err) and "row 2" in str(err)


def test_unknown_format_lists_the_supported_ones(tmp_path):
    path = tmp_path / "entities.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(SchemaError, match=r"unknown table format '\.xlsx'.*\.parquet"):
        explorer.load(path)


def test_bad_json_line_names_the_line(write_dir):
    folder = write_dir("jsonl")
    lines = (folder / "edges.jsonl").read_text().splitlines()
    lines[2] = lines[2][:-5]  # cut the closing brace off line 3
    (folder / "edges.jsonl").write_text("\n".join(lines) + "\n")
    err = _error(folder)
    assert err.file.endswith("edges.jsonl") and err.row == 3
    assert "not valid JSON" in str(err)


def test_wrong_delimiter_is_recognised(write_dir):
    folder = write_dir("tsv")
    (folder / "entities.tsv").rename(folder / "entities.csv")
    err = _error(folder)
    assert "separated by tabs" in str(err) and ".tsv" in str(err)


def test_bad_encoding_names_the_line(write_dir):
    folder = write_dir("csv")
    text = (folder / "entities.csv").read_text().replace("Logit weight", "Logit wéight")
    (folder / "entities.csv").write_bytes(text.encode("latin-1"))
    err = _error(folder)
    assert "UTF-8" in str(err) and err.row == 6


def test_corrupt_parquet_is_reported(write_dir):
    folder = write_dir("parquet")
    data = (folder / "edges.parquet").read_bytes()
    (folder / "edges.parquet").write_bytes(data[: len(data) // 2])
    err = _error(folder)
    assert err.file.endswith("edges.parquet") and "Parquet" in str(err)


def test_edge_to_unknown_entity_names_row_and_suggests(write_dir):
    folder = write_dir("csv")
    frame = pd.read_csv(folder / "edges.csv")
    frame.loc[4, "target"] = "p:2"
    frame.to_csv(folder / "edges.csv", index=False)
    err = _error(folder)
    assert (err.row, err.column) == (6, "target")
    assert "'p:2' is not an entity id" in str(err) and "'p:1'" in str(err)


def test_malformed_csv_row_is_reported(write_dir):
    folder = write_dir("csv")
    with open(folder / "edges.csv", "a") as handle:
        handle.write('f:1,c:1,supports,"a note",extra,fields\n')
    err = _error(folder)
    assert err.row == 9 and "not well-formed CSV" in str(err)


def test_two_formats_of_one_table_are_ambiguous(write_dir, tiny_entities):
    folder = write_dir("csv")
    tiny_entities.to_parquet(folder / "entities.parquet")
    with pytest.raises(SchemaError, match="two tables named 'entities'"):
        explorer.load(folder)


def test_report_mode_sets_aside_every_bad_row_and_keeps_the_rest(write_dir):
    folder = write_dir("csv")
    entities = pd.read_csv(folder / "entities.csv")
    entities["year"] = entities["year"].astype(object)
    entities.loc[1, "year"] = "abc"  # c:2 has a bad year
    entities.loc[len(entities)] = ["f:1", "finding", "again", "", "", None, ""]  # duplicate
    entities.to_csv(folder / "entities.csv", index=False)
    edges = pd.read_csv(folder / "edges.csv")
    edges.loc[0, "relation"] = ""
    edges.to_csv(folder / "edges.csv", index=False)

    with pytest.raises(SchemaError):
        explorer.load(folder)
    kg = explorer.load(folder, on_error="report")
    report = kg.report.to_frame()
    names = [name.rsplit("/", 1)[-1] for name in report["file"]]
    assert sorted(zip(names, report["row"], strict=True)) == [
        ("edges.csv", 2),
        ("edges.csv", 8),
        ("entities.csv", 3),
        ("entities.csv", 9),
    ]
    assert "was set aside" in report.loc[report["row"] == 8, "reason"].item()
    assert len(kg) == 6 and len(kg.edges) == 5
    assert len(kg) + len(kg.edges) + len(report) == 8 + 7


def test_on_error_rejects_unknown_choice(write_dir):
    with pytest.raises(ValueError, match="'raise', 'report'"):
        explorer.load(write_dir("csv"), on_error="ignore")


def test_unknown_entity_suggests_the_closest_ids(tiny_kg):
    with pytest.raises(UnknownEntityError) as info:
        tiny_kg.entity("f:3")
    assert isinstance(info.value, KeyError)
    assert "f:1" in str(info.value) or "f:2" in str(info.value)


def test_missing_directory_says_what_to_pass(tmp_path):
    with pytest.raises(SchemaError, match="no such file"):
        explorer.load(tmp_path / "nope")
