"""Every notebook runs top to bottom in a real kernel, and is stored clean."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01-explore-claims.ipynb",
        "02-neighborhoods.ipynb",
        "03-similarity-analysis.ipynb",
        "04-curate.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_without_outputs_and_opens_with_markdown(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.lstrip().startswith("# ")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has stored outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.fixture
def kernel_env(monkeypatch):
    """The kernel inherits this: the notebooks' default data, matplotlib's inline backend."""
    pytest.importorskip("nbclient")
    monkeypatch.delenv("EXPLORER_DATA", raising=False)  # default: ../data/scifact
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_without_errors(path, kernel_env):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # One extra cell at the end asks the kernel which interpreter it runs and from where.
    nb.cells.append(
        nbformat.v4.new_code_cell("import os, sys; print(sys.executable); print(os.getcwd())")
    )
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    probe = nb.cells.pop()
    kernel_python, kernel_cwd = probe.outputs[0]["text"].split()
    # The kernel is this venv's interpreter (jupyter_client swaps the kernelspec's bare
    # "python" for sys.executable), so it imports this checkout; cwd is notebooks/.
    assert Path(kernel_python) == Path(sys.executable)
    assert Path(kernel_cwd).resolve() == NOTEBOOKS_DIR.resolve()

    errors = [
        (number, output.get("ename"), output.get("evalue"))
        for number, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert errors == []
    stderr = [
        output.text
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == "stderr"
    ]
    # Progress bars (tqdm) write to stderr; tracebacks and warnings must not.
    for text in stderr:
        assert "Traceback" not in text and "Warning" not in text, text
    # Every code cell ran.
    assert all(
        cell.execution_count is not None for cell in nb.cells if cell.cell_type == "code"
    )
