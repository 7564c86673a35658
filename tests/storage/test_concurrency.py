"""Four writer processes, a joiner process and a cursor reader share one log.

Writers log decisions the way serving does (`DecisionWriter`, the only write path).

Afterwards every decision and reward is present exactly once, the join sequence is gap-free and
holds each decision once, and a reader that followed the cursor live saw every row.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event as EventType

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import Log, NewDecision, open_log
from storage.join import join_matured, read_joined
from storage.models import DecisionRow, JoinedExampleRow, RewardRow
from storage.rewards import record_reward
from tests.storage.helpers import seed_title

pytestmark = pytest.mark.slow  # seconds, not milliseconds: `pytest -m "not slow"` skips it

WRITERS = 4
DECISIONS_PER_WRITER = 2_000
WINDOW = timedelta(milliseconds=200)


def _writer(url: str, writer: int, artwork_ids: list[int]) -> None:
    log = open_log(url, migrate=False)
    sessions = sessionmaker(log.engine)
    decisions = log.writer()
    pmf = (0.5, 0.5)
    for i in range(DECISIONS_PER_WRITER):
        now = datetime.now(UTC)
        event_id = f"w{writer}-{i}"
        decisions.write(
            NewDecision(
                event_id=event_id,
                title_id="t1",
                context={"segment": f"s{i % 3}"},
                candidate_ids=tuple(artwork_ids[:2]),
                pmf=pmf,
                artwork_id=artwork_ids[i % 2],
                probability=0.5,
                policy_version="uniform",
                exploration={"kind": "uniform"},
                created_at=now,
                reward_deadline=now + WINDOW,
            ),
        )
        if i % 2 == 0:
            with sessions.begin() as s:
                record_reward(s, event_id, 1.0)
            if i % 10 == 0:  # a client retry: must not double the reward
                with sessions.begin() as s:
                    record_reward(s, event_id, 1.0)
    decisions.close()
    log.close()


def _joiner(url: str, stop: EventType) -> None:
    log = open_log(url, migrate=False)
    engine, sessions = log.engine, sessionmaker(log.engine)
    while not stop.is_set():
        with sessions.begin() as s:
            join_matured(s, limit=500)
        time.sleep(0.005)
    engine.dispose()


def _follow(sessions: sessionmaker[Session], cursor: int, seen: list[str]) -> int:
    with sessions() as s:
        batch = read_joined(s, cursor, limit=1_000)
    for example in batch:
        assert example.seq == cursor + 1, f"reader skipped from {cursor} to {example.seq}"
        cursor = example.seq
        seen.append(example.event_id)
    return cursor


def test_concurrent_writers_joiner_and_reader(log: Log, log_url: str) -> None:
    engine, sessions = log.engine, sessionmaker(log.engine, expire_on_commit=False)
    artwork_ids = seed_title(sessions, 2)
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    joiner = ctx.Process(target=_joiner, args=(log_url, stop))
    writers = [ctx.Process(target=_writer, args=(log_url, w, artwork_ids)) for w in range(WRITERS)]
    joiner.start()
    for p in writers:
        p.start()
    seen: list[str] = []
    cursor = 0
    while any(p.is_alive() for p in writers):
        cursor = _follow(sessions, cursor, seen)
        time.sleep(0.01)
    for p in writers:
        p.join()
        assert p.exitcode == 0
    time.sleep(WINDOW.total_seconds() * 2)
    stop.set()
    joiner.join(timeout=60)
    assert joiner.exitcode == 0
    with sessions.begin() as s:
        while join_matured(s, now=datetime.now(UTC) + timedelta(hours=1)):
            pass
    while True:
        before = cursor
        cursor = _follow(sessions, cursor, seen)
        if cursor == before:
            break

    total = WRITERS * DECISIONS_PER_WRITER
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == total
        assert s.scalar(select(func.count()).select_from(RewardRow)) == total // 2
        assert s.scalar(select(func.count(func.distinct(JoinedExampleRow.event_id)))) == total
        assert s.scalar(select(func.min(JoinedExampleRow.seq))) == 1
        assert s.scalar(select(func.max(JoinedExampleRow.seq))) == total
        # A reward is learned exactly when it was in time: never lost to a racing join.
        in_time = set(s.scalars(select(RewardRow.event_id).where(RewardRow.late.is_(False))))
        learned = set(s.scalars(select(JoinedExampleRow.event_id).where(JoinedExampleRow.rewarded)))
        assert learned == in_time
    assert len(seen) == total and len(set(seen)) == total
    del engine  # the fixture closes the log
