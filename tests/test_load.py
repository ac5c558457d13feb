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


# ------------------------------------------------------- row-level defects, every format


def _write(frame: pd.DataFrame, path) -> None:
    ext = path.suffix
    if ext == ".csv":
        frame.to_csv(path, index=False)
    elif ext == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif ext == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path, index=False)


def _report(kg) -> list[tuple[str, int, str | None, str]]:
    """The report as (file name, row, column, reason) tuples."""
    return [(p.file.rsplit("/", 1)[-1], p.row, p.column, p.reason) for p in kg.report.problems]


@pytest.mark.parametrize(
    "bad_line, reason",
    [
        ('{"source": "f:1", "target": "c:1", "relation":', "not valid JSON"),
        ('["f:1", "c:1", "supports"]', "holds a JSON array"),
        ('"f:1 supports c:1"', "holds a JSON string"),
        ("null", "holds a JSON null"),
    ],
)
def test_bad_json_line_is_set_aside_in_report_mode_and_raises_otherwise(
    write_dir, bad_line, reason
):
    folder = write_dir("jsonl")
    lines = (folder / "edges.jsonl").read_text().splitlines()
    lines.insert(3, bad_line)  # line 4; the 7 sound edges keep their lines around it
    (folder / "edges.jsonl").write_text("\n".join(lines) + "\n")

    err = _error(folder)
    assert (err.file, err.row) == ("edges.jsonl", 4) and reason in str(err)
    kg = explorer.load(folder, on_error="report")
    [(file, row, column, why)] = _report(kg)
    assert (file, row, column) == ("edges.jsonl", 4, None) and reason in why
    assert "one JSON object" in why
    assert len(kg.edges) == 7  # every sound line kept, the bad one listed


def test_bad_json_position_is_the_character_of_the_line(write_dir):
    folder = write_dir("jsonl")
    with open(folder / "entities.jsonl", "a") as handle:
        handle.write('{"id": "x:1", "kind": "claim" "title": "no comma"}\n')
    err = _error(folder)
    assert err.row == 8 and "Expecting ',' delimiter at character 31" in str(err)


def test_json_lines_file_whose_every_line_is_bad_is_set_aside_whole(tmp_path, tiny_entities):
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    (tmp_path / "notes.jsonl").write_text("oops\n")  # a per-kind file, kind 'note'
    (tmp_path / "edges.jsonl").write_text("[1]\n\nnot json\n")
    kg = explorer.load(tmp_path, on_error="report")
    assert [(f, r) for f, r, _, _ in _report(kg)] == [
        ("notes.jsonl", 1), ("edges.jsonl", 1), ("edges.jsonl", 3)
    ]
    assert len(kg.edges) == 0 and len(kg) == len(tiny_entities)


def test_empty_json_lines_file_is_an_empty_table(tmp_path, tiny_entities):
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    (tmp_path / "edges.jsonl").write_text("")
    kg = explorer.load(tmp_path)
    assert len(kg.edges) == 0 and kg.report.n_set_aside == 0


@pytest.mark.parametrize("sep, ext", [(",", "csv"), ("\t", "tsv")])
def test_line_with_too_many_fields_is_set_aside_in_report_mode(write_dir, sep, ext):
    folder = write_dir(ext)
    with open(folder / f"edges.{ext}", "a") as handle:
        handle.write(sep.join(["f:1", "c:1", "supports", "a note", "extra"]) + "\n")  # line 9
        handle.write(sep.join(["f:2", "c:2", "supports", "after it"]) + "\n")  # line 10
    err = _error(folder)
    assert (err.file, err.row) == (f"edges.{ext}", 9) and "5 fields, the header 4" in str(err)
    kg = explorer.load(folder, on_error="report")
    [(file, row, column, why)] = _report(kg)
    assert (file, row, column) == (f"edges.{ext}", 9, None)
    assert f"not well-formed {ext.upper()}" in why
    assert len(kg.edges) == 8 and kg.edges["note"].iloc[-1] == "after it"


@pytest.mark.parametrize("ext", ["csv", "tsv", "jsonl", "parquet"])
@pytest.mark.parametrize(
    "table, column, value, found",
    [
        ("entities", "id", "", "empty string"),
        ("entities", "id", "   ", "only whitespace"),
        ("entities", "kind", " \t", "only whitespace"),
        ("entities", "kind", None, "missing"),
        ("edges", "source", "", "empty string"),
        ("edges", "target", "  ", "only whitespace"),
        ("edges", "relation", " ", "only whitespace"),
        ("edges", "relation", None, "missing"),
    ],
)
def test_empty_required_value_is_a_row_defect(
    tmp_path, tiny_entities, tiny_edges, ext, table, column, value, found
):
    frames = {"entities": tiny_entities, "edges": tiny_edges}
    frames[table] = frames[table].astype(object)
    frames[table].loc[2, column] = value  # third data row: CSV line 4, JSON line 3, row 3
    for name, frame in frames.items():
        _write(frame, tmp_path / f"{name}.{ext}")
    row = 4 if ext in ("csv", "tsv") else 3
    if ext in ("csv", "tsv") and value is None:
        found = "empty string"  # CSV has no null: pandas writes None as an empty field

    err = _error(tmp_path)
    assert (err.file, err.row, err.column) == (f"{table}.{ext}", row, column)
    assert f"empty {column} ({found}" in str(err)
    kg = explorer.load(tmp_path, on_error="report")
    problems = _report(kg)
    assert problems[0][:3] == (f"{table}.{ext}", row, column)
    assert len(kg) + len(kg.edges) + len(problems) == 14  # nothing dropped without a line


