"""The README and the docs pages cannot rot: the README's tour runs as written, every command
line in a shell block is one the command accepts (policy settings included), every Python
block compiles and imports what exists, and every relative link leads to a file.

The service walkthrough (docs/service.md) runs as written in tests/examples/test_examples.py.
"""

from __future__ import annotations

import ast
import importlib
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from thumbnail_bandit.cli.main import build_parser
from thumbnail_bandit.cli.settings import read_settings

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMANDS = ("thumbnail-bandit", "thumbnails")


def _blocks(page: Path, language: str) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def _command_lines(block: str) -> list[list[str]]:
    """Each invocation of the project's commands in a shell block, as argv (heredocs,
    redirections, pipes and trailing comments left out)."""
    block = re.sub(r"<<'(\w+)'\n.*?^\1$", "", block, flags=re.DOTALL | re.MULTILINE)
    found = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        for i, word in enumerate(words):
            after = i == 0 or words[i - 1] in ("&&", "||", ";") or words[i - 1].endswith(";")
            if Path(word).name in COMMANDS and after:
                argv = []
                for arg in words[i + 1 :]:
                    if arg in ("&", "&&", "|", ";", ">", ">>", "2>") or arg.startswith(">"):
                        break
                    argv.append(arg)
                found.append([Path(word).name, *argv])
    return found


SHELL_LINES = [
    pytest.param(argv, id=f"{page.name}: {' '.join(argv)[:70]}")
    for page in PAGES
    for block in _blocks(page, "sh")
    for argv in _command_lines(block)
]


def test_the_docs_show_commands_at_all() -> None:
    assert len(SHELL_LINES) >= 15


@pytest.mark.parametrize("argv", SHELL_LINES)
def test_every_command_line_in_the_docs_is_accepted(argv: list[str]) -> None:
    program, args = argv[0], argv[1:]
    if program == "thumbnails":
        assert args[:1] == ["extract"], "the thumbnails command has only extract"
    try:
        parsed = build_parser().parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"{' '.join(argv)}: refused by the parser (exit {exc.code})")
    if parsed.command == "learn":  # settings are checked against the policy, as learn does
        read_settings(parsed.policy, parsed.set, parsed.settings)


PYTHON_BLOCKS = [
    pytest.param(block, id=f"{page.name}#{i}")
    for page in PAGES
    for i, block in enumerate(_blocks(page, "python"))
]


@pytest.mark.parametrize("block", PYTHON_BLOCKS)
def test_every_python_block_compiles_and_imports_what_exists(block: str) -> None:
    tree = ast.parse(block)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)


LINKS = [
    pytest.param(page, target, id=f"{page.name} -> {target}")
    for page in PAGES
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    if "://" not in target
]


@pytest.mark.parametrize(("page", "target"), LINKS)
def test_every_relative_link_leads_to_a_file(page: Path, target: str) -> None:
    assert (page.parent / target).exists()


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A five-minute tour", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))  # `.venv/bin/...` as in a clone
    (tmp_path / "examples" / "media").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "media" / "bigbuckbunny.mp4", tmp_path / "examples" / "media")
    result = subprocess.run(
        ["bash", "-e", "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bigbuckbunny\t3 active of 3" in out or "bigbuckbunny\t4 active of 4" in out, out
    assert "joined 300, learned 300, skipped 0; checkpoint 1 at sequence 300" in out
    assert re.search(r"^thompson\s+all\s+dr\s+[01]\.\d+ \[", out, flags=re.MULTILINE), out
    assert "Traceback" not in result.stderr
