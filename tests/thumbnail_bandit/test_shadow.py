"""PyCQA's security linter is also called ``bandit``. Where it hides ours, every command says
so in one line, exit status 1, before anything of the foreign package runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from thumbnail_bandit.shadow import foreign_bandit

BIN = Path(sys.executable).parent
#: `make install` puts PyCQA's package here (`pip install --target`, no dependencies), so
#: that this test meets the real linter, not a stand-in.
PYCQA = Path(sys.prefix) / "pycqa-bandit"


def _run(command: list[str], shadow: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(shadow)}  # ahead of site-packages: it hides ours
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def _a_stand_in(folder: Path) -> Path:
    """A package shaped like PyCQA's: ``bandit.cli`` is a package, not our entry point."""
    (folder / "bandit" / "cli").mkdir(parents=True)
    (folder / "bandit" / "__init__.py").write_text("raise SystemExit('foreign code ran')\n")
    (folder / "bandit" / "cli" / "__init__.py").write_text("")
    return folder


@pytest.mark.parametrize("which", ["PyCQA's", "a stand-in"])
@pytest.mark.parametrize(
    "command", [["thumbnail-bandit", "--version"], ["thumbnails", "extract", "--help"]]
)
def test_a_foreign_bandit_is_one_clear_line(which: str, command: list[str], tmp_path: Path) -> None:
    if which == "PyCQA's":
        assert (PYCQA / "bandit" / "cli").is_dir(), f"{PYCQA}: run `make install` to put it there"
        shadow = PYCQA
    else:
        shadow = _a_stand_in(tmp_path / "shadow")
    result = _run([str(BIN / command[0]), *command[1:]], shadow, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: another package named 'bandit'") and str(shadow) in line
    assert "pip uninstall bandit" in line and "foreign code ran" not in line


def test_our_own_bandit_is_found() -> None:
    assert foreign_bandit() is None
