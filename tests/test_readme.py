"""The README's ten-line example runs as written (on the bundled SciFact graph)."""

from __future__ import annotations

import re

from conftest import ROOT


def test_readme_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    code = code.replace('"data/scifact"', repr(str(ROOT / "data" / "scifact")))
    monkeypatch.chdir(tmp_path)  # the example saves claim.html in the working directory
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    assert (tmp_path / "claim.html").stat().st_size > 100_000
    assert type(namespace["kg"]).__name__ == "KnowledgeGraph"
    assert namespace["claim"].startswith("claim:")
