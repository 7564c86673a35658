"""Builders for bandit tests: a log with titles and artworks, and a controllable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage import Log, NewArtwork

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = field(default=T0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def share_salt(source: Log, target: Log) -> None:
    """Give ``target`` the sampling salt of ``source``, so the same event ids draw alike in
    both logs (each log makes its own secret salt when it is created)."""
    set_salt(target, source.sampling_salt().secret)


def set_salt(log: Log, secret: str) -> None:
    """Give ``log`` this sampling salt: its draws and experiment assignments are then fixed
    by the event and unit ids alone, as in a test with a fixed seed."""
    from sqlalchemy import update

    from storage.models import SamplingSaltRow

    with log.transaction() as s:
        s.execute(update(SamplingSaltRow).values(secret=secret))


def add_title(log: Log, title: str, n: int) -> list[int]:
    """Register ``title`` with ``n`` artworks whose warmth and brightness differ."""
    artworks = log.register(
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


def sessions_of(log: Log) -> sessionmaker[Session]:
    """Sessions on the log's engine, for tests that look at rows directly."""
    return sessionmaker(log.engine, expire_on_commit=False)
