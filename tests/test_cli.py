"""The command line: every command has help; errors are one clean line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import EXAMPLE, ROOT
from explorer.cli import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=ROOT,
        timeout=300,
    )


def test_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_text(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: python -m explorer {command}" in out
    parser = build_parser()._subparsers._group_actions[0].choices[command]  # noqa: SLF001
    assert parser.description
    for action in parser._actions:  # noqa: SLF001
        if action.dest != "help":
            assert action.help, f"{command} {action.dest} has no help"


def test_card_prints_the_example_page(capsys):
    claim = "claim:learned-features-reflect-the-functionality"
    assert main(["card", claim, "--data", str(EXAMPLE)]) == 0  # found by search
    out = capsys.readouterr().out
    assert "Findings (3)" in out and "Related by similarity (8)" in out
    assert "extracted_from (2024) · Marc Carauleanu" in out


def test_info_prints_counts(capsys):
    assert main(["info", "--data", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "KnowledgeGraph(16 entities, 18 edges)" in out and "No rows set aside." in out


def test_info_reports_rows_set_aside(tmp_path, capsys):
    (tmp_path / "entities.csv").write_text("id,kind,title\na,claim,A\na,claim,again\n")
    (tmp_path / "edges.csv").write_text("source,target,relation\na,b,supports\n")
    assert main(["info", "--data", str(tmp_path), "--on-error", "report"]) == 0
    out = capsys.readouterr().out
    assert "2 row(s) set aside" in out
    assert "entities.csv, row 3, column 'id': duplicate id 'a'" in out
    assert "edges.csv, row 2, column 'target': target 'b' is not an entity id." in out


def test_errors_are_one_line_without_traceback(tmp_path):
    (tmp_path / "entities.csv").write_text("id,kind\na,claim\n")
    result = run("info", "--data", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert "missing required column 'title'" in result.stderr
    result = run("card", "zz:nothing-like-it", "--data", str(EXAMPLE))
    assert result.returncode == 2 and "No entity with id" in result.stderr


def test_candidates_writes_csv(tmp_path, capsys):
    out = tmp_path / "candidates.csv"
    assert main(["candidates", "--data", str(EXAMPLE), "--min-cosine", "0.65",
                 "--out", str(out)]) == 0
    import pandas as pd

    found = pd.read_csv(out)
    assert list(found.columns)[:3] == ["id_a", "kind_a", "title_a"]
    assert (found["cosine"] >= 0.65).all() and len(found) >= 8


def test_recall_prints_the_estimate_of_the_search(capsys):
    assert main(["recall", "--data", str(EXAMPLE), "--method", "clustered",
                 "--sample", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Recall 1.000") and "clustered search at cosine >= 0.65" in out
    assert "touch 5 random entities" in out


def test_recall_lists_the_missed_pairs_with_short_titles(capsys):
    # SciFact on the clustered engine misses a few pairs of 1,000 sampled entities.
    assert main(["recall", "--data", str(ROOT / "data" / "scifact"), "--method", "clustered",
                 "--sample", "1000"]) == 0
    out = capsys.readouterr().out
    head, table = out.split("The best missed pairs:\n")
    assert "did not find" in head
    rows = table.strip().splitlines()
    assert rows[0].split() == ["id_a", "title_a", "id_b", "title_b", "cosine"]
    assert 2 <= len(rows) <= 11 and all(len(row) < 180 for row in rows)
    assert any("…" in row for row in rows[1:])


def test_a_reader_that_goes_away_is_not_an_error():
    # `python -m explorer ... | head`: the pipe closes before we write.
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "find", "cancer", "--data", str(EXAMPLE)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_bad_threshold_is_refused(capsys):
    assert main(["candidates", "--data", str(EXAMPLE), "--min-cosine", "1.5"]) == 2
    assert "[-1, 1]" in capsys.readouterr().err


# One bad value for each option of each command: one "Error:" line, a non-zero exit, and
# never a traceback. A missing data folder, a bad threshold, a bad choice, a bad number.
BAD_OPTIONS = {
    "info": [["--data", "/no/such/folder"], ["--on-error", "skip"]],
    "card": [["zz:nothing", "--data", str(EXAMPLE)], ["x", "--data", str(EXAMPLE),
             "--min-cosine", "2"], ["x", "--data", str(EXAMPLE), "--min-cosine", "high"],
             ["logit weight analysis", "--data", str(EXAMPLE), "--embedder", "bert"],
             ["x", "--data", str(EXAMPLE), "--on-error", "maybe"]],
    "find": [["x", "--data", str(EXAMPLE), "--limit", "0"], ["x", "--data", str(EXAMPLE),
             "--limit", "ten"], ["x", "--data", "/no/such/folder"]],
    "neighborhood": [["zz:nothing", "--data", str(EXAMPLE)], ["x", "--data", "/nowhere"]],
    "candidates": [["--data", str(EXAMPLE), "--min-cosine", "1.5"],
                   ["--data", str(EXAMPLE), "--embedder", "bert"],
                   ["--data", str(EXAMPLE), "--engine", "dask"],
                   ["--data", str(EXAMPLE), "--per-entity", "-3"],
                   ["--data", str(EXAMPLE), "--engine", "spark"],
                   ["--data", str(EXAMPLE), "--out", str(EXAMPLE / "entities.csv")]],
    "recall": [["--data", str(EXAMPLE), "--sample", "0"],
               ["--data", str(EXAMPLE), "--method", "lsh"],
               ["--data", str(EXAMPLE), "--min-cosine", "-2"], ["--data", "/nowhere"]],
    "decisions": [["--data", str(EXAMPLE), "--undo", "0"], ["--data", str(EXAMPLE),
                  "--undo", "999999"], ["--data", "/nowhere"]],
    "export": [["--data", str(EXAMPLE)], ["--data", str(EXAMPLE), "--out", str(EXAMPLE)]],
    "import": [["scifact", "/no/such/folder", "/tmp/never-written"], ["nosuchset", "a", "b"]],
    "synth": [["--entities", "0", "--out", "/tmp/x"], ["--entities", "many", "--out", "/tmp/x"],
              ["--out", "/tmp/x"]],
}


def test_every_command_has_bad_option_cases():
    assert set(BAD_OPTIONS) == set(COMMANDS)


@pytest.mark.parametrize(
    "argv", [[c, *a] for c, cases in BAD_OPTIONS.items() for a in cases],
    ids=lambda argv: " ".join(argv)[:60],
)
def test_a_bad_option_gives_one_error_line(argv, capsys):
    # In-process: an exception escaping main() would fail this test as a traceback would.
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status not in (0, None), err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("Error: "), err
    assert len([line for line in lines if line.startswith("Error: ")]) == 1, err


def test_without_data_the_message_says_what_to_pass(monkeypatch):
    env = {k: v for k, v in __import__("os").environ.items() if k != "EXPLORER_DATA"}
    result = subprocess.run([sys.executable, "-m", "explorer", "info"], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 2
    assert "no data directory given: pass --data DIR" in result.stderr
