"""Never extract the same thing twice: a result is keyed by the video's content fingerprint and
the settings that shape it, and a re-run skips videos already done with the same key.

The fingerprint hashes the file's size and 16 blocks of 64 KiB spread evenly through it (the
first and last included), so it costs about 1 MiB of reading per video whatever its length; a
full hash reads the whole film (``benchmarks/bench_catalogue.py`` measures both). An edit that
changes a video's size or any sampled block changes its key; one that keeps its size and
touches only unsampled bytes does not (``--force`` recomputes).

Without ``--db`` the store is a small index in ``--out``; with ``--db`` it is the log.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

BLOCKS = 16
BLOCK_BYTES = 64 * 1024
INDEX_NAME = ".thumbnails-done.json"


def sampled_fingerprint(path: Path) -> str:
    """sha256 over the size and evenly spaced blocks of the file."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        if size <= BLOCKS * BLOCK_BYTES:
            digest.update(f.read())
        else:
            last = size - BLOCK_BYTES
            for i in range(BLOCKS):
                f.seek(last * i // (BLOCKS - 1))
                digest.update(f.read(BLOCK_BYTES))
    return f"sampled:{digest.hexdigest()}"


def full_fingerprint(path: Path) -> str:
    """sha256 of every byte (for comparison; the sampled one is what keys results)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return f"full:{digest.hexdigest()}"


def work_key(fingerprint: str, settings: dict[str, object]) -> str:
    """The key of one extraction: the content and every setting that changes its output."""
    text = json.dumps({"content": fingerprint, "settings": settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain_folder(name: object) -> bool:
    """One visible folder name, as `thumbnails.output.output_name` makes: an index entry can
    never lead outside ``--out`` (an edited or crafted index is data, not a path)."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= 255
        and not name.startswith(".")
        and not any(c in name for c in "/\\\0")
    )


class DoneIndex:
    """``OUT/.thumbnails-done.json``: key -> the folder that holds that result. Written by the
    driver alone, atomically; an unreadable index counts as empty (work is redone, not lost)."""

    def __init__(self, out: Path) -> None:
        self.path = out / INDEX_NAME
        try:
            raw = json.loads(self.path.read_text())
            self._done: dict[str, str] = {
                k: v for k, v in raw.items() if isinstance(k, str) and _plain_folder(v)
            }
        except (OSError, ValueError, AttributeError):
            self._done = {}

    def folder(self, key: str) -> str | None:
        """The folder name done for ``key``, if its manifest is still there."""
        name = self._done.get(key)
        if name is None or not (self.path.parent / name / "manifest.json").is_file():
            return None
        return name

    def record(self, key: str, folder: str) -> None:
        # A folder holds one result: keys of what it held before no longer describe it.
        self._done = {k: f for k, f in self._done.items() if f != folder}
        self._done[key] = folder
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f"{INDEX_NAME}.{uuid.uuid4().hex[:8]}")
        partial.write_text(json.dumps(self._done, indent=1, sort_keys=True))
        os.replace(partial, self.path)
