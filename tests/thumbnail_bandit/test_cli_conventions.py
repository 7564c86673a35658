"""The command lines keep their own conventions: a closed pipe is no error, usage names the
command typed, help shows defaults, and an empty list says it is empty."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    from storage import NewArtwork, open_log

    with open_log(tmp_path / "log.sqlite", create=True) as log:
        for i in range(3000):  # more JSON than a pipe holds: the writer meets the closed end
            log.register(f"title-{i:05d}", [NewArtwork(f"/a/{i}.jpg")])
    tb = BIN / "thumbnail-bandit"
    result = _run(f"{tb} titles list --json --db log.sqlite | head -c 10", tmp_path)
    assert result.stdout == '[{"title_i'
    assert "Broken pipe" not in result.stderr and "Traceback" not in result.stderr


def test_usage_names_the_command_typed_and_help_shows_defaults(tmp_path: Path) -> None:
    extract = _run(f"{BIN / 'thumbnail-bandit'} extract --help", tmp_path)
    assert extract.stdout.startswith("usage: thumbnail-bandit extract")
    serve = _run(f"{BIN / 'thumbnail-bandit'} serve --help", tmp_path)
    assert "(default: 8080)" in serve.stdout and "(default: 1000)" in serve.stdout


def test_empty_lists_say_so(tmp_path: Path) -> None:
    tb = BIN / "thumbnail-bandit"
    assert _run(f"{tb} create --db log.sqlite", tmp_path).returncode == 0
    for command, said in (
        ("keys list", "no keys yet"),
        ("titles list", "no titles yet"),
        ("checkpoints list", "no checkpoints yet"),
    ):
        result = _run(f"{tb} {command} --db log.sqlite", tmp_path)
        assert result.returncode == 0 and result.stdout == "" and said in result.stderr
