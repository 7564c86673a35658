"""`ServiceState`: what one worker process holds. The chooser (its VW workspace and its
decision writer) is not thread-safe, so every call into the library runs on one worker
thread of this process; the event loop stays free to answer health checks meanwhile."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import storage
from bandit.chooser import ArtworkChooser
from bandit.log_boundary import log_errors
from bandit.service.rate_limit import TokenBuckets
from bandit.service.settings import ServiceSettings

T = TypeVar("T")


class ServiceState:
    """The log, the chooser, the key cache and the rate limits of one worker."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbnail-bandit")
        with log_errors():
            self.log = storage.open_log(settings.db)
        self.chooser = ArtworkChooser(
            self.log,
            reward_window=settings.reward_window,
            salt=settings.salt,
            reload_every_s=settings.reload_every_s,
        )
        self.buckets = TokenBuckets(settings.rate_per_s, settings.burst)
        # sha256(token) -> (key, trusted until): the token itself is never kept.
        self._keys: dict[str, tuple[storage.ApiKey, float]] = {}

    async def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` on this worker's library thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    def verify_key(self, token: str) -> storage.ApiKey | None:
        """The live key of ``token``, from the cache or the log (on the library thread)."""
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
        self._thread.shutdown(wait=True)
        self.chooser.close()
        self.log.close()
