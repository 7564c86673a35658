"""Decisions logged per second on SQLite and PostgreSQL: per-commit, batched, join + read.

Baseline: the naive way, a per-row commit through the sqlite3 module in SQLite's default
(rollback journal, synchronous=FULL) mode, on the same rows in the same run.
PostgreSQL figures need THUMBNAIL_BANDIT_PG_URL (the local server, as in .ci/run).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).parent))
from report import emit, rate
from scratch_postgres import scratch_schema

from storage import NewArtwork, NewDecision, open_log
from storage.catalog import register_artworks, register_title
from storage.engine import Durability
from storage.join import join_matured, read_joined

PER_COMMIT = 5_000
BATCHED = 50_000
BATCH = 1_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _decisions(prefix: str, n: int, ids: list[int]) -> list[NewDecision]:
    pmf = tuple(1 / len(ids) for _ in ids)
    return [
        NewDecision(
            event_id=f"{prefix}{i}",
            title_id="t",
            context={"segment": f"s{i % 4}", "country": "NZ", "hour": i % 24},
            candidate_ids=tuple(ids),
            pmf=pmf,
            artwork_id=ids[i % len(ids)],
            probability=pmf[0],
            policy_version="uniform",
            exploration={"kind": "uniform"},
            created_at=T0,
            reward_deadline=T0 + timedelta(minutes=10),
        )
        for i in range(n)
    ]


def _setup(sessions: sessionmaker[Session]) -> list[int]:
    with sessions.begin() as s:
        register_title(s, "t")
        arts = register_artworks(
            s, "t", [NewArtwork(f"{i}.jpg", features={"b": i / 8}) for i in range(8)]
        )
    return [a.id for a in arts]


def bench_log(backend: str, url: str, naive: float, durability: Durability = "normal") -> None:
    log = open_log(url, durability=durability, create=True)
    sessions = sessionmaker(log.engine)
    ids = _setup(sessions)
    writer = log.writer()
    rows = _decisions("w", PER_COMMIT, ids)
    baseline = {"baseline_is": "naive sqlite3 per-row commit, default journal mode"}
    emit(
        f"{backend}.decisions_per_commit",
        rate(PER_COMMIT, lambda: [writer.write(d) for d in rows]),
        "decisions/s",
        naive,
        target=5_000 if backend == "sqlite" else None,
        path="DecisionWriter (the serving path)",
        **baseline,
    )
    many = _decisions("b", BATCHED, ids)
    batches = [many[start : start + BATCH] for start in range(0, BATCHED, BATCH)]
    emit(
        f"{backend}.decisions_batched",
        rate(BATCHED, lambda: [writer.write_many(batch) for batch in batches]),
        "decisions/s",
        naive,
        target=30_000 if backend == "sqlite" else None,
        batch=BATCH,
        path="DecisionWriter.write_many",
        **baseline,
    )
    writer.close()
    total = PER_COMMIT + BATCHED

    def join_all() -> None:
        with sessions.begin() as s:
            while join_matured(s, now=T0 + timedelta(hours=1)):
                pass

    emit(f"{backend}.join", rate(total, join_all), "examples/s")

    def read_all() -> None:
        cursor = 0
        with sessions() as s:
            while batch := read_joined(s, cursor, limit=10_000):
                cursor = batch[-1].seq

    emit(f"{backend}.read_after_cursor", rate(total, read_all), "examples/s")
    log.close()


def naive_sqlite(path: Path) -> float:
    conn = sqlite3.connect(path)  # default: rollback journal, synchronous=FULL
    conn.execute("CREATE TABLE d (event_id TEXT PRIMARY KEY, context TEXT, pmf TEXT)")
    n = 500  # about 100/s on this machine: 500 rows is enough to measure

    def work() -> None:
        for i in range(n):
            conn.execute(
                "INSERT INTO d VALUES (?, ?, ?)",
                (f"e{i}", json.dumps({"segment": "s"}), json.dumps([0.125] * 8)),
            )
            conn.commit()

    result = rate(n, work)
    conn.close()
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        naive = naive_sqlite(Path(tmp) / "naive.sqlite")
        emit("sqlite.naive_per_commit", naive, "decisions/s")
        bench_log("sqlite", f"sqlite:///{tmp}/log.sqlite", naive)
        bench_log("sqlite_full_sync", f"sqlite:///{tmp}/full.sqlite", naive, durability="full")
    with scratch_schema("postgresql") as url:
        if url is not None:
            bench_log("postgresql", url, naive)


if __name__ == "__main__":
    main()
