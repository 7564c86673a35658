"""The library on a thread of its own, with ranks that arrive together logged together: what a
worker on PostgreSQL does while the database makes a commit durable.

On PostgreSQL a rank's commit waits about 2 ms (6 ms at the 99th percentile on this project's
machines) for the server to flush its write-ahead log. Run on the event loop, that wait holds
the whole worker: requests queue behind it, and at half the peak rate the 99th percentile was
three times the commit's own. Here the event loop hands library calls to one thread (the
chooser is not thread-safe, so one), and keeps reading requests meanwhile. Ranks that arrive
while a commit is in flight are logged in the next one, together
(`ArtworkChooser.choose_rows`): one flush for all of them, each answered only once it is
durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from bandit.chooser import ArtworkChooser
from bandit.records import Decision
from bandit.rows import RowRequest

T = TypeVar("T")


class LibraryThread:
    """One thread for every call into the chooser and the log, and a queue of ranks."""

    def __init__(self, chooser: ArtworkChooser) -> None:
        self.chooser = chooser
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="library")
        self._waiting: list[tuple[RowRequest, asyncio.Future[list[Decision]]]] = []
        self._draining = False

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    async def rank(self, row: RowRequest) -> list[Decision]:
        """`ArtworkChooser.choose_many` for ``row``, logged with whatever ranks wait too."""
        answer: asyncio.Future[list[Decision]] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, answer))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    outcomes = await self.run(
                        partial(self.chooser.choose_rows, [row for row, _ in batch])
                    )
                except Exception as exc:  # a bug, not a refusal: every rank of the batch hears it
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                    continue
                for (_, answer), outcome in zip(batch, outcomes, strict=True):
                    if answer.done():  # its client left; the decision is logged regardless
                        continue
                    if isinstance(outcome, Exception):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
        finally:
            self._draining = False

    def close(self) -> None:
        self._thread.shutdown(wait=True)
