"""The learner's read (`storage.learning_rows`): the joined sequence, by column, with the same
values the full read gives, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage import Log
from storage.rewards import record_reward
from tests.storage.helpers import T0, decision, seed_title


def _joined_log(log: Log, sessions: sessionmaker[Session]) -> None:
    ids = seed_title(sessions)
    log.record_decisions(
        [
            decision(
                f"e{i:02}",
                ids,
                chosen=i % 3,
                created_at=T0 + timedelta(seconds=i),
                context={"segment": "ab"[i % 2], "hour": i % 3},
            )
            for i in range(12)
        ]
    )
    with sessions.begin() as s:
        record_reward(s, "e04", 0.5, now=T0 + timedelta(seconds=30))
    log.join_matured(now=T0 + timedelta(hours=1))


def test_the_columns_hold_what_the_full_read_holds(
    log: Log, sessions: sessionmaker[Session]
) -> None:
    _joined_log(log, sessions)
    full = log.joined()
    rows = log.learning_rows(0, 100)
    assert len(rows) == len(full) == 12
    assert rows.seqs == [r.seq for r in full] == list(range(1, 13))
    assert rows.event_ids == [r.event_id for r in full]
    assert rows.contexts == [r.context for r in full]
    assert rows.candidate_ids == [r.candidate_ids for r in full]
    assert rows.artwork_ids == [r.artwork_id for r in full]
    assert rows.probabilities == [r.probability for r in full]
    assert rows.rewards == [r.reward for r in full]
    assert rows.rewards[4] == 0.5 and sum(rows.rewards) == 0.5
    assert rows.decided_at is None  # not asked for


def test_decision_times_come_only_when_asked_for(log: Log, sessions: sessionmaker[Session]) -> None:
    _joined_log(log, sessions)
    rows = log.learning_rows(0, 100, decided_at=True)
    assert rows.decision_times() == [T0 + timedelta(seconds=i) for i in range(12)]
    assert all(t.tzinfo is not None for t in rows.decision_times())
    with pytest.raises(ValueError, match="without their decision times"):
        log.learning_rows(0, 100).decision_times()


def test_equal_logged_values_share_one_object(log: Log, sessions: sessionmaker[Session]) -> None:
    """The learner keys its per-batch caches on these objects' identities."""
    _joined_log(log, sessions)
    rows = log.learning_rows(0, 100)
    assert len({id(c) for c in rows.contexts}) == 6  # two segments x three hours
    assert len({id(c) for c in rows.candidate_ids}) == 1


def test_reading_after_a_cursor_in_batches_and_past_the_end(
    log: Log, sessions: sessionmaker[Session]
) -> None:
    _joined_log(log, sessions)
    seen: list[int] = []
    cursor = 0
    while rows := log.learning_rows(cursor, 5):
        assert len(rows) <= 5
        seen += rows.seqs
        cursor = rows.seqs[-1]
    assert seen == list(range(1, 13))
    empty = log.learning_rows(12, 5, decided_at=True)
    assert len(empty) == 0 and empty.seqs == [] and empty.decision_times() == []
