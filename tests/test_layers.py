"""The dependency rule, checked on the source: storage imports nothing of the project, no
module outside storage touches its ORM models or builds SQL, and thumbnails reaches storage
only from its command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
OUTSIDE_STORAGE = ["bandit", "thumbnails", "examples", "benchmarks"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(*OUTSIDE_STORAGE), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_outside_storage_uses_its_models_or_sql(path: Path) -> None:
    imports = _imports(path)
    assert not any(name.startswith("storage.models") for name in imports)
    assert (
        "sqlalchemy" not in {name.split(".")[0] for name in imports}
        or path.parts[-2] == "benchmarks"
    )  # benchmarks time the raw driver and scratch schemas on purpose


@pytest.mark.parametrize("path", _modules("storage"), ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_imports_nothing_of_the_project(path: Path) -> None:
    assert not any(n.split(".")[0] in ("bandit", "thumbnails") for n in _imports(path))


@pytest.mark.parametrize("path", _modules("thumbnails"), ids=lambda p: str(p.relative_to(ROOT)))
def test_thumbnails_reaches_storage_only_from_its_command_line(path: Path) -> None:
    if path.name != "cli.py":
        assert not any(n.split(".")[0] in ("storage", "bandit") for n in _imports(path))
