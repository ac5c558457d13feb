"""Installed non-editable, every default path still works: nothing points into the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """The project built as a wheel and installed into a folder of its own."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "explorer", source / "explorer",
                    ignore=shutil.ignore_patterns("__pycache__"))
    site = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(site), str(source)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    shutil.rmtree(source)  # the installed copy must not need its source
    env = {k: v for k, v in os.environ.items() if k != "EXPLORER_DATA"}
    env["PYTHONPATH"] = str(site)
    return {"cwd": str(work), "site": str(site), **{"env": env}}  # type: ignore[dict-item]


def run(installed, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          cwd=installed["cwd"], env=installed["env"], timeout=300)


def test_the_installed_copy_is_the_one_imported(installed):
    result = run(installed, "-c", "import explorer; print(explorer.__file__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(installed["site"])


def test_info_without_data_says_what_to_pass(installed):
    result = run(installed, "-m", "explorer", "info")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: no data directory given: pass --data DIR")
    assert "Traceback" not in result.stderr


def test_info_with_data(installed):
    result = run(installed, "-m", "explorer", "info", "--data", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "KnowledgeGraph(16 entities, 18 edges)" in result.stdout


def test_templates_and_scripts_ship_with_the_package(installed):
    page = Path(installed["cwd"]) / "page.html"
    code = (
        f"import explorer; kg = explorer.load({str(EXAMPLE)!r}); c = kg.ids[0];"
        "print(len(kg.card(c, similar=False).to_html()));"
        f"kg.graph(c, include_similar=False).save({str(page)!r})"
    )
    result = run(installed, "-c", code)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 500
    assert "vis.Network" in page.read_text(encoding="utf-8")
    from explorer.widgets.graph_view import GraphView  # noqa: F401 - its JS file must exist
    js = Path(installed["site"]) / "explorer" / "static" / "graph_view.js"
    assert js.is_file()


def test_synthetic_graphs_from_the_installed_package(installed):
    out = Path(installed["cwd"]) / "synth"
    result = run(installed, "-m", "explorer", "synth", "--entities", "300", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "entities.parquet").is_file()
