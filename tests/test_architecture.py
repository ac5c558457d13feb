"""The house: imports point one way (no cycle, even inside functions or TYPE_CHECKING),
the layers keep their order, and no module holds more than one concept's worth of lines."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "explorer"
MAX_LINES = 420  # "about 400"

# Lower layers never import higher ones. The first match of a module's name wins.
LAYERS = [
    ("base", ("explorer.errors", "explorer.words", "explorer.suggest", "explorer.progress",
              "explorer.choices", "explorer.atomic", "explorer.sorted_keys",
              "explorer.arrow_pool")),
    ("load", ("explorer.load.", "explorer.curation.")),
    ("core", ("explorer.core.",)),
    ("analysis", ("explorer.analysis.",)),
    ("views", ("explorer.views.",)),
    ("facade", ("explorer.curated", "explorer.similarity_methods", "explorer.knowledge_graph",
                "explorer.importers.", "explorer.testing.", "explorer.scale.")),
    ("top", ("explorer.widgets.", "explorer.cli_commands", "explorer.cli", "explorer.__main__",
             "explorer")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every explorer module ``name`` imports, anywhere in the file (functions included)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                root = ".".join(base + ([node.module] if node.module else []))
            else:
                root = node.module or ""
            targets = [f"{root}.{a.name}" if f"{root}.{a.name}" in known else root
                       for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                targets = [str(node.args[0].value)]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@cache
def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def layer_of(name: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix.rstrip(".") or (prefix.endswith(".") and name.startswith(prefix)):
                return rank
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if not state.get(nxt):
                cycle = visit(nxt, stack)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if not state.get(node):
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_walker_sees_imports_inside_functions_and_type_checking(tmp_path):
    source = tmp_path / "explorer" / "views" / "thing.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..core.graph import GraphCore\n"
        "def f():\n    from ..knowledge_graph import KnowledgeGraph\n"
    )
    known = {"explorer.core.graph", "explorer.knowledge_graph", "explorer.views.thing"}
    assert imports_of("explorer.views.thing", source, known) == {
        "explorer.core.graph", "explorer.knowledge_graph",
    }


def test_no_import_cycle_in_the_package():
    cycle = find_cycle({k: v for k, v in import_graph().items() if k != "explorer"})
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_down_the_layers(name):
    if name == "explorer":
        return  # the package's __init__ re-exports the public API from every layer
    graph = import_graph()
    upward = [t for t in graph[name] if layer_of(t) > layer_of(name) and t != "explorer"]
    assert not upward, f"{name} ({LAYERS[layer_of(name)][0]}) imports higher layers: {upward}"


def test_the_core_knows_no_page_screen_or_embedding():
    graph = import_graph()
    for name in (n for n in graph if n.startswith(("explorer.core.", "explorer.load."))):
        for target in graph[name]:
            assert not target.startswith(
                ("explorer.analysis", "explorer.views", "explorer.widgets")
            ), f"{name} imports {target}"
        text = modules()[name].read_text(encoding="utf-8")
        for word in ("pyvis", "ipywidgets", "faiss", "sklearn.neighbors", "wordllama"):
            assert f"import {word}" not in text and f"from {word}" not in text, (name, word)


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_over_about_400_lines(name):
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"
