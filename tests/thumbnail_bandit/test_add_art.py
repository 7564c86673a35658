"""``thumbnail-bandit titles add-art`` on what an operator might be handed: an image bomb (a
small PNG that claims 32000x32000 pixels), /dev/zero, a FIFO, a folder, a missing file, a
video. Each is one line naming the file, exit status 1, nothing registered, and the bomb is
refused from its header, within a memory budget the old decoder blew."""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from storage import open_log
from tests.thumbnails.conftest import BIG_BUCK_BUNNY

BIN = Path(sys.executable).parent


def _png_bomb(path: Path, side: int = 32000) -> Path:
    """A valid grey PNG of ``side`` x ``side`` black pixels: about a megabyte on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + pixels
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def _add_art(
    image: Path, db: Path, memory_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return subprocess.run(
        [
            str(BIN / "thumbnail-bandit"),
            "titles",
            "add-art",
            "--title",
            "t",
            "--db",
            str(db),
            str(image),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
    )


@pytest.mark.slow
def test_an_image_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    bomb = _png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 2_000_000
    # 2 GiB of address space: the interpreter, OpenCV and VW fit; 3.2 GB of pixels do not.
    result = _add_art(bomb, tmp_path / "log.sqlite", memory_bytes=2 * 2**30)
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {bomb}: ") and "megapixels" in line


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder", "missing", "video", "empty"])
def test_what_is_not_an_image_file_is_one_line_naming_it(kind: str, tmp_path: Path) -> None:
    target = {
        "dev-zero": Path("/dev/zero"),
        "fifo": tmp_path / "pipe",
        "folder": tmp_path,
        "missing": tmp_path / "nope.jpg",
        "video": BIG_BUCK_BUNNY,
        "empty": tmp_path / "empty.png",
    }[kind]
    if kind == "fifo":
        os.mkfifo(target)
    if kind == "empty":
        target.write_bytes(b"")
    db = tmp_path / "log.sqlite"
    result = _add_art(target, db)
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {target}: "), line
    assert "internal error" not in line
    with open_log(db, create=True) as log:
        assert log.titles() == []  # nothing registered
