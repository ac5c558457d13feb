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


def test_bad_threshold_is_refused(capsys):
    assert main(["candidates", "--data", str(EXAMPLE), "--min-cosine", "1.5"]) == 2
    assert "[-1, 1]" in capsys.readouterr().err
