"""Timing the ``thumbnails extract`` command as a user runs it: a fresh process, start-up and
all, so the catalogue benchmarks compare whole runs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

THUMBNAILS = Path(sys.executable).parent / "thumbnails"


def time_extract(videos: list[Path], out: Path, *extra: str) -> float:
    """Seconds for one ``thumbnails extract VIDEOS --out OUT --quiet EXTRA...``; raises with
    its stderr if it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        [THUMBNAILS, "extract", *map(str, videos), "--out", str(out), "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return time.perf_counter() - start
