"""Builders for bandit tests: a log with titles and artworks, and a controllable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage import NewArtwork, register_artworks, register_title, session_factory

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = field(default=T0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def add_title(engine: Engine, title: str, n: int) -> list[int]:
    """Register ``title`` with ``n`` artworks whose warmth and brightness differ."""
    with session_factory(engine).begin() as s:
        register_title(s, title)
        artworks = register_artworks(
            s,
            title,
            [
                NewArtwork(
                    f"{title}/{i}.jpg",
                    features={"warmth": (i + 0.5) / n, "brightness": 1 - (i + 0.5) / n},
                )
                for i in range(n)
            ],
        )
    return [a.id for a in artworks]
