from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage import Log
from storage.join import join_matured, last_joined_seq, read_joined
from storage.rewards import record_reward
from tests.storage.helpers import T0, decision, seed_title


def test_only_matured_decisions_join_in_a_gap_free_sequence(
    log: Log, sessions: sessionmaker[Session]
) -> None:
    ids = seed_title(sessions)
    batch = [decision(f"e{i:03}", ids, created_at=T0 + timedelta(seconds=i)) for i in range(50)]
    log.record_decisions(batch)
    with sessions.begin() as s:
        record_reward(s, "e007", 1.0, now=T0 + timedelta(seconds=8))
    with sessions.begin() as s:  # windows are 10 min: only e000..e019 have matured at +10m19s
        assert join_matured(s, now=T0 + timedelta(minutes=10, seconds=19)) == 20
    with sessions.begin() as s:
        assert join_matured(s, now=T0 + timedelta(hours=1), limit=7) == 7
        assert join_matured(s, now=T0 + timedelta(hours=1)) == 23
    with sessions.begin() as s:
        assert join_matured(s, now=T0 + timedelta(hours=2)) == 0
    with sessions() as s:
        examples = read_joined(s, 0)
        assert [e.seq for e in examples] == list(range(1, 51))
        assert [e.event_id for e in examples] == [d.event_id for d in batch]
        assert [e.event_id for e in examples if e.rewarded] == ["e007"]
        assert sum(e.reward for e in examples) == 1.0
        assert last_joined_seq(s) == 50
        assert examples[0].candidate_ids == tuple(ids)
        assert examples[0].chosen_index == 0


def test_reading_after_a_cursor_in_batches(log: Log, sessions: sessionmaker[Session]) -> None:
    ids = seed_title(sessions)
    log.record_decisions([decision(f"e{i:03}", ids) for i in range(25)])
    with sessions.begin() as s:
        join_matured(s, now=T0 + timedelta(hours=1))
    seen: list[int] = []
    cursor = 0
    with sessions() as s:
        while batch := read_joined(s, cursor, limit=10):
            seen += [e.seq for e in batch]
            cursor = batch[-1].seq
    assert seen == list(range(1, 26))
