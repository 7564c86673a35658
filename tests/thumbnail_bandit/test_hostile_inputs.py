"""Extraction as a user runs it, on inputs an unlucky operator or an attacker hands it: every
input bad (no abort after the error lines), names that try to forge a line or colour the
terminal, and names too long in bytes for the file system once staged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.thumbnails.conftest import BIG_BUCK_BUNNY
from tests.thumbnails.synthetic import StoryVideo

BIN = Path(sys.executable).parent


def _bad_videos(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "random.mp4").write_bytes(bytes(range(256)) * 20)
    (folder / "truncated.mp4").write_bytes(BIG_BUCK_BUNNY.read_bytes()[:30_000])
    return sorted(folder.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["thumbnails", "extract"],
        ["thumbnails", "extract", "--workers", "2"],
        ["thumbnails", "extract", "--fast"],
        ["thumbnail-bandit", "extract"],
    ],
    ids=["one process", "workers", "fast", "thumbnail-bandit"],
)
def test_every_input_bad_is_one_line_each_and_exit_1(command: list[str], tmp_path: Path) -> None:
    videos = _bad_videos(tmp_path / "in")
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:], *map(str, videos), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # was 134: aborted after the error lines
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines), lines
    assert "terminate called" not in result.stderr and "WARN" not in result.stderr


def test_a_file_name_cannot_forge_a_line_or_send_escape_codes(tmp_path: Path) -> None:
    forged = tmp_path / "bad\nerror: fake.mp4: all good.mp4"
    forged.write_bytes(b"not a video")
    coloured = tmp_path / "\x1b[31mred.mp4"
    coloured.write_bytes(b"")
    result = subprocess.run(
        [str(BIN / "thumbnails"), "extract", str(forged), str(coloured), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 2, result.stderr
    assert all(line.startswith("error: ") for line in lines)
    assert "\x1b" not in result.stderr and "\\x1b[31mred.mp4" in result.stderr
    assert "bad\\nerror: fake.mp4: all good.mp4" in result.stderr


def test_a_long_name_in_bytes_is_cut_to_fit_the_file_system(
    story: StoryVideo, tmp_path: Path
) -> None:
    long_name = tmp_path / ("電" * 83 + ".mp4")  # 249 bytes: fits, but not once staged
    shutil.copy(story.path, long_name)
    result = subprocess.run(
        [str(BIN / "thumbnails"), "extract", str(long_name), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [folder] = (tmp_path / "out").glob("電*")
    assert len(folder.name.encode()) <= 200 and (folder / "manifest.json").is_file()
