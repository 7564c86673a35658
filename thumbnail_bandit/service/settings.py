"""`ServiceSettings`: everything the decision service is started with. Workers that uvicorn
spawns read them back from the environment, where ``thumbnail-bandit serve`` put them."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from datetime import timedelta

_ENV_PREFIX = "THUMBNAIL_BANDIT_SERVICE_"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """How one service process runs.

    >>> ServiceSettings("log.sqlite").rate_per_s
    100.0
    """

    db: str
    """The log's URL (SQLite path or PostgreSQL URL)."""
    rate_per_s: float = 100.0
    """Each key's sustained request rate, per worker process (a token bucket)."""
    burst: int = 200
    """How many requests a key may send at once before the rate applies."""
    key_cache_s: float = 5.0
    """How long a verified key is trusted without asking the log again; a revoked key stops
    working within this time."""
    max_body_bytes: int = 64 * 1024
    """Larger request bodies get 413."""
    reward_window_s: float = 1800.0
    """How long a reward (and an activation) may take after rank."""
    reload_every_s: float = 5.0
    """How often a worker looks for a newer checkpoint."""
    retry_after_s: int = 5
    """What 503 tells a client to wait while the log is unavailable."""

    def __post_init__(self) -> None:
        if self.rate_per_s <= 0 or self.burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.reward_window_s <= 0 or self.key_cache_s < 0 or self.reload_every_s < 0:
            raise ValueError("reward_window_s must be > 0; key_cache_s, reload_every_s >= 0")

    @property
    def reward_window(self) -> timedelta:
        return timedelta(seconds=self.reward_window_s)

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables, for worker processes."""
        return {_ENV_PREFIX + k.upper(): str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Read back what `to_env` wrote (``THUMBNAIL_BANDIT_SERVICE_DB`` at least)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(_ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            kind = f.type if isinstance(f.type, str) else f.type.__name__
            values[f.name] = float(raw) if kind == "float" else int(raw) if kind == "int" else raw
        if "db" not in values:
            raise ValueError(f"set {_ENV_PREFIX}DB to the log's URL")
        return cls(**values)  # type: ignore[arg-type]
