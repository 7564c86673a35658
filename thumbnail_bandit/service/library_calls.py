"""Where a worker calls the library, and ranks that arrive together logged together.

The chooser is not thread-safe, so every call into it runs on one thread. Which one depends
on the log:

* **SQLite: the event loop's own.** A rank costs a fraction of a millisecond of CPU and its
  commit does not wait for the disk, so running it inline blocks the loop no longer than
  parsing the request does. A library thread was tried here and halved throughput (693
  against 1,204 requests/s, wrk): every hand-off between two threads that both want the GIL
  can wait for the interpreter's 5 ms switch interval.
* **PostgreSQL: a library thread of its own.** A commit there waits about 2 ms (6 ms at the
  99th percentile on this project's machines) for the server to flush its write-ahead log.
  Run on the event loop, that wait held the whole worker: at half the peak rate the 99th
  percentile was three times the commit's own. On a thread, the loop keeps reading requests
  meanwhile.

Either way, ranks that arrive while one is being logged are logged in the next commit,
together (`ArtworkChooser.choose_rows`), each answered only once it is durable. On SQLite
that means the ranks a worker read in one turn of its event loop: a commit costs about as
much as the rank itself there, so 4 ranks to a commit log 1.6 times as many per second.
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


class LibraryCalls:
    """Every call into the chooser and the log, on one thread, and a queue of ranks.

    Args:
        chooser: the worker's chooser.
        own_thread: run the calls on a thread of their own (PostgreSQL), not inline on the
            event loop (SQLite).
    """

    def __init__(self, chooser: ArtworkChooser, *, own_thread: bool) -> None:
        self.chooser = chooser
        self._thread = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="library") if own_thread else None
        )
        self._waiting: list[tuple[RowRequest, asyncio.Future[list[Decision]]]] = []
        self._draining = False

    @property
    def own_thread(self) -> bool:
        return self._thread is not None

    async def run(self, work: Callable[[], T]) -> T:
        if self._thread is None:
            return work()
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    async def rank(self, row: RowRequest) -> list[Decision]:
        """`ArtworkChooser.choose_many` for ``row``, logged with whatever ranks wait too."""
        answer: asyncio.Future[list[Decision]] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, answer))
        if not self._draining:
            # The drain starts on the loop's next turn: the ranks read in this one join it.
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
        if self._thread is not None:
            self._thread.shutdown(wait=True)
