"""The public surface: a curated __all__, and pyproject.toml agreeing with environment.yml."""

from __future__ import annotations

import re

import tomllib

import explorer
from conftest import ROOT


def test_all_is_curated_and_importable():
    for name in explorer.__all__:
        assert hasattr(explorer, name), name
    public = {n for n in dir(explorer) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(explorer, n)).__name__ == "module"}
    assert public - modules - set(explorer.__all__) == set()
    assert explorer.__doc__ and len(explorer.__doc__.splitlines()) == 1


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r.strip() for r in project["dependencies"]}
    text = (ROOT / "environment.yml").read_text()
    lines = text.split("dependencies:", 1)[1].splitlines()
    listed = {}
    for line in lines:
        item = line.strip()
        if item.startswith("- ") and not item.endswith(":"):
            requirement = item[2:].strip()
            if requirement in {"pip", "-e ."} or requirement.startswith(("python", "-e")):
                continue
            listed[_name(requirement)] = requirement
    assert listed == wanted
