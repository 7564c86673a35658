"""Progress bars for long command-line runs: on stderr, only on a terminal, off with --quiet."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

from thumbnails import CatalogueResult, Extracted, Failed, Job, Skipped


@contextmanager
def progress_bar(what: str, unit: str, *, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A callback ``(done, total)`` that draws one bar; a no-op when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    bar = tqdm(desc=what, unit=unit, file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


class CatalogueBars:
    """A `thumbnails.CatalogueProgress` as bars: one over the catalogue (videos done, failed
    and skipped, frames a second) and, in one-process runs, one for the video being read."""

    def __init__(self, videos: int, *, enabled: bool) -> None:
        self._enabled = enabled
        self._bar = tqdm(total=videos, unit="video", disable=not enabled, file=sys.stderr)
        self._video_bar: tqdm[None] | None = None
        self._failed = self._skipped = self._frames = 0
        self._started = time.monotonic()

    def frames(self, job: Job, decoded: int, total: int) -> None:
        if not self._enabled:
            return
        if self._video_bar is None:
            self._video_bar = tqdm(
                total=total or None,
                desc=job.video.name[:30],
                unit="frame",
                leave=False,
                file=sys.stderr,
            )
        self._video_bar.update(decoded - self._video_bar.n)

    def finished(self, job: Job, result: CatalogueResult) -> None:
        if self._video_bar is not None:
            self._video_bar.close()
            self._video_bar = None
        self._failed += isinstance(result, Failed)
        self._skipped += isinstance(result, Skipped)
        if isinstance(result, Extracted):
            self._frames += int(result.manifest.get("frames_decoded", 0))
        elapsed = max(time.monotonic() - self._started, 1e-9)
        self._bar.set_postfix(
            failed=self._failed,
            skipped=self._skipped,
            fps=f"{self._frames / elapsed:.0f}",
            refresh=False,
        )
        self._bar.update(1)

    def close(self) -> None:
        if self._video_bar is not None:
            self._video_bar.close()
        self._bar.close()
