"""Small builders for storage tests."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from storage import NewArtwork, NewDecision
from storage.catalog import register_artworks, register_title

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def seed_title(sessions: sessionmaker[Session], n_artworks: int = 3) -> list[int]:
    """Register title ``t1`` with ``n_artworks`` artworks; return their ids."""
    with sessions.begin() as s:
        register_title(s, "t1", "Title One")
        arts = register_artworks(
            s,
            "t1",
            [
                NewArtwork(f"img{i}.jpg", i * 1.0, i, {"brightness": i / 10})
                for i in range(n_artworks)
            ],
        )
        return [a.id for a in arts]


def decision(
    event_id: str,
    artwork_ids: list[int],
    *,
    chosen: int = 0,
    created_at: datetime = T0,
    window: timedelta = timedelta(minutes=10),
    context: dict[str, object] | None = None,
) -> NewDecision:
    n = len(artwork_ids)
    pmf = tuple(1.0 / n for _ in artwork_ids)
    return NewDecision(
        event_id=event_id,
        title_id="t1",
        context=context if context is not None else {"segment": "a"},
        candidate_ids=tuple(artwork_ids),
        pmf=pmf,
        artwork_id=artwork_ids[chosen],
        probability=pmf[chosen],
        policy_version="uniform",
        exploration={"kind": "uniform"},
        created_at=created_at,
        reward_deadline=created_at + window,
    )


def scribble_over_pages(path: Path) -> None:
    """Damage an SQLite file the way a failing disk would: random bytes over every page but
    the header, after folding the WAL into it."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data), page):
        data[offset + 8 : offset + 200] = os.urandom(192)
    path.write_bytes(bytes(data))
