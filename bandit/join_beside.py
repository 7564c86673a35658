"""The join, on a thread of its own beside the learner: it commits batch after batch while the
learner learns the batches already joined.

The join's work is done inside the database (SQLite and PostgreSQL alike run it outside the
GIL), so on a machine with a second core it costs the learner next to nothing (issue 30: the
join was a quarter of the log's overhead). What is joined, and in what order, does not change:
one thread joins, in the same batches and transactions as before, and the learner waits for
a full batch (or the end of the join) before it reads one, so its batches are the ones a
learner that joined everything first would read.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from types import TracebackType

import storage


class JoinBeside:
    """Join every matured decision on a thread, from ``__enter__`` until done or closed.

    Args:
        log: the log to join.
        now: the instant decisions must have matured by.
        window: `storage.Log.join_matured`'s trial shortcut.
    """

    def __init__(self, log: storage.Log, now: datetime, window: timedelta | None = None) -> None:
        self._log, self._now, self._window = log, now, window
        self._changed = threading.Condition()
        self._commits = 0
        self._finished = False
        self._stop = False
        self._error: BaseException | None = None
        self.joined = 0
        """Decisions joined so far."""
        self._thread = threading.Thread(target=self._run, name="thumbnail-bandit-join")

    def _run(self) -> None:
        try:
            for joined in self._log.join_batches(self._now, self._window):
                with self._changed:
                    self.joined += joined
                    self._commits += 1
                    self._changed.notify_all()
                    if self._stop:
                        return
        except BaseException as exc:  # handed to the learner's thread, raised there
            self._error = exc
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    def wait_for(self, seq: int) -> None:
        """Wait until the log holds joined rows up to ``seq`` (checked again after each
        commit) or the join is done. Raises what the join raised."""
        while True:
            with self._changed:
                commits, finished = self._commits, self._finished
            if finished:
                self._raise_error()
                return
            if self._log.last_joined_seq() >= seq:
                return
            with self._changed:
                while self._commits == commits and not self._finished:
                    self._changed.wait()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def __enter__(self) -> JoinBeside:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # The learner is done or failed: the join stops after the batch it is committing
        # (each batch is a transaction of its own, so nothing is left half-joined).
        with self._changed:
            self._stop = True
        self._thread.join()
        if kind is None:
            self._raise_error()
