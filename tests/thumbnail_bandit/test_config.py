"""``--db`` from the environment or a TOML file, and any command's options from the file:
a flag overrides the environment, which overrides the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _cli(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("THUMBNAIL_BANDIT_DB")}
    environment.pop("THUMBNAIL_BANDIT_CONFIG", None)
    return subprocess.run(
        [str(BIN / "thumbnail-bandit"), *args],
        cwd=cwd,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_flag_over_environment_over_file(tmp_path: Path) -> None:
    for name in ("file", "env", "flag"):
        assert _cli(tmp_path, "create", "--db", f"{name}.sqlite").returncode == 0
        _cli(
            tmp_path, "keys", "create", "--db", f"{name}.sqlite", "--name", name, "--scope", "rank"
        )
    (tmp_path / "thumbnail-bandit.toml").write_text('db = "file.sqlite"\n')
    env = {"THUMBNAIL_BANDIT_DB": "env.sqlite"}
    assert _cli(tmp_path, "keys", "list").stdout.startswith("file\t")
    assert _cli(tmp_path, "keys", "list", env=env).stdout.startswith("env\t")
    assert _cli(tmp_path, "keys", "list", "--db", "flag.sqlite", env=env).stdout.startswith(
        "flag\t"
    )


def test_a_commands_options_from_its_table(tmp_path: Path) -> None:
    assert _cli(tmp_path, "create", "--db", "log.sqlite").returncode == 0
    (tmp_path / "thumbnail-bandit.toml").write_text(
        'db = "log.sqlite"\n[learn]\nreward-window = 0\nquiet = true\n'
    )
    learned = _cli(tmp_path, "learn")
    assert learned.returncode == 0 and learned.stdout.startswith("joined 0")
    replay = _cli(tmp_path, "replay", "--log", "missing.csv", "--target", "uniform")
    assert "missing.csv" in replay.stderr  # --log wins over the configured log


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("[serv]\nport = 1\n", "no command 'serv' (did you mean 'serve'?)"),
        ("[learn]\nevry = 1\n", "no option --evry (did you mean 'every'?)"),
        ("port = 1\n", "the top level holds db and [command] tables"),
        ("db = \n", "not valid TOML"),
    ],
)
def test_a_bad_configuration_is_a_usage_error(tmp_path: Path, config: str, expected: str) -> None:
    (tmp_path / "thumbnail-bandit.toml").write_text(config)
    result = _cli(tmp_path, "titles", "list", "--db", "x.sqlite")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and expected in line


def test_no_log_named_anywhere_says_where_to_name_one(tmp_path: Path) -> None:
    result = _cli(tmp_path, "learn")
    assert result.returncode == 2
    assert "THUMBNAIL_BANDIT_DB" in result.stderr and "thumbnail-bandit.toml" in result.stderr
