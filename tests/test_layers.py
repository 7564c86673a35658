"""The dependency rule, checked on the source (docs/design.md):

* ``thumbnail_bandit`` (the front door) may import anything; none of the three imports it;
* ``thumbnails`` and ``bandit`` stand side by side: neither imports the other;
* only ``bandit`` uses ``storage``, and ``storage`` imports nothing of the project;
* no module outside storage touches its ORM models or builds SQL;
* the drawn import graph of the project's modules has no cycle;
* no module grows past ~400 lines.

Every import counts, including those inside functions: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("thumbnail_bandit", "thumbnails", "bandit", "storage")
OUTSIDE_STORAGE = ["thumbnail_bandit", "bandit", "thumbnails", "examples", "benchmarks"]
#: What each package may import of the project, besides itself.
ALLOWED = {
    "thumbnail_bandit": {"thumbnails", "bandit", "storage"},
    "thumbnails": set(),
    "bandit": {"storage"},
    "storage": set(),
}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports: ``from a import b`` is ``a.b`` where that is a module
    (a package's __init__ is not run for it twice), else ``a``."""
    names = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                names.add(sub if _is_module(sub) else base)
    return names


def _modules(*folders: str) -> list[Path]:
    return sorted(
        p
        for folder in folders
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts
    )


@cache
def _graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports."""
    paths = {_module_name(p): p for p in _modules(*PACKAGES)}
    return {name: {i for i in _imports(path) if i in paths} for name, path in paths.items()}


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", _modules(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_package_imports_only_what_the_rule_allows(path: Path) -> None:
    own = _top(_module_name(path))
    project = {_top(i) for i in _imports(path)} & set(PACKAGES)
    assert project - {own} <= ALLOWED[own], f"{own} may not import {project - {own} - ALLOWED[own]}"


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            raise AssertionError(
                "import cycle: " + " -> ".join([*trail[trail.index(node) :], node])
            )
        if node in done:
            return
        for target in sorted(graph[node]):
            # A package's __init__ importing its own submodules is how it re-exports them;
            # only a submodule importing its package back closes a loop.
            visit(target, [*trail, node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


def test_thumbnails_and_bandit_stand_side_by_side() -> None:
    arrows = {(_top(a), _top(b)) for a, targets in _graph().items() for b in targets}
    assert ("thumbnails", "bandit") not in arrows and ("bandit", "thumbnails") not in arrows
    assert ("thumbnails", "storage") not in arrows
    assert not any(b == "thumbnail_bandit" and a != b for a, b in arrows)


@pytest.mark.parametrize("path", _modules(*OUTSIDE_STORAGE), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_outside_storage_uses_its_models_or_sql(path: Path) -> None:
    imports = _imports(path)
    assert not any(name.startswith("storage.models") for name in imports)
    assert (
        "sqlalchemy" not in {name.split(".")[0] for name in imports}
        or path.parts[-2] == "benchmarks"
    )  # benchmarks time the raw driver and scratch schemas on purpose


@pytest.mark.parametrize("path", _modules(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_a_god_module(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{lines} lines: split it by its reasons to change"
