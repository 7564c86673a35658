"""A token bucket per API key: ``burst`` requests at once, then ``rate_per_s`` sustained."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBuckets:
    """One bucket per key, in this process.

    >>> clock = iter([0.0, 0.0, 0.0, 1.0]).__next__
    >>> buckets = TokenBuckets(rate_per_s=1.0, burst=2, clock=clock)
    >>> [buckets.take("k") for _ in range(4)]
    [0.0, 0.0, 1.0, 0.0]
    """

    def __init__(
        self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """Take one token: 0.0 if granted, else the seconds until one is available."""
        now = self.clock()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate_per_s)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate_per_s

    @staticmethod
    def retry_after(wait_s: float) -> str:
        """A Retry-After header value: whole seconds, at least 1."""
        return str(max(1, math.ceil(wait_s)))
