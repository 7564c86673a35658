"""Progress bars for long command-line runs: on stderr, only on a terminal, off with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


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
