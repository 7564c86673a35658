"""`ServiceSettings`: everything the decision service is started with. Workers that uvicorn
spawns read them back from the environment, where ``thumbnail-bandit serve`` put them."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from datetime import timedelta

_ENV_PREFIX = "THUMBNAIL_BANDIT_SERVICE_"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one worker allows a connection (`thumbnail_bandit.service.guarded_http`)."""

    max_header_bytes: int = 16 * 1024
    """Request line and headers together; the size Node.js and h11 also allow by default."""
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    """The whole body (64 KiB at most) must arrive within this of the head."""
    max_connections: int = 1000
    """Per worker; the descriptor limit is usually a multiple of it."""


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
    max_header_bytes: int = 16 * 1024
    """A request line and headers over this get 431 and a closed connection."""
    header_timeout_s: float = 10.0
    """A request's head must arrive within this of its first byte (or of the connection)."""
    body_timeout_s: float = 10.0
    """A request's body must arrive within this of its head."""
    max_connections: int = 1000
    """Connections per worker; past it the oldest still waiting for a request is closed."""
    public_base_url: str = ""
    """Where browsers load artwork from (a CDN whose origin is this service's ``/artwork``),
    e.g. ``https://img.example.com/artwork``; empty: this service's own ``/artwork``."""
    cors_origins: str = ""
    """Web origins (comma-separated) whose pages may call the API from a browser."""

    def __post_init__(self) -> None:
        if self.rate_per_s <= 0 or self.burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.reward_window_s <= 0 or self.key_cache_s < 0 or self.reload_every_s < 0:
            raise ValueError("reward_window_s must be > 0; key_cache_s, reload_every_s >= 0")
        if self.max_header_bytes < 1024 or self.max_connections < 1:
            raise ValueError("max_header_bytes must be at least 1024, max_connections >= 1")
        if self.public_base_url and not self.public_base_url.startswith(("https://", "http://")):
            raise ValueError("public_base_url must be an http(s) URL")
        if not (0 < self.header_timeout_s <= 3600 and 0 < self.body_timeout_s <= 3600):
            raise ValueError("header_timeout_s and body_timeout_s must be in (0, 3600]")

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def connection_limits(self) -> ConnectionLimits:
        return ConnectionLimits(
            max_header_bytes=self.max_header_bytes,
            header_timeout_s=self.header_timeout_s,
            body_timeout_s=self.body_timeout_s,
            max_connections=self.max_connections,
        )

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
