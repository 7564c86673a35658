"""`ServiceState`: what one worker process holds.

The chooser (its VW workspace and its decision writer) is not thread-safe, so every call into
the library runs on one thread. Which one depends on the log:

* **SQLite: the event loop's own.** A rank costs a fraction of a millisecond of CPU and its
  commit does not wait for the disk, so running it inline blocks the loop no longer than
  parsing the request does. A dedicated library thread was tried first and halved
  throughput (693 against 1,204 requests/s here, wrk): every hand-off between two threads
  that both want the GIL can wait for the interpreter's 5 ms switch interval.
* **PostgreSQL: a library thread** (`LibraryThread`), because there a commit waits for the
  server's disk and the GIL is free meanwhile; ranks that arrive during one commit share the
  next.

The cost of inline calls: while the database stalls (not refuses) a worker answers nothing,
/healthz included; run several workers behind the load balancer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

import storage
from bandit.chooser import ArtworkChooser
from bandit.log_boundary import log_errors
from bandit.records import Decision
from bandit.rows import RowRequest
from thumbnail_bandit.service.library_thread import LibraryThread
from thumbnail_bandit.service.rate_limit import TokenBuckets
from thumbnail_bandit.service.settings import ServiceSettings

T = TypeVar("T")


class ServiceState:
    """The log, the chooser, the key cache and the rate limits of one worker."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        with log_errors():
            self.log = storage.open_log(settings.db)
        self.chooser = ArtworkChooser(
            self.log,
            reward_window=settings.reward_window,
            reload_every_s=settings.reload_every_s,
        )
        self.library = None if self.log.dialect == "sqlite" else LibraryThread(self.chooser)
        self.buckets = TokenBuckets(settings.rate_per_s, settings.burst)
        # sha256(token) -> (key, trusted until): the token itself is never kept.
        self._keys: dict[str, tuple[storage.ApiKey, float]] = {}

    async def run(self, work: Callable[[], T]) -> T:
        """Run a library call; the one place that decides on which thread (see above)."""
        if self.library is None:
            return work()
        return await self.library.run(work)

    async def rank(self, row: RowRequest) -> list[Decision]:
        """`ArtworkChooser.choose_many` for one request; on PostgreSQL in a shared commit."""
        if self.library is None:
            return self.chooser.choose_many(
                row.title_ids,
                row.context,
                event_id=row.event_id,
                excluded=row.excluded,
                defer_activation=row.defer_activation,
                unit_id=row.unit_id,
            )
        return await self.library.rank(row)

    def verify_key(self, token: str) -> storage.ApiKey | None:
        """The live key of ``token``, from the cache or the log."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._keys.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        with log_errors():
            key = self.log.verify_key(token)
        if key is None:
            self._keys.pop(digest, None)
        elif self.settings.key_cache_s > 0:
            if len(self._keys) > 10_000:  # bound the cache; live keys are few
                self._keys.clear()
            self._keys[digest] = (key, now + self.settings.key_cache_s)
        return key

    def forget_keys(self) -> None:
        """Drop cached keys (after a revocation through this worker)."""
        self._keys.clear()

    def close(self) -> None:
        if self.library is not None:
            self.library.close()
        self.chooser.close()
        self.log.close()
