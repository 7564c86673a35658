"""`ServiceState`: what one worker process holds.

Every library call goes through `LibraryCalls`, which decides on which thread it runs (the
event loop's on SQLite, a thread of its own on PostgreSQL) and logs ranks that arrive together
in one commit.

The cost of inline calls on SQLite: while the database stalls (not refuses) a worker answers
nothing, /healthz included; run several workers behind the load balancer.
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
from thumbnail_bandit.service.library_calls import LibraryCalls
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
        self.library = LibraryCalls(self.chooser, own_thread=self.log.dialect != "sqlite")
        self.buckets = TokenBuckets(settings.rate_per_s, settings.burst)
        # sha256(token) -> (key, trusted until): the token itself is never kept.
        self._keys: dict[str, tuple[storage.ApiKey, float]] = {}

    async def run(self, work: Callable[[], T]) -> T:
        """Run a library call on the worker's library thread (see `LibraryCalls`)."""
        return await self.library.run(work)

    async def rank(self, row: RowRequest) -> list[Decision]:
        """`ArtworkChooser.choose_many` for one request, in a commit shared with the ranks
        that arrive beside it."""
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
        self.library.close()
        self.chooser.close()
        self.log.close()