def test_an_empty_title_is_a_row_defect(tmp_path, tiny_entities, tiny_edges):
    tiny_entities.loc[2, "title"] = " "
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    tiny_edges.to_csv(tmp_path / "edges.csv", index=False)
    with pytest.raises(explorer.SchemaError) as info:
        explorer.load(tmp_path)
    assert "entities.csv, row 4, column 'title'" in str(info.value)
    kg = explorer.load(tmp_path, on_error="report")
    assert "f:1" not in kg
    assert [(p.row, p.column) for p in kg.report.problems][0] == (4, "title")


def test_authors_list_literal_that_does_not_parse_is_a_row_defect(tmp_path, tiny_entities):
    tiny_entities["authors"] = tiny_entities["authors"].astype(object)
    tiny_entities.loc[5, "authors"] = "['Ada One', Bo Two]"  # p:1, line 7
    tiny_entities.loc[0, "authors"] = "[anonymous]"  # no quote after '[': one name
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    err = _error(tmp_path)
    assert (err.row, err.column) == (7, "authors") and "neither a JSON array" in str(err)
    kg = explorer.load(tmp_path, on_error="report")
    assert [(r, c) for _, r, c, _ in _report(kg)] == [(7, "authors")]
    assert kg.entity("c:1")["authors"] == ["[anonymous]"]


def test_authors_written_by_pandas_to_csv_read_back_as_lists(tmp_path, tiny_entities):
    tiny_entities["authors"] = [["O'Brien, P.", "Doe; J."], [], [], [], [], ["A"], ["B"]]
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    kg = explorer.load(tmp_path)
    assert kg.entity("c:1")["authors"] == ["O'Brien, P.", "Doe; J."]
    assert kg.entity("c:2")["authors"] == []


# ---------------------------------------------------------- files in formats not read


@pytest.mark.parametrize(
    "name, what",
    [
        ("entities.xlsx", "Excel workbook"),
        ("entities.xls", "Excel workbook"),
        ("entities.ods", "OpenDocument spreadsheet"),
        ("entities.json", "JSON document, not JSON Lines"),
        ("entities.feather", "Feather file"),
        ("entities.csv.gz", "compressed file"),
    ],
)
def test_only_entities_table_in_a_format_not_read_is_named(tmp_path, tiny_edges, name, what):
    (tmp_path / name).write_bytes(b"PK\x03\x04")
    tiny_edges.to_csv(tmp_path / "edges.csv", index=False)
    err = _error(tmp_path)
    assert err.file.endswith(name)
    assert f"the entities table is {name} (a" in str(err) and what in str(err)
    assert "a format that is not read" in str(err)
    assert "CSV (.csv), TSV (.tsv, .tab), JSON Lines (.jsonl, .ndjson)" in str(err)
    with pytest.raises(SchemaError, match="not read"):
        explorer.load(tmp_path, on_error="report")  # a whole-file problem: both modes


def test_edges_in_a_format_not_read_are_not_skipped(tmp_path, tiny_entities):
    tiny_entities.to_csv(tmp_path / "entities.csv", index=False)
    (tmp_path / "edges.xlsx").write_bytes(b"PK\x03\x04")
    err = _error(tmp_path)
    assert err.file.endswith("edges.xlsx") and "edges table" in str(err)
    assert "as edges.csv" in str(err)


def test_no_readable_entities_names_the_files_seen(tmp_path):
    (tmp_path / "claims.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "findings.ods").write_bytes(b"PK\x03\x04")
    (tmp_path / "README.md").write_text("notes")
    err = _error(tmp_path)
    assert "no entities table in a format that is read" in str(err)
    assert "claims.xlsx (an Excel workbook)" in str(err) and "findings.ods" in str(err)
    (tmp_path / "claims.xlsx").unlink()
    (tmp_path / "findings.ods").unlink()
    assert "files not read: README.md" in str(_error(tmp_path))


def test_spreadsheet_beside_readable_tables_is_listed_in_the_report(write_dir):
    folder = write_dir("csv")
    (folder / "notes.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "entities.xlsx").write_bytes(b"PK\x03\x04")  # the original of entities.csv
    kg = explorer.load(folder)
    names = sorted(f.rsplit("/", 1)[-1] for f in kg.report.unread_files)
    assert names == ["notes.xlsx"]
    assert "Files not read" in str(kg.report) and "notes.xlsx" in str(kg.report)
